package data

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gocpc/cpc/core/audio"
)

// toneWAV is n samples of a noisy tone as a 16-bit WAV.
func toneWAV(n int, seed uint64) *fstest.MapFile {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.3*math.Sin(float64(i)*0.01*float64(seed)) + 0.05*rng.NormFloat64())
	}
	return &fstest.MapFile{Data: audio.EncodeWAV16(x, audio.SampleRate), ModTime: time.Unix(1e9, 0)}
}

// cacheCorpus is a corpus of 16-bit WAVs and one 18-bit FLAC (kept as
// float32 in the cache).
func cacheCorpus(t *testing.T) fstest.MapFS {
	flac, err := os.ReadFile("../audio/testdata/mono18.flac")
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		"1/10/1-10-0000.wav":  toneWAV(3000, 1),
		"1/10/1-10-0001.wav":  toneWAV(5000, 2),
		"2/20/2-20-0000.wav":  toneWAV(4000, 3),
		"3/30/3-30-0000.flac": {Data: flac, ModTime: time.Unix(1e9, 0)},
	}
}

// cached returns fsys scanned and backed by the cache in dir.
func cached(t *testing.T, fsys fstest.MapFS, dir string, onBad OnBadFile) (*Corpus, CacheReport, error) {
	t.Helper()
	c, err := Scan(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Cache(fsys, dir, onBad, nil)
	t.Cleanup(func() { c.Close() })
	return c, rep, err
}

// sameAudio fails unless every utterance of c reads as fsys's file
// decodes.
func sameAudio(t *testing.T, c *Corpus, fsys fstest.MapFS) {
	t.Helper()
	for i := range c.Utterances {
		u := &c.Utterances[i]
		want, err := audio.ReadFS(fsys, u.Path)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, u.Samples())
		var scratch []byte
		if err := u.read(0, got, &scratch); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s reads differently from the cache", u.ID)
		}
	}
}

func TestCacheReadsAsDecoded(t *testing.T) {
	fsys, dir := cacheCorpus(t), t.TempDir()
	c, rep, err := cached(t, fsys, dir, StopOnBadFile)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Decoded != 4 || rep.Reused != 0 || c.Utterances[0].Audio != nil {
		t.Fatalf("first run: %+v", rep)
	}
	sameAudio(t, c, fsys)
	mem, err := Scan(fsys, nil)
	if err == nil {
		err = mem.Load(fsys)
	}
	if err != nil || mem.Fingerprint() != c.Fingerprint() {
		t.Fatalf("fingerprint in memory %q, cached %q (%v)", mem.Fingerprint(), c.Fingerprint(), err)
	}
	formats := map[int]int{}
	for _, u := range c.Utterances {
		formats[u.format]++
	}
	if formats[formatInt16] != 3 || formats[formatFloat32] != 1 {
		t.Errorf("formats %v: want the WAVs 16-bit, the 18-bit FLAC float32", formats)
	}

	// The second run decodes nothing; a changed file is decoded again.
	c2, rep, err := cached(t, fsys, dir, StopOnBadFile)
	if err != nil || rep.Decoded != 0 || rep.Reused != 4 {
		t.Fatalf("second run: %+v, %v", rep, err)
	}
	sameAudio(t, c2, fsys)
	fsys["1/10/1-10-0001.wav"] = toneWAV(6000, 9)
	fsys["1/10/1-10-0001.wav"].ModTime = time.Unix(2e9, 0)
	c3, rep, err := cached(t, fsys, dir, StopOnBadFile)
	if err != nil || rep.Decoded != 1 || rep.Reused != 3 {
		t.Fatalf("after a change: %+v, %v", rep, err)
	}
	sameAudio(t, c3, fsys)
}

