package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/imagecpc"
	"github.com/gocpc/cpc/core/images"
	"github.com/gocpc/cpc/core/optim"
	"github.com/gocpc/cpc/core/plot"
	"github.com/gocpc/cpc/core/safetensors"
	"github.com/gocpc/cpc/core/train"
)

// imageRun is a training run of an image model, a train.Task that
// train.Loop drives: everything resuming needs, and its batches' source.
type imageRun struct {
	o       imageOptions
	m       *imagecpc.Model[float32]
	adam    *optim.Adam
	pcg     *rand.PCG // the batches' generator
	step    int       // steps done
	history []cpc.Metrics
	set     *images.Set // the train images, set before the first batch
	saved   string      // where the newest good checkpoint is

	ws   *imagecpc.Workspace[float32]
	rng  *rand.Rand
	imgs [][]byte
}

func newImageRun(arch imagecpc.Arch, o imageOptions) (*imageRun, error) {
	m, err := imagecpc.New[float32](arch, rand.New(rand.NewPCG(o.Seed, 0)))
	if err != nil {
		return nil, err
	}
	r := &imageRun{o: o, m: m, adam: optim.NewAdam(m.Params(), o.Schedule), pcg: rand.NewPCG(o.Seed, 1)}
	return r.prepare(), nil
}

// prepare makes the workspace and the batch of the run's options.
func (r *imageRun) prepare() *imageRun {
	r.ws, r.rng, r.imgs = r.m.NewWorkspace(r.o.Batch), rand.New(r.pcg), make([][]byte, r.o.Batch)
	return r
}

func (r *imageRun) Steps() int { return r.step }

// TrainBatch draws a batch of train images and takes one step on it.
func (r *imageRun) TrainBatch() (cpc.Metrics, error) {
	start := time.Now()
	for b := range r.imgs {
		r.imgs[b] = r.set.Image(r.rng.IntN(r.set.N))
	}
	met, err := r.update(r.imgs)
	if err != nil {
		return met, fmt.Errorf("step %d: %w", r.step+1, err)
	}
	met.Step, met.Seconds = r.step, time.Since(start).Seconds()
	return met, nil
}

// update is one step on a batch of images: the loss's gradients, Adam. A
// loss or gradient that is not finite is an error, and the model is left
// unchanged.
func (r *imageRun) update(imgs [][]byte) (cpc.Metrics, error) {
	r.m.ZeroGrad()
	met, err := r.ws.Gradients(imgs)
	if err != nil {
		return met, err
	}
	met.GradNorm = r.adam.GradNorm()
	if math.IsNaN(met.Loss+met.GradNorm) || math.IsInf(met.Loss+met.GradNorm, 0) {
		return met, fmt.Errorf("loss %v, gradient norm %v", met.Loss, met.GradNorm)
	}
	met.LR = r.adam.RateAt(r.step + 1)
	r.adam.Update(met.GradNorm)
	r.step++
	return met, nil
}

func (r *imageRun) Interrupted(ctx context.Context) bool { return ctx.Err() != nil }

func (r *imageRun) SavedNote() string {
	if r.saved == "" {
		return "no checkpoint of this run was written"
	}
	return r.saved
}

// Checkpoint writes the state (Adam's moments under PyTorch's state
// names, the step, the options, the batches' generator), then the model,
// both carrying the step, which resuming checks; then the loss chart.
func (r *imageRun) Checkpoint(out string, history []cpc.Metrics) error {
	if out == "" {
		return nil
	}
	tensors := train.AdamTensors(r.m.Params(), r.adam)
	rng, _ := r.pcg.MarshalBinary() // PCG's marshalling cannot fail
	opts, _ := json.Marshal(r.o)
	meta := map[string]string{"step": strconv.Itoa(r.step), "training": string(opts)}
	state := maps.Clone(meta)
	state["data_rng"] = hex.EncodeToString(rng)
	if err := safetensors.WriteFile(filepath.Join(out, train.StateFile), tensors, state); err != nil {
		return err
	}
	if err := r.m.Save(filepath.Join(out, cpc.ModelFile), meta); err != nil {
		return err
	}
	r.saved = fmt.Sprintf("the checkpoint of step %d in %s is kept", r.step, out)
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
	if state["step"] != meta["step"] {
		return nil, fmt.Errorf("%s: state of step %s, model of step %s", dir, state["step"], meta["step"])
	}
	r := &imageRun{m: m, adam: optim.NewAdam(m.Params(), optim.Schedule{}), pcg: &rand.PCG{}}
	rng, err1 := hex.DecodeString(state["data_rng"])
	step, err2 := strconv.Atoi(state["step"])
	if err := errors.Join(err1, err2, json.Unmarshal([]byte(state["training"]), &r.o), r.pcg.UnmarshalBinary(rng)); err != nil {
		return nil, fmt.Errorf("%s: %w", statePath, err)
	}
	r.step, r.adam.Step, r.adam.Schedule = step, step, r.o.Schedule
	if err := train.SetAdamTensors(m.Params(), r.adam, tensors); err != nil {
		return nil, fmt.Errorf("%s: %w", statePath, err)
	}
	if r.history, err = train.ReadMetrics(dir, step); err != nil {
		return nil, err
	}
	r.saved = fmt.Sprintf("the checkpoint of step %d in %s is kept", step, dir)
	return r.prepare(), nil
}
