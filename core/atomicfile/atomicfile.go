// Package atomicfile replaces files so that a reader, or a crash, sees
// either the old content or the new, never a mix or a truncated file.
package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
)

// Write replaces path with b: the bytes go to a temporary file in the same
// directory, which is synced and renamed over path, and the directory is
// synced so the rename survives a crash. On error path is untouched, the
// temporary file removed, and the error (an *os.PathError) names path, not
// the temporary file.
func Write(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return writeError(path, err)
	}
	err = writeSync(f, b)
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return writeError(path, err)
	}
	return syncDir(dir)
}

// writeError reports err, which may name the temporary file, as an error
// writing path.
func writeError(path string, err error) error {
	var pe *os.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &os.PathError{Op: "write", Path: path, Err: err}
}

// writeSync writes b and syncs it. The mode is set explicitly because a
// temporary file starts private, and the result should be as readable as a
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