// TestCacheHalfWritten: an index describing more than samples.bin holds
// (a run killed mid-write, or a truncated copy), or not parsing, is not
// trusted: the cache is rebuilt.
func TestCacheHalfWritten(t *testing.T) {
	fsys, dir := cacheCorpus(t), t.TempDir()
	if _, _, err := cached(t, fsys, dir, StopOnBadFile); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, cacheData)
	st, _ := os.Stat(data)
	for name, spoil := range map[string]func(){
		"truncated samples": func() { os.Truncate(data, st.Size()/2) },
		"garbled index":     func() { os.WriteFile(filepath.Join(dir, cacheIndex), []byte(`{"version":1,"entries":[`), 0o644) },
		"missing index":     func() { os.Remove(filepath.Join(dir, cacheIndex)) },
	} {
		spoil()
		c, rep, err := cached(t, fsys, dir, StopOnBadFile)
		if err != nil || rep.Decoded != 4 {
			t.Fatalf("%s: %+v, %v; want all 4 decoded again", name, rep, err)
		}
		sameAudio(t, c, fsys)
	}
	// Bytes past the index's, left by a run killed while appending, are
	// overwritten by the next append.
	f, _ := os.OpenFile(data, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte("junk from a killed run"))
	f.Close()
	fsys["2/20/2-20-0001.wav"] = toneWAV(2500, 5)
	c, rep, err := cached(t, fsys, dir, StopOnBadFile)
	if err != nil || rep.Decoded != 1 {
		t.Fatalf("after junk: %+v, %v", rep, err)
	}
	sameAudio(t, c, fsys)
}

func TestCacheBadFile(t *testing.T) {
	fsys := cacheCorpus(t)
	fsys["2/20/2-20-0009.wav"] = &fstest.MapFile{Data: []byte("RIFF\x10\x00\x00\x00WAVEfmt junk")}
	_, _, err := cached(t, fsys, t.TempDir(), StopOnBadFile)
	if err == nil || !strings.Contains(err.Error(), "2-20-0009.wav") || !strings.Contains(err.Error(), "--on-bad-file skip") {
		t.Fatalf("stop: %v", err)
	}
	dir := t.TempDir()
	for run := range 2 { // the second run knows the file is bad without decoding it
		c, rep, err := cached(t, fsys, dir, SkipBadFile)
		if err != nil || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Error(), "2-20-0009.wav") ||
			len(c.Utterances) != 4 || len(c.BadFiles) != 1 || rep.Decoded != 4*(1-run) || rep.Reused != 4*run {
			t.Fatalf("skip, run %d: %+v, %v", run+1, rep, err)
		}
	}
	// A run stopped by a bad file keeps what decoded.
	stopped := t.TempDir()
	cached(t, fsys, stopped, StopOnBadFile)
	if _, rep, err := cached(t, fsys, stopped, SkipBadFile); err != nil || rep.Reused+rep.Decoded != 4 || rep.Reused == 0 {
		t.Fatalf("after a stop: %+v, %v", rep, err)
	}
}

// TestCachedSamplerDrawsAsInMemory: the same generator draws the same
// windows from a cached corpus as from the loaded one.
func TestCachedSamplerDrawsAsInMemory(t *testing.T) {
	fsys := cacheCorpus(t)
	mem, err := Scan(fsys, nil)
	if err == nil {
		err = mem.Load(fsys)
	}
	if err != nil {
		t.Fatal(err)
	}
	disk, _, err := cached(t, fsys, t.TempDir(), StopOnBadFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, speakers := range []int{0, 1} {
		sm, err1 := NewSampler(mem, 2000, speakers)
		sd, err2 := NewSampler(disk, 2000, speakers)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if sm.eligible[0].src != nil || sd.eligible[0].src == nil {
			t.Fatal("the memory sampler reads a cache, or the disk sampler does not")
		}
		a, b := make([]float32, 4*2000), make([]float32, 4*2000)
		ra, rb := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
		for range 20 {
			if err := errors.Join(sm.Fill(a, ra), sd.Fill(b, rb)); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a, b) {
				t.Fatalf("speakers %d: the cached corpus gave other windows", speakers)
			}
		}
	}
}
