package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteReplacesAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	for _, s := range []string{"old", "new content"} {
		if err := Write(p, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != s {
			t.Fatalf("file holds %q, want %q", b, s)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d files in the directory, want 1", len(ents))
	}
}

func TestWriteFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := Write(p, []byte("good")); err != nil {
		t.Fatal(err)
	}
	// Renaming a file over a non-empty directory fails after the temporary
	// file was written: the directory must survive and no temp file stay.
	d := filepath.Join(dir, "d")
	os.MkdirAll(filepath.Join(d, "x"), 0o755)
	if err := Write(d, []byte("bad")); err == nil {
		t.Fatal("replacing a non-empty directory succeeded")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Fatalf("%d entries, want the file and the directory only", len(ents))
	}
	if b, _ := os.ReadFile(p); string(b) != "good" {
		t.Fatal("the good file changed")
	}
}

// TestWriteErrorNamesPath checks that a failure is reported on the path the
// caller gave, not on the temporary file: in a missing directory (creating
// the temporary file fails) and over a non-empty directory (the rename
// fails).
func TestWriteErrorNamesPath(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	if err := os.MkdirAll(filepath.Join(full, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "missing", "f"), full} {
		err := Write(p, []byte("data"))
		var pe *os.PathError
		if !errors.As(err, &pe) || pe.Path != p || strings.Contains(err.Error(), ".tmp") {
			t.Errorf("writing %s: %v, want an *os.PathError on that path", p, err)
		}
	}
	if err := Write(filepath.Join(dir, "missing", "f"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("in a missing directory: %v, want fs.ErrNotExist", err)
	}
}
