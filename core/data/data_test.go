package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gocpc/cpc/core/audio"
)

func wav(n int) *fstest.MapFile {
	return &fstest.MapFile{Data: audio.EncodeWAV16(make([]float32, n), 16000)}
}

func TestScanLoadAndSplit(t *testing.T) {
	fsys := fstest.MapFS{
		"19/198/19-198-0001.flac.txt": {Data: []byte("not audio, ignored")},
		"19/198/19-198-0001.wav":      wav(500),
		"19/198/19-198-0000.wav":      wav(300),
		"26/495/26-495-0002.wav":      wav(800),
		"train.txt":                   {Data: []byte("# train\n19-198-0001\n\n26-495-0002\n")},
	}
	c, err := Scan(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Utterances) != 3 || c.Utterances[0].ID != "19-198-0000" || c.Utterances[2].Speaker != "26" {
		t.Fatalf("scanned %+v", c.Utterances)
	}
	if err := c.Load(fsys); err != nil {
		t.Fatal(err)
	}
	if c.Samples() != 1600 || strings.Join(c.Speakers(), ",") != "19,26" {
		t.Fatalf("%d samples, speakers %v", c.Samples(), c.Speakers())
	}
	ids, err := ReadSplit(fsys, "train.txt")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := Scan(fsys, ids)
	if err != nil || len(kept.Utterances) != 2 {
		t.Fatalf("split kept %v (%v)", kept, err)
	}
	if _, err := Scan(fsys, []string{"19-198-0009"}); err == nil || !strings.Contains(err.Error(), "19-198-0009") {
		t.Fatalf("unknown split id: %v", err)
	}
}

// TestFingerprint checks that the fingerprint tells corpora apart by their
// utterances' ids and lengths (TestCacheReadsAsDecoded: a cache keeps it).
func TestFingerprint(t *testing.T) {
	load := func(files map[string]int) *Corpus {
		fsys := fstest.MapFS{}
		for name, n := range files {
			fsys[name] = wav(n)
		}
		c, err := Scan(fsys, nil)
		if err == nil {
			err = c.Load(fsys)
		}
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	base := map[string]int{"19/198/19-198-0000.wav": 300, "26/495/26-495-0002.wav": 800}
	fp := load(base).Fingerprint()
	if !strings.HasPrefix(fp, "2 utterances, 1100 samples, sha256 ") {
		t.Fatalf("fingerprint %q", fp)
	}
	if again := load(base).Fingerprint(); again != fp {
		t.Fatalf("the same corpus: %q, then %q", fp, again)
	}
	for name, files := range map[string]map[string]int{
		"a length":  {"19/198/19-198-0000.wav": 301, "26/495/26-495-0002.wav": 799},
		"an id":     {"19/198/19-198-0001.wav": 300, "26/495/26-495-0002.wav": 800},
		"one fewer": {"19/198/19-198-0000.wav": 300},
	} {
		if other := load(files).Fingerprint(); other == fp {
			t.Errorf("%s changed, the fingerprint did not: %q", name, fp)
		}
	}
}

func TestScanErrors(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"empty":        {"README": {Data: []byte("x")}},
		"wrong folder": {"19/200/19-198-0001.wav": wav(10)},
		"duplicate":    {"19/198/19-198-0001.wav": wav(10), "19/198/19-198-0001.flac": wav(10)},
	} {
		if _, err := Scan(fsys, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	bad := fstest.MapFS{"1/2/1-2-3.wav": {Data: []byte("RIFF....WAVE")}}
	c, err := Scan(bad, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Load(bad); err == nil || !strings.Contains(err.Error(), "1-2-3.wav") {
		t.Fatalf("corrupt file: %v", err)
	}
}

func TestSampler(t *testing.T) {
	c := &Corpus{Utterances: []Utterance{
		{ID: "a", Speaker: "1", Audio: []float32{1, 1, 1, 1, 1}},
		{ID: "b", Speaker: "2", Audio: []float32{2, 2, 2, 2, 2, 2}},
		{ID: "c", Speaker: "2", Audio: []float32{3, 3}},
		{ID: "d", Speaker: "3", Audio: []float32{4, 4, 4, 4}},
		{ID: "e", Speaker: "4", Audio: []float32{5, 5, 5, 5}},
	}}
	s, err := NewSampler(c, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Skipped != 1 || s.Eligible() != 4 {
		t.Fatalf("skipped %d, eligible %d", s.Skipped, s.Eligible())
	}
	rng := rand.New(rand.NewPCG(1, 1))
	out := make([]float32, 5*4)
	for _, n := range []int{1, 2, 4} { // windows dealt to n different speakers in turn
		s, err := NewSampler(c, 4, n)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[float32]bool{}
		for range 50 {
			s.Fill(out, rng)
			speakers := map[float32]bool{}
			for b := 0; b < 5; b++ {
				v := out[4*b]
				speakers[v] = true
				seen[v] = true
				if out[4*(b%n)] != v {
					t.Fatalf("%d speakers: window %d from another speaker than window %d: %v", n, b, b%n, out)
				}
			}
			if len(speakers) != n {
				t.Fatalf("%d speakers a batch: got %d in %v", n, len(speakers), out)
			}
		}
		if len(seen) != 4 {
			t.Fatalf("%d speakers a batch: only %d of 4 speakers ever drawn", n, len(seen))
		}
	}
	if _, err := NewSampler(c, 4, 5); err == nil || !strings.Contains(err.Error(), "only 4 speakers") {
		t.Fatalf("5 speakers a batch from 4: %v", err)
	}
	if err := s.Use(5); err == nil || !strings.Contains(err.Error(), "only 4 speakers") {
		t.Fatalf("switching to 5 speakers a batch from 4: %v", err)
	}
	if _, err := NewSampler(c, 7, 0); err == nil {
		t.Fatal("a window longer than every utterance was accepted")
	}
}

// TestFillShare: shares drawn from generators in the same state make up
// the batch Fill draws, with speakers per batch too.
func TestFillShare(t *testing.T) {
	c := &Corpus{}
	for i := range 6 {
		x := make([]float32, 40+7*i)
		for j := range x {
			x[j] = float32(100*i + j)
		}
		c.Utterances = append(c.Utterances, Utterance{ID: fmt.Sprint(i), Speaker: fmt.Sprint(i % 3), Audio: x})
	}
	const window, batch = 8, 6
	for _, speakers := range []int{0, 2} {
		s, err := NewSampler(c, window, speakers)
		if err != nil {
			t.Fatal(err)
		}
		for step := range uint64(5) {
			whole := make([]float32, batch*window)
			if err := s.Fill(whole, rand.New(rand.NewPCG(step, 7))); err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{2, 3} {
				share := batch / n
				for r := range n {
					part := make([]float32, share*window)
					if err := s.FillShare(part, rand.New(rand.NewPCG(step, 7)), r*share, batch); err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(part, whole[r*share*window:(r+1)*share*window]) {
						t.Fatalf("speakers %d, step %d: share %d of %d is not the batch's windows", speakers, step, r, n)
					}
				}
			}
		}
		if err := s.FillShare(make([]float32, 2*window), rand.New(rand.NewPCG(1, 1)), 5, 6); err == nil {
			t.Error("windows past the batch were drawn")
		}
	}
}
