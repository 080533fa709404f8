package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/sample"
)

// smallCorpus copies speakers 100 and 101 of the bundled sample into a
// corpus directory, with one file that does not decode.
func smallCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, spk := range []string{"100", "101"} {
		err := fs.WalkDir(sample.FS, spk, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(sample.FS, p)
			if err == nil {
				os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
				err = os.WriteFile(filepath.Join(dir, p), b, 0o644)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "100", "1", "100-1-9999.wav"), []byte("RIFF...."), 0o644)
	return dir
}

// TestTrainFromCorpusCache: --data goes through a corpus cache (by
// default in the user's cache directory) that the next run reuses; a file
// that does not decode stops the run or, with --on-bad-file skip, is left
// out and counted in metrics.jsonl.
func TestTrainFromCorpusCache(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	corpus, out := smallCorpus(t), t.TempDir()
	args := []string{"train", "--data", corpus, "--config", "small", "--window", "4096", "--batch", "2", "--steps", "2", "--out", out}
	code, stderr := cli(args...)
	if code != 1 || !strings.Contains(stderr, "100-1-9999.wav") || !strings.Contains(stderr, "--on-bad-file skip") {
		t.Fatalf("a bad file without --on-bad-file skip: exit %d: %s", code, stderr)
	}
	skip := append(args, "--on-bad-file", "skip")
	for run, want := range []string{"0 utterances reused, 30 decoded, 1 skipped", "30 utterances reused, 0 decoded, 1 skipped"} {
		if run == 0 { // the stopped run kept what it decoded: start afresh
			os.RemoveAll(os.Getenv("XDG_CACHE_HOME"))
		}
		code, stderr = cli(skip...)
		if code != 0 || !strings.Contains(stderr, want) || !strings.Contains(stderr, filepath.Join(os.Getenv("XDG_CACHE_HOME"), "cpc")) {
			t.Fatalf("run %d: exit %d, want %q in:\n%s", run+1, code, want, stderr)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	if err != nil || !strings.Contains(string(b), `"bad_files":1`) {
		t.Errorf("metrics.jsonl does not count the bad file (%v):\n%s", err, b)
	}
	if code, stderr := cli(append(args, "--on-bad-file", "ignore")...); code != 2 || !strings.Contains(stderr, "want stop or skip") {
		t.Errorf("--on-bad-file ignore: exit %d: %s", code, stderr)
	}
}

// TestResumeFindsItsCorpus: a run trained on --data and --split, given
// as paths relative to where it started, resumes from anywhere without
// them, on the same windows as a run that never stopped; a resume on
// another corpus is refused with both corpora described.
func TestResumeFindsItsCorpus(t *testing.T) {
	corpus := smallCorpus(t)
	os.Remove(filepath.Join(corpus, "100", "1", "100-1-9999.wav"))
	other := smallCorpus(t)
	os.Remove(filepath.Join(other, "100", "1", "100-1-9999.wav"))
	longer, err := os.ReadFile(filepath.Join(other, "101", "1", "101-1-0004.flac"))
	if err == nil {
		err = os.WriteFile(filepath.Join(other, "101", "1", "101-1-0003.flac"), longer, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	splitFile := filepath.Join(t.TempDir(), "split.txt")
	writeFile(t, splitFile, "100-1-0000\n100-1-0001\n101-1-0000\n101-1-0002\n101-1-0003\n")
	straight, stopped := t.TempDir(), t.TempDir()
	args := func(out string, steps string) []string {
		return []string{"train", "--config", "small", "--window", "4096", "--batch", "2", "--steps", steps, "--save-every", "2", "--out", out}
	}
	if code, stderr := cli(append(args(straight, "4"), "--data", corpus, "--split", splitFile)...); code != 0 {
		t.Fatalf("4 steps: exit %d: %s", code, stderr)
	}
	t.Chdir(filepath.Dir(corpus))
	relSplit, err := filepath.Rel(filepath.Dir(corpus), splitFile)
	if err != nil {
		t.Fatal(err)
	}
	rel := []string{"--data", filepath.Base(corpus), "--split", relSplit}
	if code, stderr := cli(append(args(stopped, "2"), rel...)...); code != 0 {
		t.Fatalf("2 steps: exit %d: %s", code, stderr)
	}
	t.Chdir(t.TempDir())
	code, stderr := cli("train", "--resume", stopped, "--steps", "4")
	if want := "corpus of the saved run: " + corpus + ", split " + splitFile; code != 0 || !strings.Contains(stderr, want) {
		t.Fatalf("resume: exit %d, want %q in:\n%s", code, want, stderr)
	}
	for _, f := range []string{"model.safetensors", "state.safetensors"} {
		a, errA := os.ReadFile(filepath.Join(straight, f))
		b, errB := os.ReadFile(filepath.Join(stopped, f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between 4 steps and 2 + resume (%v, %v)", f, errA, errB)
		}
	}
	code, stderr = cli("train", "--resume", stopped, "--steps", "6", "--data", other, "--split", splitFile)
	if code != 1 || !strings.Contains(stderr, "trained on a corpus of 5 utterances") || !strings.Contains(stderr, "not on this one of 5 utterances") {
		t.Errorf("resume on another corpus: exit %d:\n%s", code, stderr)
	}
}
