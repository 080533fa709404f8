package train

import (
	"strings"
	"testing"
)

// TestNewFromContinuesTheWeights checks that a run started by NewFrom on
// NewModel's weights trains exactly like New's, that the model takes the
// run's training settings, and that another architecture is refused.
func TestNewFromContinuesTheWeights(t *testing.T) {
	c := testCorpus(1)
	opts := testOptions("", 0)
	m, err := NewModel(opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Config.LR, opts.Config.Batch = 3e-3, 2
	a, err := New(opts, c)
	if err != nil {
		t.Fatal(err)
	}
	from, err := NewFrom(opts, m, c)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.LR != 3e-3 || m.Config.Batch != 2 {
		t.Errorf("the model kept its config: %s", m.Config.JSON())
	}
	for step := 1; step <= 3; step++ {
		ma, _, errA := a.TrainBatch()
		mb, _, errB := from.TrainBatch()
		if errA != nil || errB != nil || ma.Loss != mb.Loss {
			t.Fatalf("step %d: loss %v (%v) from New, %v (%v) from NewFrom", step, ma.Loss, errA, mb.Loss, errB)
		}
	}

	opts.Config.Hidden++
	if _, err := NewFrom(opts, m, c); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("another architecture: %v", err)
	}
}
