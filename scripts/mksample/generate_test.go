//go:build mksample

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/probe"
	"github.com/gocpc/cpc/core/room"
	"github.com/gocpc/cpc/scripts/mksample/corpus"
)

// TestMain serves the eSpeak worker requests (speak re-runs this binary
// with -worker) before running the tests.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-worker" {
		if err := worker(); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A small corpus from all three synthesisers, with noise and rooms, reads
// as the trainer and the probe read corpora: every utterance decodes, has
// floor(samples/160) labels in the shared phone set, sits in one split. A
// smaller corpus from the same seed, made one utterance at a time, has the
// same audio files: each depends on its seed, speaker and index only.
func TestGenerateSmallCorpus(t *testing.T) {
	c := corpusConfig{Out: filepath.Join(t.TempDir(), "a"), Seed: 3, Utterances: 15, Synths: []string{"espeak", "flite", "festival"},
		Speakers: 3, Text: "mixed", Noise: &corpus.Noise{Colour: room.Pink, SNRLo: 10, SNRHi: 30},
		Reverb: &corpus.Reverb{RT60Lo: 0.2, RT60Hi: 0.5, DRR: 3}, Jobs: 3}
	if err := generate(c); err != nil {
		t.Fatal(err)
	}
	fsys := os.DirFS(c.Out)
	cor, err := data.Scan(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cor.Load(fsys); err != nil {
		t.Fatal(err)
	}
	if len(cor.Utterances) != 15 || len(cor.Speakers()) != 3 {
		t.Fatalf("%d utterances of %d speakers, want 15 of 3", len(cor.Utterances), len(cor.Speakers()))
	}
	b, _ := os.ReadFile(filepath.Join(c.Out, "phones.txt"))
	labels, err := probe.ReadLabels(bytes.NewReader(b), "phones.txt")
	if err != nil {
		t.Fatal(err)
	}
	train, _ := data.ReadSplit(fsys, "train.txt")
	test, _ := data.ReadSplit(fsys, "test.txt")
	for _, u := range cor.Utterances {
		l, ok := labels.Of(u.ID)
		if !ok || len(l) != len(u.Audio)/corpus.FrameLen {
			t.Errorf("%s: %d labels for %d samples", u.ID, len(l), len(u.Audio))
		}
		if slices.Contains(train, u.ID) == slices.Contains(test, u.ID) { // in one split, not both
			t.Errorf("%s: in train %v, in test %v", u.ID, slices.Contains(train, u.ID), slices.Contains(test, u.ID))
		}
	}
	if labels.Classes > len(corpus.Inventory) {
		t.Errorf("labels reach class %d of %d", labels.Classes-1, len(corpus.Inventory))
	}
	m, err := os.Open(filepath.Join(c.Out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if mf, err := corpus.ReadManifest(m); err != nil || mf.Made.Utterances != 15 || mf.Made.Test != 3 || len(mf.Tools) != 4 {
		t.Fatalf("manifest: %+v, %v", mf, err)
	}

	again := c
	again.Out, again.Jobs = filepath.Join(t.TempDir(), "b"), 1
	if err := generate(again); err != nil {
		t.Fatal(err)
	}
	sameTree(t, c.Out, again.Out)
}

// sameTree compares every file under a with the one at the same path under
// b (the manifest records the output folder in no field, so it compares too).
func sameTree(t *testing.T, a, b string) {
	n := 0
	filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between runs (%v)", rel, err)
		}
		n++
		return nil
	})
	if n < 15+6 || strings.Contains(a, b) {
		t.Errorf("compared %d files", n)
	}
}
