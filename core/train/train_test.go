package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/optim"
)

// testCorpus is a few utterances of noisy tones per speaker, in memory.
func testCorpus(seed uint64) *data.Corpus {
	rng := rand.New(rand.NewPCG(seed, 0))
	c := &data.Corpus{}
	for s, spk := range []string{"1", "2", "3"} {
		for u := 0; u < 3; u++ {
			a := make([]float32, 1500+300*u)
			for i := range a {
				a[i] = float32(0.5*math.Sin(float64(i)*0.05*float64(s+1)) + 0.1*rng.NormFloat64())
			}
			c.Utterances = append(c.Utterances, data.Utterance{ID: spk + "-1-" + string(rune('0'+u)), Speaker: spk, Audio: a})
		}
	}
	return c
}

func testArch() cpc.Arch {
	return cpc.Arch{Name: "test", Channels: 8, Hidden: 6, Predict: 3, Kernels: []int{4, 4}, Strides: []int{2, 2}}
}

func testOptions() Options {
	return Options{Window: 400, Batch: 3, Schedule: optim.Schedule{LR: 1e-2, Warmup: 2, Clip: 5}, Negatives: 5, Seed: 7}
}

func testPlan(out string, steps int) Plan {
	return Plan{Steps: steps, Out: out, SaveEvery: 2, LogEvery: 1}
}

// newTrainer starts a run of testArch with opts from its seed's weights.
func newTrainer(t *testing.T, opts Options, c *data.Corpus) *Trainer {
	t.Helper()
	m, err := NewModel(testArch(), opts.Seed)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(m, opts, c)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// runFor runs plan on a new trainer of opts, or on the run saved in
// resume if given.
func runFor(t *testing.T, opts Options, plan Plan, resume string, c *data.Corpus) *Trainer {
	t.Helper()
	var tr *Trainer
	if resume != "" {
		var err error
		if tr, err = Resume(resume, c); err != nil {
			t.Fatal(err)
		}
	} else {
		tr = newTrainer(t, opts, c)
	}
	if err := tr.Run(context.Background(), plan, func(cpc.Metrics) error { return nil }); err != nil {
		t.Fatal(err)
	}
	return tr
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lossLines is metrics.jsonl without the timing fields, which differ run
// to run.
func lossLines(t *testing.T, dir string) []cpc.Metrics {
	t.Helper()
	recs, err := ReadMetrics(dir, math.MaxInt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		recs[i].StepsPerSec, recs[i].ElapsedSec, recs[i].Seconds = 0, 0, 0
	}
	return recs
}

func sameRecords(a, b []cpc.Metrics) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Step != y.Step || x.Loss != y.Loss || x.Accuracy != y.Accuracy || x.GradNorm != y.GradNorm || x.LR != y.LR {
			return false
		}
	}
	return true
}

func TestLossFallsAndRunsAreIdentical(t *testing.T) {
	c := testCorpus(1)
	a, b := t.TempDir(), t.TempDir()
	runFor(t, testOptions(), testPlan(a, 30), "", c)
	runFor(t, testOptions(), testPlan(b, 30), "", c)
	if !bytes.Equal(read(t, a, cpc.ModelFile), read(t, b, cpc.ModelFile)) {
		t.Fatal("two runs with one seed wrote different models")
	}
	ra, rb := lossLines(t, a), lossLines(t, b)
	if !sameRecords(ra, rb) {
		t.Fatal("two runs with one seed logged different losses")
	}
	first, last := (ra[0].Loss+ra[1].Loss+ra[2].Loss)/3, (ra[27].Loss+ra[28].Loss+ra[29].Loss)/3
	if !(last < first-0.1) {
		t.Fatalf("loss did not fall: %.4f at the start, %.4f at the end", first, last)
	}
	read(t, a, StateFile)
}

