package data

import (
	"math/rand/v2"
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
	}}
	s, err := NewSampler(c, 4, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.Skipped != 1 || s.Eligible() != 2 {
		t.Fatalf("skipped %d, eligible %d", s.Skipped, s.Eligible())
	}
	rng := rand.New(rand.NewPCG(1, 1))
	out := make([]float32, 12)
	for range 20 {
		s.Fill(out, rng)
		for i := range out { // one speaker per batch
			if out[i] != out[0] {
				t.Fatalf("batch mixes speakers: %v", out)
			}
		}
	}
	if _, err := NewSampler(c, 7, false); err == nil {
		t.Fatal("a window longer than every utterance was accepted")
	}
}
