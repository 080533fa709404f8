package atomicfile

import (
	"os"
	"path/filepath"
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
