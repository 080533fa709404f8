// Package images reads the image data sets of CPC's image experiments
// (MNIST, Fashion-MNIST) from IDX files, gzip-compressed or not.
package images

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// IDX is one IDX array of unsigned bytes (the only element type MNIST and
// Fashion-MNIST use): Dims from the outermost axis in, Data row-major.
type IDX struct {
	Dims []int
	Data []byte
}

// maxIDXBytes bounds what a header may ask for, so a hostile or corrupt one
// cannot make the reader allocate without limit (MNIST's training images
// are 47 MB).
const maxIDXBytes = 1 << 30

// ReadIDX reads one IDX array from r; name is what errors call it. A gzip
// stream is recognised by its magic bytes and decompressed.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	br := bufio.NewReader(r)
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		defer z.Close()
		br, name = bufio.NewReader(z), name+" (gunzipped)"
	}
	var magic [4]byte
	if n, err := io.ReadFull(br, magic[:]); err != nil {
		return nil, fmt.Errorf("%s: not an IDX file: %d bytes, the header needs 4", name, n)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("%s: not an IDX file: it starts % x, not 00 00", name, magic[:2])
	}
	if magic[2] != 0x08 {
		return nil, fmt.Errorf("%s: IDX element type 0x%02x, only unsigned bytes (0x08) are supported", name, magic[2])
	}
	nd := int(magic[3])
	if nd < 1 || nd > 4 {
		return nil, fmt.Errorf("%s: IDX file with %d dimensions, want 1 to 4", name, nd)
	}
	dims := make([]int, nd)
	size := 1
	for i := range dims {
		var d uint32
		if err := binary.Read(br, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("%s: IDX header cut short in dimension %d of %d", name, i+1, nd)
		}
		dims[i] = int(d)
		if d == 0 {
			return nil, fmt.Errorf("%s: IDX dimension %d is 0", name, i+1)
		}
		if size > maxIDXBytes/int(d) {
			return nil, fmt.Errorf("%s: IDX dimensions %v exceed %d bytes", name, dims[:i+1], maxIDXBytes)
		}
		size *= int(d)
	}
	data := make([]byte, size)
	if n, err := io.ReadFull(br, data); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: IDX data cut short: %d of the %d bytes its dimensions %v need", name, n, size, dims)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	n, err := io.Copy(io.Discard, br) // also where gzip checks its checksum
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if n > 0 {
		return nil, fmt.Errorf("%s: %d bytes after the IDX data its dimensions %v describe", name, n, dims)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// ReadIDXFile reads the IDX file at path.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadIDX(f, path)
}

// WriteIDX writes x as an IDX array of unsigned bytes, as ReadIDX reads it.
func WriteIDX(w io.Writer, x *IDX) error {
	size := 1
	for _, d := range x.Dims {
		size *= d
	}
	if len(x.Dims) < 1 || len(x.Dims) > 4 || size != len(x.Data) || size == 0 {
		return fmt.Errorf("images: IDX dimensions %v for %d bytes", x.Dims, len(x.Data))
	}
	head := []byte{0, 0, 0x08, byte(len(x.Dims))}
	for _, d := range x.Dims {
		head = binary.BigEndian.AppendUint32(head, uint32(d))
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(x.Data)
	return err
}
