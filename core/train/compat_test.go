package train

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/room"
	"github.com/gocpc/cpc/core/safetensors"
	"github.com/gocpc/cpc/core/sample"
)

// oldRun is a run written by the version before Arch and Options were
// split (79c04a7), on four utterances of the bundled sample:
//
//	cpc train --split split.txt --channels 8 --hidden 8 --prediction-steps 2 --window 2048 --batch 2 \
//	  --lr 1e-3 --warmup 2 --negatives 4 --steps 3 --seed 5 --threads 1 --save-every 0
//
// and step5.safetensors the model that version wrote resuming it with
// --split split.txt --resume DIR --steps 5.
const oldRun = "testdata/run-79c04a7"

func oldCorpus(t *testing.T) *data.Corpus {
	t.Helper()
	ids, err := data.ReadSplit(os.DirFS(oldRun), "split.txt")
	if err != nil {
		t.Fatal(err)
	}
	c, err := data.Scan(sample.FS, ids)
	if err == nil {
		err = c.Load(sample.FS)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestResumesOlderRun resumes the older version's run and continues it
// exactly as that version did.
func TestResumesOlderRun(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{cpc.ModelFile, StateFile, MetricsFile} {
		b, err := os.ReadFile(filepath.Join(oldRun, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	tr := runFor(t, Options{}, Plan{Steps: 5, Out: dir, LogEvery: 1}, dir, oldCorpus(t))
	want := Options{Window: 2048, Batch: 2, Negatives: 4, Seed: 5}
	want.LR, want.Warmup = 1e-3, 2
	if !reflect.DeepEqual(tr.Opts, want) {
		t.Errorf("resumed with %+v, want %+v", tr.Opts, want)
	}
	got, _, err := safetensors.ReadFile(filepath.Join(dir, cpc.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	expect, _, err := safetensors.ReadFile(filepath.Join(oldRun, "step5.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(expect)) {
		if !slices.Equal(got[name].Data, expect[name].Data) {
			t.Errorf("%s differs from the older version's step 5", name)
		}
	}
	if len(got) != len(expect) {
		t.Errorf("%d tensors, the older version wrote %d", len(got), len(expect))
	}
	if len(tr.History) != 5 {
		t.Errorf("%d metrics lines after the resume, want 5", len(tr.History))
	}
}

// TestOptionsTravelWithTheWeights: a checkpoint records the options it was
// trained with, and an older one's window, batch and lr are read from its
// architecture.
func TestOptionsTravelWithTheWeights(t *testing.T) {
	_, meta, err := cpc.Load(filepath.Join(oldRun, cpc.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	o, err := OptionsOf(meta)
	if err != nil || o.Window != 2048 || o.Batch != 2 || o.LR != 1e-3 {
		t.Errorf("older checkpoint: %+v, %v", o, err)
	}
	if o, err := OptionsOf(nil); err != nil || !reflect.DeepEqual(o, Defaults()) {
		t.Errorf("no record: %+v, %v; want the defaults", o, err)
	}
	opts := testOptions()
	opts.Curriculum = []SamplerPhase{{Speakers: 1, Until: 3}}
	tr := newTrainer(t, opts, testCorpus(1))
	if o, err := OptionsOf(tr.ModelMeta()); err != nil || !reflect.DeepEqual(o, opts) {
		t.Errorf("round trip: %+v, %v; want %+v", o, err, opts)
	}
}

// TestNewValidatesOptions: options that cannot work for the architecture
// are refused by New with ErrOptions.
func TestNewValidatesOptions(t *testing.T) {
	m, err := NewModel(testArch(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*Options){
		"window too short for K":   func(o *Options) { o.Window = 10 },
		"no batch":                 func(o *Options) { o.Batch = 0 },
		"zero lr":                  func(o *Options) { o.LR = 0 },
		"decay before the warm-up": func(o *Options) { o.Decay = 1 },
		"more speakers than batch": func(o *Options) { o.Speakers = 4 },
		"negative negatives":       func(o *Options) { o.Negatives = -1 },
		"dropout of 1":             func(o *Options) { o.Dropout = 1 },
		"augmentation of nothing":  func(o *Options) { o.AugmentPast = &Augment{} },
		"rooms of no time":         func(o *Options) { o.AugmentPast = &Augment{RT60: &room.Range{Lo: 0, Hi: 0.1}} },
	} {
		o := testOptions()
		change(&o)
		if _, err := New(m, o, testCorpus(1)); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: %v, want ErrOptions", name, err)
		}
	}
}

// TestStepAllocatesNothing: the steady-state step allocates nothing, as
// the benchmarks claim, also with CPC_audio's options (cpc_audio preset).
func TestStepAllocatesNothing(t *testing.T) {
	audio := testArch()
	audio.ChannelNorm, audio.ContextLayers = true, 2
	headed := audio
	headed.PredictorHidden = 6
	for _, c := range []struct {
		arch    cpc.Arch
		neg     int
		dropout float64
		augment *Augment
	}{{testArch(), 0, 0, nil}, {testArch(), 5, 0, nil}, {audio, 5, 0.5, nil}, {headed, 0, 0.5, nil}, {audio, 0, 0, testAugment()}} {
		neg := c.neg
		opts := testOptions()
		opts.Negatives, opts.Dropout, opts.AugmentPast = neg, c.dropout, c.augment
		m, err := NewModel(c.arch, opts.Seed)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := New(m, opts, testCorpus(1))
		if err != nil {
			t.Fatal(err)
		}
		for range 3 { // the kernels' pools filled
			if _, err := tr.TrainBatch(); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(5, func() {
			if _, err := tr.TrainBatch(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%+v, negatives %d: a step allocates %v times", c.arch, neg, allocs)
		}
	}
}
