package safetensors

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile encodes tensors and metadata and replaces path with the result
// atomically: the bytes go to a temporary file in the same directory, which
// is synced and then renamed over path, and the directory is synced so the
// rename survives a crash. On any error before the rename, path is left as
// it was and the temporary file is removed; a crash mid-training thus never
// leaves a truncated checkpoint.
func WriteFile(path string, tensors map[string]Tensor, metadata map[string]string) error {
	b, err := encode(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	if err := replace(path, b); err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	return nil
}

func replace(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	err = writeSync(f, b)
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return syncDir(dir)
}

// writeSync writes b and syncs it. The mode is set explicitly because a
// temporary file starts private, and a checkpoint should be as readable as a
// file written by os.WriteFile.
func writeSync(f *os.File, b []byte) error {
	_, err := f.Write(b)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
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
