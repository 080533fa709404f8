package train

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
)

// countingTask's loss at step s is s; it fails at step failAt and records
// the steps it was checkpointed at.
type countingTask struct {
	step, failAt int
	saves        []int
	cancel       func() // called after step cancelAt
	cancelAt     int
}

func (c *countingTask) Steps() int { return c.step }

func (c *countingTask) TrainBatch() (cpc.Metrics, error) {
	if c.step+1 == c.failAt {
		return cpc.Metrics{}, errors.New("bad step")
	}
	c.step++
	if c.step == c.cancelAt {
		c.cancel()
	}
	return cpc.Metrics{Step: c.step, Loss: float64(c.step)}, nil
}

func (c *countingTask) Checkpoint(string, []cpc.Metrics) error {
	c.saves = append(c.saves, c.step)
	return nil
}

func (c *countingTask) Interrupted(ctx context.Context) bool { return ctx.Err() != nil }
func (c *countingTask) SavedNote() string                    { return "kept" }

// TestLoop checks the loop any task goes through: metrics lines average
// LogEvery steps, checkpoints come every SaveEvery steps and at the end,
// an interrupted run saves and says so, and a failed step saves nothing.
func TestLoop(t *testing.T) {
	task := &countingTask{}
	var history []cpc.Metrics
	var reported int
	err := Loop(context.Background(), task, Plan{Steps: 7, SaveEvery: 3, LogEvery: 2}, &history,
		func(cpc.Metrics) error { reported++; return nil })
	if err != nil || reported != 7 || !slices.Equal(task.saves, []int{3, 6, 7}) {
		t.Fatalf("err %v, %d reports, checkpoints at %v", err, reported, task.saves)
	}
	var losses []float64
	for _, m := range history {
		losses = append(losses, m.Loss)
	}
	if !slices.Equal(losses, []float64{1.5, 3.5, 5.5, 7}) || history[3].Step != 7 {
		t.Fatalf("metrics lines' losses %v, want the means of steps 1-2, 3-4, 5-6 and 7", losses)
	}

	ctx, cancel := context.WithCancel(context.Background())
	task = &countingTask{cancel: cancel, cancelAt: 2}
	err = Loop(ctx, task, Plan{Steps: 5, LogEvery: 1}, &history, func(cpc.Metrics) error { return nil })
	if !errors.Is(err, ErrInterrupted) || !slices.Equal(task.saves, []int{2}) {
		t.Fatalf("cancelled after step 2: %v, checkpoints at %v", err, task.saves)
	}

	task = &countingTask{failAt: 3}
	err = Loop(context.Background(), task, Plan{Steps: 5, LogEvery: 1}, &history, func(cpc.Metrics) error { return nil })
	if err == nil || task.step != 2 || len(task.saves) != 0 {
		t.Fatalf("a failed step 3: %v at step %d, checkpoints at %v", err, task.step, task.saves)
	}
}
