package imagecpc

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/images"
	"github.com/gocpc/cpc/core/optim"
)

// randomSet is n random images of the tiny preset's size.
func randomSet(n int, seed uint64) *images.Set {
	rng := rand.New(rand.NewPCG(seed, 0))
	s := &images.Set{N: n, H: 12, W: 12, Pix: make([]byte, n*144), Labels: make([]byte, n)}
	for i := range s.Pix {
		s.Pix[i] = byte(rng.IntN(256))
	}
	return s
}

func tinyTrainer(t *testing.T) *Trainer {
	t.Helper()
	a, _ := Preset("tiny")
	tr, err := NewTrainer(a, Options{Batch: 3, Schedule: optim.Schedule{LR: 1e-2}, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetImages(randomSet(10, 1)); err != nil {
		t.Fatal(err)
	}
	return tr
}

func steps(t *testing.T, tr *Trainer, n int) {
	t.Helper()
	for range n {
		if _, err := tr.TrainBatch(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTrainerResumesExactly: four steps, the state saved and read back, two
// more, give the weights of six steps in one go.
func TestTrainerResumesExactly(t *testing.T) {
	straight := tinyTrainer(t)
	steps(t, straight, 6)

	first := tinyTrainer(t)
	steps(t, first, 4)
	b, err := first.Model.Encode(first.Meta())
	if err != nil {
		t.Fatal(err)
	}
	m, meta, err := Decode(b, "model")
	if err != nil {
		t.Fatal(err)
	}
	tensors, state := first.State()
	resumed, err := ResumeTrainer(m, meta, tensors, state)
	if err != nil {
		t.Fatal(err)
	}
	if err := resumed.SetImages(randomSet(10, 1)); err != nil {
		t.Fatal(err)
	}
	steps(t, resumed, 2)
	if resumed.Steps() != 6 {
		t.Fatalf("%d steps after resuming at 4 and two more", resumed.Steps())
	}
	for i, p := range straight.Model.Params() {
		if !slices.Equal(p.W, resumed.Model.Params()[i].W) {
			t.Fatalf("%s differs from the run without a break", p.Name)
		}
	}
	state["step"] = "3"
	if _, err := ResumeTrainer(m, meta, tensors, state); err == nil || !strings.Contains(err.Error(), "state of step 3, model of step 4") {
		t.Fatalf("a state of another step: %v", err)
	}
}

func TestTrainerErrors(t *testing.T) {
	a, _ := Preset("tiny")
	if _, err := NewTrainer(a, Options{Batch: 0, Schedule: optim.Schedule{LR: 1e-3}}); err == nil || !strings.Contains(err.Error(), "batch") {
		t.Fatalf("batch 0: %v", err)
	}
	tr, err := NewTrainer(a, Options{Batch: 2, Schedule: optim.Schedule{LR: 1e-3}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.TrainBatch(); err == nil || !strings.Contains(err.Error(), "no train images") {
		t.Fatalf("training without images: %v", err)
	}
	if err := tr.SetImages(&images.Set{N: 1, H: 28, W: 28, Pix: make([]byte, 784)}); err == nil || !strings.Contains(err.Error(), "28×28") {
		t.Fatalf("images of another size: %v", err)
	}
	if err := tr.SetImages(&images.Set{H: 12, W: 12}); err == nil {
		t.Fatal("an empty set: no error")
	}
}
