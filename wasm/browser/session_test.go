//go:build js && wasm

package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
)

// tiny keeps the small model's steps cheap under node: 13 frames a window.
var tiny = settings{Window: 2400, Batch: 2, LR: 1e-3, Seed: 3}

func tone(n int, freq float64, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.4*math.Sin(float64(i)*freq) + 0.05*rng.NormFloat64())
	}
	return x
}

func loaded(t *testing.T) *session {
	t.Helper()
	se := &session{}
	for i, id := range []string{"a-1-0", "a-1-1", "b-1-0"} {
		if err := se.add(id, id[:1], tone(3000+500*i, 0.02*float64(i+1), uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	return se
}

func TestTrainExportAndContinue(t *testing.T) {
	se := loaded(t)
	if err := se.newModel(tiny); err != nil {
		t.Fatal(err)
	}
	var seen []int
	last, err := se.train(2, func(m stepMetrics) bool {
		seen = append(seen, m.Step)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{1, 2}) || last.Step != 2 || len(last.LossK) != 12 || !(last.StepsPerSec > 0) || !(last.Seconds > 0) {
		t.Fatalf("steps %v, last %+v", seen, last)
	}

	b, err := se.export()
	if err != nil {
		t.Fatal(err)
	}
	m, meta, err := cpc.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if meta["step"] != "2" || m.Config.Window != 2400 || m.Config.Name != "small" {
		t.Fatalf("checkpoint step %q, config %s", meta["step"], m.Config.JSON())
	}
	x := tone(2000, 0.03, 9)
	_, want := m.Embed(x)
	got, err := se.embed(x)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("the session's c_t differ from the checkpoint's (%v)", err)
	}

	// A second session continues from the checkpoint's step, with its own
	// settings.
	other := loaded(t)
	if err := other.loadModel(b, settings{Batch: 1, LR: 5e-4}); err != nil {
		t.Fatal(err)
	}
	if other.steps() != 2 || other.opts.Config.Window != 2400 || other.opts.Config.Batch != 1 {
		t.Fatalf("loaded at step %d with %s", other.steps(), other.opts.Config.JSON())
	}
	if last, err = other.train(1, func(stepMetrics) bool { return true }); err != nil || last.Step != 3 {
		t.Fatalf("continued to %+v: %v", last, err)
	}
	if err := other.configure(settings{LR: 1e-4}); err != nil || other.steps() != 3 {
		t.Fatalf("configure: step %d, %v", other.steps(), err)
	}
}

// TestChangesBetweenSteps checks that the trainer sees the utterances as
// they are at each step, and that after's false stops training.
func TestChangesBetweenSteps(t *testing.T) {
	se := loaded(t)
	if err := se.newModel(tiny); err != nil {
		t.Fatal(err)
	}
	steps := 0
	_, err := se.train(5, func(stepMetrics) bool {
		steps++
		for _, id := range []string{"a-1-0", "a-1-1", "b-1-0"} {
			if err := se.remove(id); err != nil {
				t.Fatal(err)
			}
		}
		return se.add("c-1-0", "c", tone(1000, 0.1, 7)) == nil // shorter than a window
	})
	if steps != 1 || err == nil || !strings.Contains(err.Error(), "no utterance holds a window") {
		t.Fatalf("after %d steps: %v", steps, err)
	}
	if err := se.add("d-1-0", "d", tone(3000, 0.1, 8)); err != nil {
		t.Fatal(err)
	}
	stop := func(stepMetrics) bool { return false }
	if last, err := se.train(5, stop); err != nil || last.Step != 2 {
		t.Fatalf("stopped at %+v: %v", last, err)
	}
}

// TestOrderOfArrival checks that the corpus is sorted by id however the
// utterances come in, so that a run draws the same batches.
func TestOrderOfArrival(t *testing.T) {
	se := &session{}
	for _, id := range []string{"b-1-0", "a-1-1", "c-1-0", "a-1-0"} {
		if err := se.add(id, id[:1], tone(3000, 0.1, 1)); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, u := range se.corpus.Utterances {
		ids = append(ids, u.ID)
	}
	if !slices.Equal(ids, []string{"a-1-0", "a-1-1", "b-1-0", "c-1-0"}) {
		t.Errorf("corpus order %v", ids)
	}
}

func TestSessionErrors(t *testing.T) {
	se := loaded(t)
	ok := func(stepMetrics) bool { return true }
	nan := tone(3000, 0.1, 1)
	nan[7] = float32(math.NaN())
	for _, c := range []struct {
		err  error
		want string
	}{
		{func() error { _, err := se.train(1, ok); return err }(), "no model"},
		{func() error { _, err := se.export(); return err }(), "no model"},
		{se.configure(tiny), "no model"},
		{se.add("a-1-0", "a", tone(3000, 0.1, 1)), "already loaded"},
		{se.add("e-1-0", "e", tone(400, 0.1, 1)), "too short"},
		{se.add("e-1-0", "e", nan), "not finite"},
		{se.add("", "e", tone(3000, 0.1, 1)), "needs an id"},
		{se.remove("nobody"), "no utterance nobody"},
		{se.setSpeaker("a-1-0", ""), "cannot be empty"},
		{se.newModel(settings{Config: "huge"}), "unknown config"},
		{se.newModel(settings{Window: 1000}), "not more than prediction_steps"},
		{se.newModel(settings{LR: -1}), "must be positive"},
		{se.loadModel([]byte("not a checkpoint"), settings{}), "not a checkpoint"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", c.err, c.want)
		}
	}
	if err := se.newModel(tiny); err != nil {
		t.Fatal(err)
	}
	if _, err := se.embed(make([]float32, 400)); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("embedding 400 samples: %v", err)
	}
	if _, err := se.train(0, ok); err == nil {
		t.Error("0 steps were accepted")
	}
}

func TestEmbedMeansCutsToTheMiddle(t *testing.T) {
	se := loaded(t)
	if err := se.newModel(tiny); err != nil {
		t.Fatal(err)
	}
	got, err := se.embedMeans([]string{"b-1-0", "a-1-0"}, 2000)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := se.utterance("b-1-0") // 4000 samples: the middle 2000 start at 1000
	_, c := se.model.Embed(u.Audio[1000:3000])
	if H := se.model.Config.Hidden; len(got) != 2*H || !slices.Equal(got[:H], cpc.MeanRow(c, H)) {
		t.Fatalf("%d values; the first row is not the middle's mean c_t", len(got))
	}
	if _, err := se.embedMeans([]string{"nobody"}, 0); err == nil {
		t.Error("an unknown id was accepted")
	}
}
