package train

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gocpc/cpc/core/cpc"
)

// Task is one model's training as Loop drives it: the speech Trainer is
// one, cmd/cpc's image run another. Loop owns what every face shares (the
// plan's steps, metrics lines and their averaging, checkpoints every few
// steps and at the end, interruption, the report); the task owns its
// model, data, optimizer and what its checkpoint holds.
type Task interface {
	// Steps is the number of updates done.
	Steps() int
	// TrainBatch takes the next batch and applies one update; its metrics
	// carry the step, the learning rate and the step's seconds.
	TrainBatch() (cpc.Metrics, error)
	// Checkpoint saves what resuming needs into dir, with history, the
	// run's metrics lines so far. Every replica of a group calls it.
	Checkpoint(dir string, history []cpc.Metrics) error
	// Interrupted reports whether the run must save and stop now: ctx is
	// done (or, for replicas, some replica's was).
	Interrupted(ctx context.Context) bool
	// SavedNote says where the newest good checkpoint is, for an error
	// that stops training.
	SavedNote() string
}

// Loop trains task as plan says, appending a metrics line of the means of
// every plan.LogEvery steps to history (and to plan.Out's metrics file,
// which starts as history), and calling report with each step's metrics.
// When the task is interrupted it saves and returns ErrInterrupted; when
// report returns an error, it saves and returns that error. An error of a
// step stops it with nothing saved: the newest checkpoint on disk stays
// the last good one.
func Loop(ctx context.Context, task Task, plan Plan, history *[]cpc.Metrics, report func(cpc.Metrics) error) error {
	if err := plan.Validate(); err != nil {
		return err
	}
	if plan.Out != "" {
		if err := os.MkdirAll(plan.Out, 0o755); err != nil {
			return err
		}
		if err := WriteMetrics(plan.Out, *history); err != nil {
			return err
		}
	}
	checkpoint := func() error { return task.Checkpoint(plan.Out, *history) }
	start, first := time.Now(), task.Steps()
	var acc accumulator
	for task.Steps() < plan.Steps {
		if task.Interrupted(ctx) {
			if err := checkpoint(); err != nil {
				return err
			}
			return ErrInterrupted
		}
		met, err := task.TrainBatch()
		if err != nil {
			return fmt.Errorf("%w: training stopped; %s", err, task.SavedNote())
		}
		step := task.Steps()
		el := time.Since(start)
		met.ElapsedSec, met.StepsPerSec = el.Seconds(), float64(step-first)/el.Seconds()
		acc.add(met)
		if step%plan.LogEvery == 0 || step == plan.Steps {
			rec := acc.mean()
			*history = append(*history, rec)
			if err := AppendMetrics(plan.Out, rec); err != nil {
				return err
			}
		}
		if plan.SaveEvery > 0 && step%plan.SaveEvery == 0 && step < plan.Steps {
			if err := checkpoint(); err != nil {
				return err
			}
		}
		if err := report(met); err != nil {
			return cmp.Or(checkpoint(), err)
		}
	}
	return checkpoint()
}
