package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
)

// maxHeader is numpy.load's default max_header_size: larger headers are
// refused rather than parsed.
const maxHeader = 10000

// ReadFile reads the .npy array at path (see Read); errors name the path.
func ReadFile(path string) (shape []int, data []float32, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if shape, data, err = Read(bufio.NewReader(f)); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return shape, data, nil
}

// Read reads a .npy array of little-endian float32 in C order (what Write
// produces, and what numpy.save writes for float32 on little-endian
// machines). Other dtypes, Fortran order and malformed headers are errors.
// Bytes after the array are left unread.
func Read(r io.Reader) (shape []int, data []float32, err error) {
	pre := make([]byte, len(magic)+2)
	if _, err := io.ReadFull(r, pre); err != nil {
		return nil, nil, fmt.Errorf("npy: reading magic: %w", err)
	}
	if string(pre[:len(magic)]) != magic {
		return nil, nil, fmt.Errorf("npy: not a .npy file (starts with %q)", pre)
	}
	// Versions 2.0 and 3.0 only widen the length field (3.0 also allows
	// UTF-8, which a float32 header never needs).
	lenSize := 4
	switch pre[6] {
	case 1:
		lenSize = 2
	case 2, 3:
	default:
		return nil, nil, fmt.Errorf("npy: unsupported format version %d.%d", pre[6], pre[7])
	}
	lb := make([]byte, 4)
	if _, err := io.ReadFull(r, lb[:lenSize]); err != nil {
		return nil, nil, fmt.Errorf("npy: reading header length: %w", err)
	}
	hlen := binary.LittleEndian.Uint32(lb)
	if hlen > maxHeader {
		return nil, nil, fmt.Errorf("npy: header of %d bytes exceeds %d", hlen, maxHeader)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, nil, fmt.Errorf("npy: reading header: %w", err)
	}
	if shape, err = parseHeader(string(hdr)); err != nil {
		return nil, nil, err
	}
	n, err := count(shape)
	if err != nil {
		return nil, nil, err
	}
	data, err = readValues(r, n)
	return shape, data, err
}

// readValues reads n float32 values, growing with what actually arrives so
// a header claiming a huge shape cannot force a huge allocation.
func readValues(r io.Reader, n int) ([]float32, error) {
	const chunk = 64 << 10
	data := make([]float32, 0, min(n, chunk))
	buf := make([]byte, 4*min(n, chunk))
	for len(data) < n {
		b := buf[:4*min(n-len(data), chunk)]
		if _, err := io.ReadFull(r, b); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("npy: data truncated: shape needs %d values, file has fewer", n)
			}
			return nil, err
		}
		for i := 0; i < len(b); i += 4 {
			data = append(data, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
		}
	}
	return data, nil
}

// parseHeader parses the Python dict literal of a .npy header, accepting
// only what a '<f4' C-order array can have.
func parseHeader(h string) ([]int, error) {
	p := &literal{s: h}
	var shape []int
	seen := map[string]bool{}
	if !p.eat('{') {
		return nil, p.errorf("header is not a dict")
	}
	for !p.eat('}') {
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, p.errorf("duplicate key %q", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return nil, p.errorf("missing ':' after %q", key)
		}
		switch key {
		case "descr":
			descr, err := p.str()
			if err != nil {
				return nil, err
			}
			if descr != "<f4" {
				return nil, fmt.Errorf("npy: dtype %q is not supported, need '<f4' (little-endian float32)", descr)
			}
		case "fortran_order":
			switch p.word() {
			case "False":
			case "True":
				return nil, errors.New("npy: Fortran-order arrays are not supported")
			default:
				return nil, p.errorf("fortran_order is not True or False")
			}
		case "shape":
			if shape, err = p.tuple(); err != nil {
				return nil, err
			}
		default:
			return nil, p.errorf("unexpected key %q", key)
		}
		if !p.eat(',') && !p.peek('}') {
			return nil, p.errorf("expected ',' or '}'")
		}
	}
	if p.space(); p.i != len(p.s) {
		return nil, p.errorf("trailing characters after the dict")
	}
	if len(seen) != 3 {
		return nil, errors.New("npy: header lacks one of 'descr', 'fortran_order', 'shape'")
	}
	return shape, nil
}

// literal scans the small subset of Python literals numpy headers use.
type literal struct {
	s string
	i int
}

func (p *literal) errorf(format string, args ...any) error {
	return fmt.Errorf("npy: malformed header at byte %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *literal) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// peek reports whether c is next, after whitespace, without consuming it.
func (p *literal) peek(c byte) bool {
	p.space()
	return p.i < len(p.s) && p.s[p.i] == c
}

func (p *literal) eat(c byte) bool {
	if !p.peek(c) {
		return false
	}
	p.i++
	return true
}

// str reads a quoted string without escapes (none appear in valid keys or
// dtype strings).
func (p *literal) str() (string, error) {
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '\'' && p.s[p.i] != '"' {
		return "", p.errorf("expected a string")
	}
	q := p.s[p.i]
	for j := p.i + 1; j < len(p.s); j++ {
		switch p.s[j] {
		case q:
			s := p.s[p.i+1 : j]
			p.i = j + 1
			return s, nil
		case '\\', '\n':
			return "", p.errorf("unsupported character in string")
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *literal) word() string {
	p.space()
	j := p.i
	for j < len(p.s) && ('a' <= p.s[j] && p.s[j] <= 'z' || 'A' <= p.s[j] && p.s[j] <= 'Z') {
		j++
	}
	w := p.s[p.i:j]
	p.i = j
	return w
}

// tuple reads a tuple of non-negative ints; a single element needs its
// trailing comma, as in Python, since (3) is an int and not a shape.
func (p *literal) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, p.errorf("shape is not a tuple")
	}
	var dims []int
	for !p.eat(')') {
		p.space()
		j := p.i
		for j < len(p.s) && '0' <= p.s[j] && p.s[j] <= '9' {
			j++
		}
		d, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, p.errorf("shape holds %q, not a non-negative int", p.s[p.i:j])
		}
		p.i = j
		dims = append(dims, d)
		if !p.eat(',') {
			if len(dims) == 1 || !p.peek(')') {
				return nil, p.errorf("expected ',' in shape tuple")
			}
		}
	}
	return dims, nil
}
