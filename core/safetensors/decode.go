package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxHeaderLen bounds the JSON header, as the reference reader does, so a
// corrupt length cannot make a reader parse or hold an absurd header.
const maxHeaderLen = 100_000_000

// Decode parses safetensors bytes. Every tensor must be F32, F16, BF16 or
// F64, and comes back as float32 (F64 rounded to nearest); metadata is nil
// when the header has none. Decode checks the whole layout (names, shapes,
// byte ranges tiling the data) before allocating any tensor, so hostile input
// gets an error naming what is wrong and costs no more memory than twice its
// size (a half widened to float32).
func Decode(b []byte) (tensors map[string]Tensor, metadata map[string]string, err error) {
	tensors, metadata, err = decode(b)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	return tensors, metadata, nil
}

// entry is one tensor's header record before it is checked against the data.
type entry struct {
	name       string
	dtype      string
	shape      []int
	offsets    []int
	begin, end int
}

func decode(b []byte) (map[string]Tensor, map[string]string, error) {
	n, err := headerLen(b, len(b))
	if err != nil {
		return nil, nil, err
	}
	entries, metadata, err := parseHeader(b[8 : 8+n])
	if err != nil {
		return nil, nil, err
	}
	data := b[8+n:]
	if err := checkLayout(entries, len(data)); err != nil {
		return nil, nil, err
	}
	tensors := make(map[string]Tensor, len(entries))
	for _, e := range entries {
		raw := data[e.begin:e.end]
		size := dtypeSize[e.dtype]
		vals := make([]float32, len(raw)/size)
		for i := range vals {
			vals[i] = decodeValue(e.dtype, raw[size*i:])
		}
		tensors[e.name] = Tensor{Shape: e.shape, Data: vals}
	}
	return tensors, metadata, nil
}

// headerLen returns the header's length from the first bytes of an
// input of size bytes, checked against the limit and the size.
func headerLen(first []byte, size int) (uint64, error) {
	if len(first) < 8 || size < 8 {
		return 0, fmt.Errorf("%d bytes is too short for the 8-byte header length", size)
	}
	n := binary.LittleEndian.Uint64(first)
	if n > maxHeaderLen {
		return 0, fmt.Errorf("header length %d exceeds the limit of %d", n, maxHeaderLen)
	}
	if n > uint64(size-8) {
		return 0, fmt.Errorf("header length %d runs past the end of the %d-byte input", n, size)
	}
	return n, nil
}

// dtypeSize is the byte size of an element of each dtype Decode reads.
var dtypeSize = map[string]int{"F32": 4, "F16": 2, "BF16": 2, "F64": 8}

// decodeValue reads one little-endian element of dtype (a key of
// dtypeSize) as float32.
func decodeValue(dtype string, b []byte) float32 {
	switch dtype {
	case "F16":
		return float16(binary.LittleEndian.Uint16(b))
	case "BF16": // float32's upper half
		return math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16)
	case "F64":
		return float32(math.Float64frombits(binary.LittleEndian.Uint64(b)))
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(b))
}

// float16 widens an IEEE 754 half (1 sign, 5 exponent, 10 fraction bits)
// to float32, which holds every half exactly: a normal's exponent is
// rebiased (15 to 127) and its fraction shifted up; a subnormal, m·2⁻²⁴,
// is computed as such; infinities stay infinite, NaNs keep their payload.
func float16(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp, frac := uint32(h>>10)&0x1f, uint32(h)&0x3ff
	switch exp {
	case 0:
		v := float32(frac) * (1.0 / (1 << 24)) // exact: frac < 2¹⁰
		return math.Float32frombits(math.Float32bits(v) | sign)
	case 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// checkLayout checks each entry against its dtype and shape, then that the
// byte ranges tile [0, size) with no hole or overlap. It sorts entries by name
// so that the first error reported does not depend on header order.
func checkLayout(entries []*entry, size int) error {
	slices.SortFunc(entries, func(a, b *entry) int { return cmp.Compare(a.name, b.name) })
	for _, e := range entries {
		if e.name == "" {
			return errors.New("tensor with an empty name")
		}
		switch {
		case e.dtype == "":
			return fmt.Errorf("tensor %q: missing dtype", e.name)
		case dtypeSize[e.dtype] == 0:
			return fmt.Errorf("tensor %q: dtype %s is not supported (F32, F16, BF16 and F64 are, read as float32)", e.name, e.dtype)
		case e.shape == nil:
			return fmt.Errorf("tensor %q: missing shape", e.name)
		case e.offsets == nil:
			return fmt.Errorf("tensor %q: missing data_offsets", e.name)
		case len(e.offsets) != 2:
			return fmt.Errorf("tensor %q: data_offsets has %d numbers, want [begin, end]", e.name, len(e.offsets))
		}
		e.begin, e.end = e.offsets[0], e.offsets[1]
		if e.begin > e.end || e.end > size {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] out of range for %d data bytes", e.name, e.begin, e.end, size)
		}
		want, ok := byteLen(e.shape, dtypeSize[e.dtype])
		if !ok {
			return fmt.Errorf("tensor %q: shape %v is too large", e.name, e.shape)
		}
		if e.end-e.begin != want {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] hold %d bytes, shape %v of %s needs %d",
				e.name, e.begin, e.end, e.end-e.begin, e.shape, e.dtype, want)
		}
	}
	byPos := slices.Clone(entries)
	slices.SortStableFunc(byPos, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end))
	})
	pos, prev := 0, ""
	for _, e := range byPos {
		if e.begin > pos {
			return fmt.Errorf("tensor %q: data starts at byte %d, leaving a hole after byte %d", e.name, e.begin, pos)
		}
		if e.begin < pos {
			return fmt.Errorf("tensor %q: data [%d, %d] overlaps tensor %q", e.name, e.begin, e.end, prev)
		}
		pos, prev = e.end, e.name
	}
	if pos != size {
		return fmt.Errorf("%d data bytes after the last tensor belong to none", size-pos)
	}
	return nil
}

