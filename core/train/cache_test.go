package train

import (
	"bytes"
	"testing"
	"testing/fstest"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
)

// corpusFS is testCorpus(seed) as 16-bit WAV files in LibriSpeech layout.
func corpusFS(seed uint64) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, u := range testCorpus(seed).Utterances {
		fsys[u.Speaker+"/1/"+u.ID+".wav"] = &fstest.MapFile{Data: audio.EncodeWAV16(u.Audio, audio.SampleRate)}
	}
	return fsys
}

// TestCachedCorpusTrainsAsLoaded: a run on a corpus read through its
// cache, with the next batch read ahead, writes the files of the same run
// on the corpus loaded in memory, also when it is stopped and resumed.
func TestCachedCorpusTrainsAsLoaded(t *testing.T) {
	fsys := corpusFS(6)
	scan := func() *data.Corpus {
		c, err := data.Scan(fsys, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mem := scan()
	if err := mem.Load(fsys); err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	disk := func() *data.Corpus {
		c := scan()
		if _, err := c.Cache(fsys, cacheDir, data.StopOnBadFile, nil); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	for _, augment := range []*Augment{nil, testAugment()} { // the past is read ahead too
		opts := testOptions()
		opts.Curriculum = []SamplerPhase{{Speakers: 1, Until: 4}}
		opts.AugmentPast = augment
		inMemory, straight, split := t.TempDir(), t.TempDir(), t.TempDir()
		runFor(t, opts, testPlan(inMemory, 9), "", mem)
		runFor(t, opts, testPlan(straight, 9), "", disk())
		runFor(t, opts, testPlan(split, 5), "", disk())
		runFor(t, Options{}, testPlan(split, 9), split, disk())
		for _, f := range []string{cpc.ModelFile, StateFile} {
			m, s, r := read(t, inMemory, f), read(t, straight, f), read(t, split, f)
			if !bytes.Equal(m, s) || !bytes.Equal(s, r) {
				t.Errorf("augmentation %v, %s: in memory, cached and cached with a resume differ (%v, %v)", augment, f, bytes.Equal(m, s), bytes.Equal(s, r))
			}
		}
	}
}
