// Package npy writes and reads NumPy .npy files of float32, the format the
// project hands arrays to Python users in, so numpy.load needs no glue.
//
// Files are format version 1.0, dtype '<f4', C order, with the header
// written byte for byte as numpy.save writes it (spare room for the first
// axis to grow, padding to a 64-byte boundary).
package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gocpc/cpc/core/atomicfile"
)

// magic opens every .npy file; the two bytes after it are the version.
const magic = "\x93NUMPY"

// align is numpy's ARRAY_ALIGN: data starts on a 64-byte boundary so the
// array can be memory-mapped with any dtype alignment.
const align = 64

// growthDigits is numpy's GROWTH_AXIS_MAX_DIGITS: numpy leaves room for the
// first dimension to be rewritten in place with up to 21 digits.
const growthDigits = 21

// Write writes data as a C-order float32 array of the given shape. An empty
// shape writes a 0-d array holding one value.
func Write(w io.Writer, shape []int, data []float32) error {
	n, err := count(shape)
	if err != nil {
		return err
	}
	if n != len(data) {
		return fmt.Errorf("npy: shape %v holds %d values, got %d", shape, n, len(data))
	}
	if _, err := io.WriteString(w, header(shape)); err != nil {
		return err
	}
	// Encode through a bounded buffer: large arrays need no second full copy.
	buf := make([]byte, 0, 64<<10)
	for i, v := range data {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		if len(buf) == cap(buf) || i == len(data)-1 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	return nil
}

// WriteFile writes the array to path atomically (see atomicfile.Write):
// readers see the old file or the complete new one, never a partial array.
func WriteFile(path string, shape []int, data []float32) error {
	var buf bytes.Buffer
	if err := Write(&buf, shape, data); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}

// maxDims is numpy's NPY_MAXDIMS (32 before numpy 2); it also keeps the
// header far below version 1.0's 64 KiB limit.
const maxDims = 32

// count returns the number of elements of shape, rejecting shapes numpy
// cannot hold.
func count(shape []int) (int, error) {
	if len(shape) > maxDims {
		return 0, fmt.Errorf("npy: %d dimensions, numpy allows at most %d", len(shape), maxDims)
	}
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("npy: negative dimension in shape %v", shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("npy: shape %v overflows", shape)
		}
		n *= d
	}
	return n, nil
}

// header returns the magic, version, length and dictionary exactly as
// numpy.save (1.24+) writes them for a '<f4' C-order array.
func header(shape []int) string {
	var b strings.Builder
	b.WriteString("{'descr': '<f4', 'fortran_order': False, 'shape': ")
	b.WriteString(tuple(shape))
	b.WriteString(", }")
	if len(shape) > 0 {
		b.WriteString(strings.Repeat(" ", growthDigits-len(strconv.Itoa(shape[0]))))
	}
	// Padding keeps at least one space and may add a whole line, as numpy's
	// does: 64 − (prefix + dict + '\n') mod 64 spaces.
	prefix := len(magic) + 2 + 2
	pad := align - (prefix+b.Len()+1)%align
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteByte('\n')
	dict := b.String()
	return magic + "\x01\x00" + string(binary.LittleEndian.AppendUint16(nil, uint16(len(dict)))) + dict
}

// tuple formats shape as Python's repr of a tuple: (), (n,), (a, b).
func tuple(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
