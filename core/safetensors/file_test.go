package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dirNames lists dir so a test can tell that no temporary file was left.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	tensors, metadata := sample()
	if err := WriteFile(path, tensors, metadata); err != nil {
		t.Fatal(err)
	}
	gotT, gotM, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, gotT, tensors)
	sameMetadata(t, gotM, metadata)

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Encode(tensors, metadata)
	if !bytes.Equal(b, want) {
		t.Error("file bytes differ from Encode's")
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"model.safetensors"}) {
		t.Errorf("directory holds %q, want only the checkpoint", names)
	}
}

func TestWriteFileReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := os.WriteFile(path, []byte("old checkpoint, much longer than the new one will be"), 0o600); err != nil {
		t.Fatal(err)
	}
	one := map[string]Tensor{"w": {Shape: []int{1}, Data: []float32{3}}}
	if err := WriteFile(path, one, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, got, one)
}

func TestWriteFileFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	old := []byte("the previous checkpoint")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := map[string]Tensor{
		"ok":  {Shape: []int{1}, Data: []float32{1}},
		"bad": {Shape: []int{4}, Data: []float32{1, 2}},
	}
	err := WriteFile(path, bad, nil)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `tensor "bad"`) {
		t.Errorf("error %v, want one naming %s and tensor \"bad\"", err, path)
	}
	b, rerr := os.ReadFile(path)
	if rerr != nil || !bytes.Equal(b, old) {
		t.Errorf("old file changed to %q (%v)", b, rerr)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"ckpt.safetensors"}) {
		t.Errorf("directory holds %q after the failure", names)
	}
}

// TestWriteFileRenameFailure fails the write after the temporary file exists:
// a non-empty directory at path cannot be renamed over, even by root.
func TestWriteFileRenameFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	inside := filepath.Join(path, "keep")
	if err := os.WriteFile(inside, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tensors, metadata := sample()
	err := WriteFile(path, tensors, metadata)
	if err == nil || !strings.Contains(err.Error(), "safetensors: write "+path) {
		t.Fatalf("error %v, want one naming %s", err, path)
	}
	if b, err := os.ReadFile(inside); err != nil || string(b) != "x" {
		t.Errorf("what was at path changed: %q (%v)", b, err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"ckpt.safetensors"}) {
		t.Errorf("directory holds %q after the failure", names)
	}
}

func TestWriteFileMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "ckpt.safetensors")
	err := WriteFile(path, map[string]Tensor{}, nil)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v, want one naming %s", err, path)
	}
}

func TestReadFileErrorsNameFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.safetensors")
	corrupt := filepath.Join(dir, "corrupt.safetensors")
	if err := os.WriteFile(corrupt, file(`{"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		missing: "safetensors: open " + missing,
		corrupt: "safetensors: " + corrupt + `: tensor "a": dtype I32 is not supported`,
	} {
		if _, _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one containing %q", err, want)
		}
	}
}

// TestReadMetadata reads a file's metadata from its header alone, and
// refuses a short, oversized or corrupt header with ReadFile's words.
func TestReadMetadata(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.safetensors")
	tensors, metadata := sample()
	if err := WriteFile(path, tensors, metadata); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMetadata(path)
	if err != nil {
		t.Fatal(err)
	}
	sameMetadata(t, got, metadata)

	whole, _ := Encode(tensors, metadata)
	headerEnd := 8 + int(binary.LittleEndian.Uint64(whole))
	bad := map[string][]byte{
		"empty":     {},
		"short":     whole[:5],
		"truncated": whole[:headerEnd-1],
		"corrupt":   file(`{"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"huge":      append([]byte{0, 0, 0, 0, 1, 0, 0, 0}, whole[8:]...), // 2³² bytes of header
	}
	for name, b := range bad {
		p := filepath.Join(dir, name+".safetensors")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, wantErr := Decode(b)
		if _, err := ReadMetadata(p); err == nil || !strings.Contains(err.Error(), p) ||
			!strings.Contains(err.Error(), strings.TrimPrefix(wantErr.Error(), "safetensors: ")) {
			t.Errorf("%s: error %v, want one naming %s and saying %v", name, err, p, wantErr)
		}
	}
	missing := filepath.Join(dir, "missing.safetensors")
	if _, err := ReadMetadata(missing); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "safetensors: open "+missing) {
		t.Errorf("a missing file: %v", err)
	}
}