// TestResumeContinuesExactly resumes before the curriculum's switch, so
// the resumed run must also keep the saved sampler phases; and with
// dropout, whose values dropped the saved generator state decides.
func TestResumeContinuesExactly(t *testing.T) {
	c := testCorpus(2)
	for _, run := range []struct {
		dropout float64
		augment *Augment
	}{{0, nil}, {0.3, nil}, {0, testAugment()}} {
		dropout := run.dropout
		straight, split := t.TempDir(), t.TempDir()
		opts := testOptions()
		opts.Curriculum = []SamplerPhase{{Speakers: 1, Until: 7}}
		opts.Dropout, opts.AugmentPast = dropout, run.augment
		runFor(t, opts, testPlan(straight, 12), "", c)
		runFor(t, opts, testPlan(split, 5), "", c) // saved at 2, 4 and 5
		tr := runFor(t, Options{}, testPlan(split, 12), split, c)
		if tr.Step != 12 || tr.Opts.Dropout != dropout || (tr.Opts.AugmentPast == nil) != (run.augment == nil) {
			t.Fatalf("resumed run stopped at step %d with dropout %v, augmentation %v", tr.Step, tr.Opts.Dropout, tr.Opts.AugmentPast)
		}
		for _, f := range []string{cpc.ModelFile, StateFile} {
			if !bytes.Equal(read(t, straight, f), read(t, split, f)) {
				t.Errorf("dropout %v: %s differs between 12 steps and 5 + resume + 7", dropout, f)
			}
		}
		if !sameRecords(lossLines(t, straight), lossLines(t, split)) {
			t.Errorf("dropout %v: metrics differ between 12 steps and 5 + resume + 7", dropout)
		}
	}
}

