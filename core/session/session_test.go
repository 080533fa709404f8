package session

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/train"
)

// tiny keeps the small model's steps cheap: 13 frames a window.
var tiny = Settings{Window: 2400, Batch: 2, LR: 1e-3, Seed: 3}

func tone(n int, freq float64, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.4*math.Sin(float64(i)*freq) + 0.05*rng.NormFloat64())
	}
	return x
}

func loaded(t *testing.T) *Session {
	t.Helper()
	se := &Session{}
	for i, id := range []string{"a-1-0", "a-1-1", "b-1-0"} {
		if err := se.Add(id, id[:1], tone(3000+500*i, 0.02*float64(i+1), uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	return se
}

func TestTrainExportAndContinue(t *testing.T) {
	se := loaded(t)
	if err := se.NewModel(tiny); err != nil {
		t.Fatal(err)
	}
	var seen []int
	last, err := se.Train(2, func(m cpc.Metrics) bool {
		seen = append(seen, m.Step)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{1, 2}) || last.Step != 2 || len(last.LossK) != 12 || !(last.StepsPerSec > 0) || !(last.Seconds > 0) {
		t.Fatalf("steps %v, last %+v", seen, last)
	}

	b, err := se.Export()
	if err != nil {
		t.Fatal(err)
	}
	m, meta, err := cpc.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := train.OptionsOf(meta)
	if meta["step"] != "2" || err != nil || opts.Window != 2400 || opts.Seed != 3 || m.Arch.Name != "small" {
		t.Fatalf("checkpoint step %q, options %+v (%v), architecture %s", meta["step"], opts, err, m.Arch.JSON())
	}
	x := tone(2000, 0.03, 9)
	want, _ := cpc.Embed(m, x, cpc.Context)
	got, err := se.Embed(x)
	if err != nil || !slices.Equal(got.Data, want.Data) {
		t.Fatalf("the session's c_t differ from the checkpoint's (%v)", err)
	}

	// A second session continues from the checkpoint's step, with its own
	// settings.
	other := loaded(t)
	if err := other.LoadModel(b, Settings{Batch: 1, LR: 5e-4}); err != nil {
		t.Fatal(err)
	}
	if _, o := other.Model(); other.Steps() != 2 || o.Window != 2400 || o.Batch != 1 || o.LR != 5e-4 {
		t.Fatalf("loaded at step %d with %+v", other.Steps(), o)
	}
	if last, err = other.Train(1, func(cpc.Metrics) bool { return true }); err != nil || last.Step != 3 {
		t.Fatalf("continued to %+v: %v", last, err)
	}
	if err := other.Configure(Settings{LR: 1e-4}); err != nil || other.Steps() != 3 {
		t.Fatalf("configure: step %d, %v", other.Steps(), err)
	}
}

// TestChangesBetweenSteps checks that the trainer sees the utterances as
// they are at each step, and that after's false stops training.
func TestChangesBetweenSteps(t *testing.T) {
	se := loaded(t)
	if err := se.NewModel(tiny); err != nil {
		t.Fatal(err)
	}
	steps := 0
	_, err := se.Train(5, func(cpc.Metrics) bool {
		steps++
		for _, id := range []string{"a-1-0", "a-1-1", "b-1-0"} {
			if err := se.Remove(id); err != nil {
				t.Fatal(err)
			}
		}
		return se.Add("c-1-0", "c", tone(1000, 0.1, 7)) == nil // shorter than a window
	})
	if steps != 1 || err == nil || !strings.Contains(err.Error(), "no utterance holds a window") {
		t.Fatalf("after %d steps: %v", steps, err)
	}
	if err := se.Add("d-1-0", "d", tone(3000, 0.1, 8)); err != nil {
		t.Fatal(err)
	}
	stop := func(cpc.Metrics) bool { return false }
	if last, err := se.Train(5, stop); err != nil || last.Step != 2 {
		t.Fatalf("stopped at %+v: %v", last, err)
	}
}

// TestOrderOfArrival checks that the corpus is sorted by id however the
// utterances come in, so that a run draws the same batches.
func TestOrderOfArrival(t *testing.T) {
	se := &Session{}
	for _, id := range []string{"b-1-0", "a-1-1", "c-1-0", "a-1-0"} {
		if err := se.Add(id, id[:1], tone(3000, 0.1, 1)); err != nil {
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
	ok := func(cpc.Metrics) bool { return true }
	nan := tone(3000, 0.1, 1)
	nan[7] = float32(math.NaN())
	for _, c := range []struct {
		err  error
		want string
	}{
		{func() error { _, err := se.Train(1, ok); return err }(), "no model"},
		{func() error { _, err := se.Export(); return err }(), "no model"},
		{se.Configure(tiny), "no model"},
		{se.Add("a-1-0", "a", tone(3000, 0.1, 1)), "already loaded"},
		{se.Add("e-1-0", "e", tone(400, 0.1, 1)), "too short"},
		{se.Add("e-1-0", "e", nan), "not finite"},
		{se.Add("", "e", tone(3000, 0.1, 1)), "needs an id"},
		{se.Remove("nobody"), "no utterance nobody"},
		{se.SetSpeaker("a-1-0", ""), "cannot be empty"},
		{se.NewModel(Settings{Config: "huge"}), "unknown config"},
		{se.NewModel(Settings{Window: 1000}), "not more than the 12 prediction steps"},
		{se.NewModel(Settings{LR: -1}), "must be positive"},
		{se.LoadModel([]byte("not a checkpoint"), Settings{}), "not a checkpoint"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", c.err, c.want)
		}
	}
	if err := se.NewModel(tiny); err != nil {
		t.Fatal(err)
	}
	if _, err := se.Embed(make([]float32, 400)); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("embedding 400 samples: %v", err)
	}
	if _, err := se.Train(0, ok); err == nil {
		t.Error("0 steps were accepted")
	}
}

func TestEmbedMeansCutsToTheMiddle(t *testing.T) {
	se := loaded(t)
	if err := se.NewModel(tiny); err != nil {
		t.Fatal(err)
	}
	got, err := se.EmbedMeans([]string{"b-1-0", "a-1-0"}, 2000)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := se.utterance("b-1-0") // 4000 samples: the middle 2000 start at 1000
	c, _ := se.Embed(u.Audio[1000:3000])
	if H := c.Dim; len(got) != 2*H || !slices.Equal(got[:H], c.Mean().Data) {
		t.Fatalf("%d values; the first row is not the middle's mean c_t", len(got))
	}
	if _, err := se.EmbedMeans([]string{"nobody"}, 0); err == nil {
		t.Error("an unknown id was accepted")
	}
}

// replicas returns n sessions with the utterances of loaded and a model
// of settings s, each one replica of a Local group; all but rank 0 have
// weights of another seed, which rank 0's replace.
func replicas(t *testing.T, n int, s Settings) []*Session {
	t.Helper()
	groups := dist.Local(n)
	ses := make([]*Session, n)
	for r := range ses {
		ses[r] = loaded(t)
		if err := ses[r].NewModel(s); err != nil {
			t.Fatal(err)
		}
		if r > 0 {
			ses[r].model, _ = train.NewModel(ses[r].model.Arch, 99)
		}
		ses[r].SetGroup(groups[r])
	}
	return ses
}

// trainAll runs Train(n) on every session at once, rank 0 with after0,
// the others with an after that goes on.
func trainAll(ses []*Session, n int, after0 func(cpc.Metrics) bool) ([]*cpc.Metrics, error) {
	lasts := make([]*cpc.Metrics, len(ses))
	errs := make([]error, len(ses))
	var wg sync.WaitGroup
	for r, se := range ses {
		wg.Go(func() {
			after := func(cpc.Metrics) bool { return true }
			if r == 0 {
				after = after0
			}
			lasts[r], errs[r] = se.Train(n, after)
		})
	}
	wg.Wait()
	return lasts, errors.Join(errs...)
}

// TestGroupTrainsAsOneBatch: two sessions, each one replica with half the
// batch, train as one session with the whole batch: weights within 1e-5
// after 20 steps; rank 0 stopping stops both at the next step, and a
// later call goes on from there.
func TestGroupTrainsAsOneBatch(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("a Local group's replicas are goroutines: the native run checks them; wasm/jsgroup checks replicas in workers")
	}
	one := loaded(t)
	s := tiny
	s.Batch, s.LR = 4, 2e-4
	if err := one.NewModel(s); err != nil {
		t.Fatal(err)
	}
	if _, err := one.Train(20, func(cpc.Metrics) bool { return true }); err != nil {
		t.Fatal(err)
	}
	ses := replicas(t, 2, s)
	lasts, err := trainAll(ses, 20, func(m cpc.Metrics) bool { return m.Step < 7 })
	if err != nil {
		t.Fatal(err)
	}
	for r, last := range lasts {
		if last.Step != 8 || ses[r].Steps() != 8 {
			t.Fatalf("replica %d stopped at step %d (%d), want 8: one step after rank 0 asked", r, last.Step, ses[r].Steps())
		}
	}
	if lasts, err = trainAll(ses, 12, func(cpc.Metrics) bool { return true }); err != nil {
		t.Fatal(err)
	}
	if lasts[0].Step != 20 || lasts[1].Step != 20 {
		t.Fatalf("continued to steps %d and %d, want 20", lasts[0].Step, lasts[1].Step)
	}
	want, _ := one.Model()
	for r, se := range ses {
		m, _ := se.Model()
		worst := 0.0
		for i, p := range m.Params() {
			for j, w := range p.W {
				worst = max(worst, math.Abs(float64(w-want.Params()[i].W[j])))
			}
		}
		t.Logf("replica %d: weights within %g of one session's", r, worst)
		if worst > 1e-5 {
			t.Errorf("replica %d: weights differ from one session's by %g", r, worst)
		}
	}
}
