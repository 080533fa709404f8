package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/imagecpc"
	"github.com/gocpc/cpc/core/plot"
	"github.com/gocpc/cpc/core/safetensors"
	"github.com/gocpc/cpc/core/train"
)

// imageRun is a training run of an image model in a directory, the
// train.Task that train.Loop drives: core's trainer, the metrics so far
// and where the newest good checkpoint is.
type imageRun struct {
	*imagecpc.Trainer
	history []cpc.Metrics
	saved   string
	target  int // the step the run is planned to end at, which checkpoints keep
}

func (r *imageRun) Interrupted(ctx context.Context) bool { return ctx.Err() != nil }

func (r *imageRun) SavedNote() string {
	if r.saved == "" {
		return "no checkpoint of this run was written"
	}
	return r.saved
}

// Checkpoint writes the trainer's state, then the model, both carrying
// the step, which resuming checks; then the loss chart.
func (r *imageRun) Checkpoint(out string, history []cpc.Metrics) error {
	if out == "" {
		return nil
	}
	tensors, state := r.State()
	state[train.TargetKey] = strconv.Itoa(r.target)
	if err := safetensors.WriteFile(filepath.Join(out, train.StateFile), tensors, state); err != nil {
		return err
	}
	if err := r.SaveModel(filepath.Join(out, cpc.ModelFile)); err != nil {
		return err
	}
	r.saved = fmt.Sprintf("the checkpoint of step %d in %s is kept", r.Steps(), out)
	return plot.Loss(history, out)
}

// resumeImageRun reads the run saved in dir, with its metrics lines up to
// the saved step.
func resumeImageRun(dir string) (*imageRun, error) {
	m, meta, err := imagecpc.Load(filepath.Join(dir, cpc.ModelFile))
	if err != nil {
		return nil, err
	}
	statePath := filepath.Join(dir, train.StateFile)
	tensors, state, err := safetensors.ReadFile(statePath)
	if err != nil {
		return nil, err
	}
	t, err := imagecpc.ResumeTrainer(m, meta, tensors, state)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", statePath, err)
	}
	r := &imageRun{Trainer: t}
	if r.target, err = train.SavedTarget(state); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", statePath, train.TargetKey, err)
	}
	if r.history, err = train.ReadMetrics(dir, t.Steps()); err != nil {
		return nil, err
	}
	r.saved = fmt.Sprintf("the checkpoint of step %d in %s is kept", t.Steps(), dir)
	return r, nil
}
