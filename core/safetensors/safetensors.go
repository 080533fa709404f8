// Package safetensors reads and writes checkpoints in the safetensors format:
// it writes float32 tensors (F32), so that a checkpoint written here loads in
// PyTorch with safetensors.torch.load_file, and reads F32, F16, BF16 and F64
// ones, as float32, so that one PyTorch saved in full, half or double
// precision loads here.
//
// A file is an 8-byte little-endian header length N, N bytes of JSON mapping
// each tensor name to its dtype, shape and byte range, and then the tensor
// bytes: little-endian, C order, the ranges tiling the rest of the file.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Tensor is one named array: Data holds the values in C (row-major) order and
// len(Data) is the product of Shape (1 for a scalar, whose Shape is empty).
type Tensor struct {
	Shape []int
	Data  []float32
}

// metadataKey is the header key reserved for the string→string metadata map,
// so it can never be a tensor name.
const metadataKey = "__metadata__"

// Encode returns the safetensors bytes of tensors and metadata, in F32. The
// header lists tensors in sorted name order and the data follows in that
// order, so equal inputs give equal bytes; the header is padded with spaces
// so the data starts 8-byte aligned, as other writers do for zero-copy
// readers.
func Encode(tensors map[string]Tensor, metadata map[string]string) ([]byte, error) {
	return EncodeAs(tensors, metadata, F32)
}

// DType is how a file stores its values: F32, or BF16, half the bytes.
type DType string

const (
	F32  DType = "F32"
	BF16 DType = "BF16" // float32's upper half, rounded to nearest even: 8 bits of precision
)

// EncodeAs is Encode storing the values as dtype.
func EncodeAs(tensors map[string]Tensor, metadata map[string]string, dtype DType) ([]byte, error) {
	b, err := encode(tensors, metadata, dtype)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return b, nil
}

func encode(tensors map[string]Tensor, metadata map[string]string, dtype DType) ([]byte, error) {
	size := dtypeSize[string(dtype)]
	if dtype != F32 && dtype != BF16 {
		return nil, fmt.Errorf("dtype %q: want F32 or BF16", dtype)
	}
	names := slices.Sorted(maps.Keys(tensors))
	h := []byte{'{'}
	if len(metadata) > 0 {
		h = appendString(h, metadataKey)
		h = append(h, ":{"...)
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if !utf8.ValidString(k) || !utf8.ValidString(metadata[k]) {
				// JSON would silently turn the bad bytes into U+FFFD.
				return nil, fmt.Errorf("metadata key %q or its value is not valid UTF-8", k)
			}
			if i > 0 {
				h = append(h, ',')
			}
			h = appendString(h, k)
			h = append(h, ':')
			h = appendString(h, metadata[k])
		}
		h = append(h, '}')
	}
	offset := 0
	for i, name := range names {
		t := tensors[name]
		if err := checkName(name); err != nil {
			return nil, err
		}
		n, ok := byteLen(t.Shape, size)
		if !ok || n != size*len(t.Data) {
			return nil, fmt.Errorf("tensor %q: shape %v does not match its %d values", name, t.Shape, len(t.Data))
		}
		if i > 0 || len(metadata) > 0 {
			h = append(h, ',')
		}
		h = appendString(h, name)
		h = append(h, `:{"dtype":"`+dtype+`","shape":[`...)
		for j, d := range t.Shape {
			if j > 0 {
				h = append(h, ',')
			}
			h = strconv.AppendInt(h, int64(d), 10)
		}
		h = append(h, `],"data_offsets":[`...)
		h = strconv.AppendInt(h, int64(offset), 10)
		h = append(h, ',')
		offset += n
		h = strconv.AppendInt(h, int64(offset), 10)
		h = append(h, "]}"...)
	}
	h = append(h, '}')
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}

	out := make([]byte, 8, 8+len(h)+offset)
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	for _, name := range names {
		for _, v := range tensors[name].Data {
			if dtype == BF16 {
				out = binary.LittleEndian.AppendUint16(out, bfloat16(v))
			} else {
				out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
			}
		}
	}
	return out, nil
}

// bfloat16 rounds v to the nearest bfloat16, ties to even, as PyTorch's
// .bfloat16() does; a NaN stays a NaN (quiet, sign kept) whatever its
// payload, which truncation alone could turn into an infinity.
func bfloat16(v float32) uint16 {
	b := math.Float32bits(v)
	if v != v {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1 // rounds the lower half away, ties to the even upper half
	return uint16(b >> 16)
}

func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("tensor with an empty name")
	case name == metadataKey:
		return fmt.Errorf("tensor name %q is reserved for metadata", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("tensor name %q is not valid UTF-8", name)
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// byteLen returns the byte size of shape in elements of size bytes,
// size·product(shape), and false if a dimension is negative or the size
// overflows an int. Like the reference reader it rejects an overflowing
// product even when a later dimension is 0, so no caller ever works with a
// size it could not compute.
func byteLen(shape []int, size int) (int, bool) {
	n := size
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(uint64(n), uint64(d))
		if hi != 0 || lo > math.MaxInt {
			return 0, false
		}
		n = int(lo)
	}
	return n, true
}
