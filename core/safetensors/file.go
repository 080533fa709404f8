package safetensors

import (
	"fmt"
	"io"
	"os"

	"github.com/gocpc/cpc/core/atomicfile"
)

// WriteFile encodes tensors and metadata and replaces path with the result
// atomically (see atomicfile.Write): on any error path is left as it was, so
// a crash mid-training never leaves a truncated checkpoint.
func WriteFile(path string, tensors map[string]Tensor, metadata map[string]string) error {
	return WriteFileAs(path, tensors, metadata, F32)
}

// WriteFileAs is WriteFile storing the values as dtype.
func WriteFileAs(path string, tensors map[string]Tensor, metadata map[string]string, dtype DType) error {
	b, err := encode(tensors, metadata, dtype)
	if err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	if err := atomicfile.Write(path, b); err != nil {
		return fmt.Errorf("safetensors: %w", err) // "write PATH: …" already
	}
	return nil
}

// ReadFile reads and decodes the safetensors file at path; see Decode.
func ReadFile(path string) (tensors map[string]Tensor, metadata map[string]string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	tensors, metadata, err = decode(b)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return tensors, metadata, nil
}

// ReadMetadata reads the header of the safetensors file at path alone and
// returns its metadata (nil if it has none): a checkpoint's step or
// settings without reading its tensors. The header and the layout it
// gives the file are checked as Decode checks them; the tensors' values
// are not read.
func ReadMetadata(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err) // "open PATH: …" already
	}
	defer f.Close()
	metadata, err := readMetadata(f)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return metadata, nil
}

func readMetadata(f *os.File) (map[string]string, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	first := make([]byte, 8)
	if _, err := io.ReadFull(f, first); err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	n, err := headerLen(first, int(info.Size()))
	if err != nil {
		return nil, err
	}
	header := make([]byte, n)
	if _, err := io.ReadFull(f, header); err != nil {
		return nil, fmt.Errorf("reading the %d-byte header: %w", n, err)
	}
	entries, metadata, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	if err := checkLayout(entries, int(info.Size()-8-int64(n))); err != nil {
		return nil, err
	}
	return metadata, nil
}
