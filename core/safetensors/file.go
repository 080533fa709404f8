package safetensors

import (
	"fmt"
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
