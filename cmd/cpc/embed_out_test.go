package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/audio"
)

// TestEmbedOutputPaths checks where cpc embed writes: beside each input
// without --out (not in the working directory), into --out when it ends in
// a separator even with one input (and, pooled, its embeddings.npy), and that a --out it cannot write is
// reported on that path, not on the temporary file written first.
func TestEmbedOutputPaths(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if code, e := cli("train", "--config", "small", "--steps", "0", "--out", model); code != 0 {
		t.Fatalf("train --steps 0 exited %d: %s", code, e)
	}
	a := filepath.Join(dir, "in", "a.wav")
	b := filepath.Join(dir, "other", "b.wav")
	for _, p := range []string{a, b} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, audio.EncodeWAV16(make([]float32, 3200), 16000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	embed := func(args ...string) {
		t.Helper()
		if code, e := cli(append([]string{"embed", "--model", model}, args...)...); code != 0 {
			t.Fatalf("cpc embed %s exited %d: %s", strings.Join(args, " "), code, e)
		}
	}
	exists := func(want ...string) {
		t.Helper()
		for _, p := range want {
			if _, err := os.Stat(p); err != nil {
				t.Errorf("no %s: %v", p, err)
			}
			os.Remove(p)
		}
		if ents, _ := os.ReadDir(work); len(ents) != 0 {
			t.Errorf("%d files written into the working directory, want none", len(ents))
		}
	}

	embed(a)
	exists(filepath.Join(dir, "in", "a.npy"))
	embed(a, b)
	exists(filepath.Join(dir, "in", "a.npy"), filepath.Join(dir, "other", "b.npy"))
	feats := filepath.Join(dir, "feats") + string(filepath.Separator)
	embed("--out", feats, a)
	exists(filepath.Join(feats, "a.npy"))
	// Pooled, every input is one row of one array: into a directory, its
	// embeddings.npy.
	pooled := filepath.Join(dir, "pooled") + string(filepath.Separator)
	embed("--pool", "mean", "--out", pooled, a, b)
	exists(filepath.Join(pooled, "embeddings.npy"))

	bad := filepath.Join(dir, "missing", "a.npy")
	code, e := cli("embed", "--model", model, "--out", bad, a)
	if code != 1 || !strings.Contains(e, bad) || strings.Contains(e, ".tmp") {
		t.Errorf("--out in a missing directory: exit %d, want 1 with an error on %s; said:\n%s", code, bad, e)
	}

	// Two inputs whose arrays would share a name are refused before
	// anything is computed or written.
	b2 := filepath.Join(dir, "other", "a.wav")
	os.WriteFile(b2, audio.EncodeWAV16(make([]float32, 3200), 16000), 0o644)
	out := filepath.Join(dir, "clash")
	code, e = cli("embed", "--model", model, "--out", out, a, b2)
	if ents, _ := os.ReadDir(out); code != 1 || !strings.Contains(e, "would both be written") || len(ents) != 0 {
		t.Errorf("two a.wav into one folder: exit %d, %d files written; said:\n%s", code, len(ents), e)
	}
}