// parseHeader reads the header JSON token by token rather than into a map,
// because encoding/json silently keeps the last of duplicate keys and a
// duplicate tensor name must be an error.
func parseHeader(h []byte) ([]*entry, map[string]string, error) {
	if !utf8.Valid(h) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	p := parser{json.NewDecoder(bytes.NewReader(h))}
	p.dec.UseNumber()
	var entries []*entry
	var metadata map[string]string
	err := p.object("header", func(key string) error {
		if key == metadataKey {
			metadata = map[string]string{}
			return p.object(metadataKey, func(k string) error {
				v, err := p.string(fmt.Sprintf("%s value of %q", metadataKey, k))
				metadata[k] = v
				return err
			})
		}
		e := &entry{name: key}
		entries = append(entries, e)
		return p.tensor(e)
	})
	if err != nil {
		return nil, nil, err
	}
	if rest := h[p.dec.InputOffset():]; len(bytes.TrimLeft(rest, " \t\r\n")) > 0 {
		return nil, nil, errors.New("header has bytes other than padding after its JSON object")
	}
	return entries, metadata, nil
}

type parser struct{ dec *json.Decoder }

// object reads one JSON object, calling field for each key with the decoder
// positioned at its value; field must consume exactly that value.
func (p parser) object(what string, field func(key string) error) error {
	if err := p.delim(what, '{', "an object"); err != nil {
		return err
	}
	seen := map[string]bool{}
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return fmt.Errorf("%s: invalid JSON: %w", what, err)
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("%s: invalid JSON: %s where a key belongs", what, describe(tok))
		}
		if seen[key] {
			return fmt.Errorf("%s: duplicate key %q", what, key)
		}
		seen[key] = true
		if err := field(key); err != nil {
			return err
		}
	}
	return p.delim(what, '}', "the end of the object")
}

func (p parser) tensor(e *entry) error {
	what := fmt.Sprintf("tensor %q", e.name)
	return p.object(what, func(key string) error {
		var err error
		switch key {
		case "dtype":
			e.dtype, err = p.string(what + ": dtype")
			if err == nil && e.dtype == "" {
				err = fmt.Errorf("%s: empty dtype", what)
			}
		case "shape":
			e.shape, err = p.ints(what + ": shape")
		case "data_offsets":
			e.offsets, err = p.ints(what + ": data_offsets")
		default:
			err = fmt.Errorf("%s: unknown field %q", what, key)
		}
		return err
	})
}

func (p parser) delim(what string, want json.Delim, desc string) error {
	tok, err := p.dec.Token()
	if err != nil {
		return fmt.Errorf("%s: invalid JSON: %w", what, err)
	}
	if tok != want {
		return fmt.Errorf("%s: found %s, want %s", what, describe(tok), desc)
	}
	return nil
}

func (p parser) string(what string) (string, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return "", fmt.Errorf("%s: invalid JSON: %w", what, err)
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%s: found %s, want a string", what, describe(tok))
	}
	return s, nil
}

// ints reads an array of non-negative integers; the result is non-nil even
// when empty, so a scalar's shape [] is told apart from a missing one.
func (p parser) ints(what string) ([]int, error) {
	if err := p.delim(what, '[', "an array"); err != nil {
		return nil, err
	}
	out := []int{}
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: invalid JSON: %w", what, err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s: found %s, want an integer", what, describe(tok))
		}
		v, err := strconv.ParseInt(string(num), 10, strconv.IntSize)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%s: %s is not a non-negative integer that fits an int", what, num)
		}
		out = append(out, int(v))
	}
	return out, p.delim(what, ']', "the end of the array")
}

// describe renders a JSON token for an error message the way it looked in
// the header.
func describe(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(t)
	default:
		return fmt.Sprint(t)
	}
}