// TestResumeKeepsCorpus checks that a checkpoint keeps where its corpus
// came from, and that a resume on another corpus (another length, another
// utterance) is refused with both named, while the same corpus resumes.
func TestResumeKeepsCorpus(t *testing.T) {
	c, dir := testCorpus(2), t.TempDir()
	tr := newTrainer(t, testOptions(), c)
	tr.Source = `{"data":"/corpora/a"}`
	if err := tr.Run(context.Background(), testPlan(dir, 2), func(cpc.Metrics) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if src, err := SavedSource(dist.Single, dir); err != nil || src != tr.Source {
		t.Fatalf("saved source %q (%v), want %q", src, err, tr.Source)
	}
	shorter, renamed := testCorpus(2), testCorpus(2)
	shorter.Utterances[4].Audio = shorter.Utterances[4].Audio[:1700]
	renamed.Utterances[8].ID = "3-1-9"
	for name, other := range map[string]*data.Corpus{"shorter": shorter, "renamed": renamed} {
		_, err := Resume(dir, other)
		if err == nil || !strings.Contains(err.Error(), c.Fingerprint()) || !strings.Contains(err.Error(), other.Fingerprint()) {
			t.Errorf("resumed on a %s utterance: %v", name, err)
		}
	}
	again, err := Resume(dir, testCorpus(2))
	if err != nil || again.Source != tr.Source {
		t.Fatalf("resumed on the same corpus: source %q, %v", again.Source, err)
	}
	if src, err := SavedSource(dist.Single, t.TempDir()); src != "" || err != nil {
		t.Errorf("no saved run: %q, %v (want nothing: Resume names the missing files)", src, err)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, StateFile), []byte("not safetensors"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := SavedSource(dist.Single, bad); err == nil {
		t.Error("a corrupt state: no error")
	}
}

// TestCurriculumSwitchesSampler trains on speakers whose samples lie near
// 10·s, so each window tells its speaker: same-speaker batches until the
// phase's step, then windows from any utterance.
func TestCurriculumSwitchesSampler(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	c := &data.Corpus{}
	for s := 1; s <= 3; s++ {
		for u := range 2 {
			a := make([]float32, 900)
			for i := range a {
				a[i] = float32(10*s) + float32(0.01*rng.NormFloat64())
			}
			c.Utterances = append(c.Utterances, data.Utterance{ID: fmt.Sprint(s, "-1-", u), Speaker: fmt.Sprint(s), Audio: a})
		}
	}
	opts := testOptions()
	opts.Curriculum = []SamplerPhase{{Speakers: 1, Until: 4}}
	tr := newTrainer(t, opts, c)
	w, mixed := opts.Window, 0
	for step := range 12 {
		if _, err := tr.TrainBatch(); err != nil {
			t.Fatal(err)
		}
		speakers := map[float32]bool{}
		for b := 0; b < len(tr.batch); b += w {
			speakers[float32(math.Round(float64(tr.batch[b])/10))] = true
		}
		if step < 4 && len(speakers) != 1 {
			t.Fatalf("step %d, in the same-speaker phase: %d speakers in the batch", step, len(speakers))
		}
		if step >= 4 && len(speakers) > 1 {
			mixed++
		}
	}
	if mixed == 0 {
		t.Fatal("after the same-speaker phase, 8 uniform batches of 3 windows from 3 speakers all had one speaker")
	}
}

func TestNaNStopsAndKeepsCheckpoint(t *testing.T) {
	dir := t.TempDir()
	runFor(t, testOptions(), testPlan(dir, 4), "", testCorpus(3))
	good := read(t, dir, cpc.ModelFile)
	bad := testCorpus(3)
	for i := range bad.Utterances {
		bad.Utterances[i].Audio[100] = float32(math.NaN())
	}
	tr, err := Resume(dir, bad)
	if err != nil {
		t.Fatal(err)
	}
	err = tr.Run(context.Background(), testPlan(dir, 8), func(cpc.Metrics) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "step 5") || !strings.Contains(err.Error(), "step 4") {
		t.Fatalf("error %v, want one naming step 5 and the kept checkpoint of step 4", err)
	}
	if !bytes.Equal(good, read(t, dir, cpc.ModelFile)) {
		t.Fatal("the good checkpoint was overwritten")
	}
}

// TestInterruptSaves: an interrupted run saves its step and the step it
// was planned to end at, which a resume continues to.
func TestInterruptSaves(t *testing.T) {
	dir := t.TempDir()
	tr := newTrainer(t, testOptions(), testCorpus(4))
	ctx, cancel := context.WithCancel(context.Background())
	err := tr.Run(ctx, testPlan(dir, 100), func(m cpc.Metrics) error {
		if m.Step == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	back, err := Resume(dir, testCorpus(4))
	if err != nil {
		t.Fatal(err)
	}
	if back.Step != 3 || back.Target != 100 {
		t.Fatalf("saved state: step %d of %d; want step 3 of a run planned to 100", back.Step, back.Target)
	}
}

func TestBadCheckpointsAreRefused(t *testing.T) {
	dir := t.TempDir()
	runFor(t, testOptions(), testPlan(dir, 2), "", testCorpus(5))
	model := read(t, dir, cpc.ModelFile)
	cases := map[string]func(string){
		"truncated": func(d string) {
			os.WriteFile(filepath.Join(d, cpc.ModelFile), model[:len(model)/2], 0o644)
		},
		"model and state from different steps": func(d string) {
			other := t.TempDir()
			runFor(t, testOptions(), testPlan(other, 1), "", testCorpus(5))
			os.WriteFile(filepath.Join(d, cpc.ModelFile), read(t, other, cpc.ModelFile), 0o644)
		},
		"missing state": func(d string) { os.Remove(filepath.Join(d, StateFile)) },
		"options naming a setting this build does not know": func(d string) {
			state := read(t, d, StateFile) // same length, so the header stays valid
			os.WriteFile(filepath.Join(d, StateFile), bytes.Replace(state, []byte(`\"seed\"`), []byte(`\"sede\"`), 1), 0o644)
		},
	}
	for name, corrupt := range cases {
		d := t.TempDir()
		for _, f := range []string{cpc.ModelFile, StateFile} {
			os.WriteFile(filepath.Join(d, f), read(t, dir, f), 0o644)
		}
		corrupt(d)
		if _, err := Resume(d, testCorpus(5)); err == nil {
			t.Errorf("%s: resumed without error", name)
		}
	}
	// A checkpoint whose shapes do not match its config.
	m, _, err := cpc.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Arch.Hidden = 7
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(p, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cpc.Load(p); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Fatalf("loading mismatched shapes: %v", err)
	}
}
