package cpc

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gocpc/cpc/core/dist"
)

// TestReplicasEqualOneBatch: replicas of a group, each with its share of
// the windows, have the loss of one process with the whole batch, and
// their gradients sum to its gradients; with InfoNCE projecting the
// candidates (H < C and many frames: cheaper) and the predictions (H = C,
// as the small config: cheaper for a replica).
func TestReplicasEqualOneBatch(t *testing.T) {
	for _, arch := range []Arch{
		{Name: "tiny", Channels: 6, Hidden: 5, Predict: 3, Kernels: []int{4, 3}, Strides: []int{2, 2}},
		{Name: "square", Channels: 5, Hidden: 5, Predict: 3, Kernels: []int{4, 3}, Strides: []int{2, 2}},
	} {
		replicasEqualOneBatch(t, arch, 0)
	}
}

// TestReplicasDropAsOneBatch: with dropout, replicas drop the values one
// process with the whole batch drops (the same key).
func TestReplicasDropAsOneBatch(t *testing.T) {
	tiny := Arch{Name: "tiny", Channels: 6, Hidden: 5, Predict: 3, Kernels: []int{4, 3}, Strides: []int{2, 2}}
	replicasEqualOneBatch(t, tiny, 0.5)
	replicasEqualOneBatch(t, headed(tiny), 0.5)
}

// TestReplicasWithAHeadEqualOneBatch: so with a feed-forward head.
func TestReplicasWithAHeadEqualOneBatch(t *testing.T) {
	replicasEqualOneBatch(t, headed(Arch{Name: "tiny", Channels: 6, Hidden: 5, Predict: 3, Kernels: []int{4, 3}, Strides: []int{2, 2}}), 0)
}

func replicasEqualOneBatch(t *testing.T, arch Arch, dropout float64) {
	const n, share, window = 3, 2, 90
	newModel := func() *Model[float32] {
		m, err := New[float32](arch, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	rng := rand.New(rand.NewPCG(2, 2))
	audio := make([]float32, n*share*window)
	for i := range audio {
		audio[i] = float32(rng.NormFloat64())
	}
	// workspace returns a workspace of m for batch windows, with dropout.
	workspace := func(m *Model[float32], batch int) *Workspace[float32] {
		w := m.NewWorkspace(batch, window)
		if err := w.SetDropout(dropout); err != nil {
			t.Fatal(err)
		}
		w.DropKey(9)
		return w
	}
	one := newModel()
	want, err := workspace(one, n*share).Gradients(audio, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	groups := dist.Local(n)
	models := make([]*Model[float32], n)
	mets := make([]Metrics, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r := range n {
		models[r] = newModel()
		w := workspace(models[r], share)
		if err := w.Join(groups[r]); err != nil {
			t.Fatal(err)
		}
		if want := arch.Channels == arch.Hidden || dropout > 0 || arch.PredictorHidden > 0; w.nce.predict != want {
			t.Fatalf("%s: a replica projects the predictions: %v, want %v", arch.Name, w.nce.predict, want)
		}
		wg.Go(func() {
			mets[r], errs[r] = w.Gradients(audio[r*share*window:(r+1)*share*window], 0, nil)
		})
	}
	wg.Wait()
	for r := range n {
		if errs[r] != nil {
			t.Fatal(errs[r])
		}
		if d := math.Abs(mets[r].Loss - want.Loss); d > 1e-6 || mets[r].Accuracy != want.Accuracy {
			t.Errorf("replica %d: loss %v accuracy %v, one batch %v %v", r, mets[r].Loss, mets[r].Accuracy, want.Loss, want.Accuracy)
		}
	}
	for i, p := range one.Params() {
		for j, g := range p.G {
			sum := 0.0
			for r := range n {
				sum += float64(models[r].Params()[i].G[j])
			}
			if d := math.Abs(sum - float64(g)); d > 1e-5*(1+math.Abs(float64(g))) {
				t.Fatalf("%s[%d]: replicas' gradients sum to %v, one batch's %v", p.Name, j, sum, g)
			}
		}
	}
}
