package imagecpc

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/images"
	"github.com/gocpc/cpc/core/optim"
	"github.com/gocpc/cpc/core/safetensors"
	"github.com/gocpc/cpc/core/train"
)

// Options are how an image model is trained (a checkpoint's "training"
// metadata).
type Options struct {
	Data           string `json:"data"`
	Batch          int    `json:"batch"`
	optim.Schedule        // Adam's learning rate, warm-up, cosine decay and clipping
	Seed           uint64 `json:"seed"`
}

// Validate reports the first option that cannot work.
func (o Options) Validate() error {
	if o.Batch < 1 {
		return fmt.Errorf("imagecpc: batch must be positive (got %d)", o.Batch)
	}
	return o.Schedule.Validate()
}

// Trainer trains an image model, the one trainer of every face (the
// command line's train-images, the browser's Images mode): the model,
// Adam, the batches' generator and the steps done. Batches are drawn
// uniformly from the train images SetImages gives it.
type Trainer struct {
	Opts  Options
	Model *Model[float32]
	adam  *optim.Adam
	pcg   *rand.PCG // the batches' generator
	step  int       // steps done
	set   *images.Set

	ws   *Workspace[float32]
	rng  *rand.Rand
	imgs [][]byte
}

// NewTrainer returns a trainer of a fresh model of arch, initialised as
// PyTorch would from seed o.Seed.
func NewTrainer(arch Arch, o Options) (*Trainer, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	m, err := New[float32](arch, rand.New(rand.NewPCG(o.Seed, 0)))
	if err != nil {
		return nil, err
	}
	t := &Trainer{Opts: o, Model: m, adam: optim.NewAdam(m.Params(), o.Schedule), pcg: rand.NewPCG(o.Seed, 1)}
	return t.prepare(), nil
}

// RandomInit returns the model a trainer of arch and seed starts from: the
// probe's random-init baseline.
func RandomInit(arch Arch, seed uint64) (*Model[float32], error) {
	return New[float32](arch, rand.New(rand.NewPCG(seed, 0)))
}

// prepare makes the workspace and the batch of the options.
func (t *Trainer) prepare() *Trainer {
	t.ws, t.rng, t.imgs = t.Model.NewWorkspace(t.Opts.Batch), rand.New(t.pcg), make([][]byte, t.Opts.Batch)
	return t
}

// SetImages sets the train images the batches are drawn from.
func (t *Trainer) SetImages(set *images.Set) error {
	a := t.Model.Arch
	switch {
	case set == nil || set.N == 0:
		return errors.New("imagecpc: no train images")
	case set.H != a.Image || set.W != a.Image:
		return fmt.Errorf("imagecpc: images of %d×%d, config %s takes %d×%d", set.H, set.W, a.Name, a.Image, a.Image)
	}
	t.set = set
	return nil
}

// Steps is the number of steps done.
func (t *Trainer) Steps() int { return t.step }

// TrainBatch draws a batch of train images and takes one step on it.
func (t *Trainer) TrainBatch() (cpc.Metrics, error) {
	if t.set == nil {
		return cpc.Metrics{}, errors.New("imagecpc: no train images set")
	}
	start := time.Now()
	for b := range t.imgs {
		t.imgs[b] = t.set.Image(t.rng.IntN(t.set.N))
	}
	met, err := t.update(t.imgs)
	if err != nil {
		return met, fmt.Errorf("step %d: %w", t.step+1, err)
	}
	met.Step, met.Seconds = t.step, time.Since(start).Seconds()
	return met, nil
}

// update is one step on a batch of images: the loss's gradients, Adam. A
// loss or gradient that is not finite is an error, and the model is left
// unchanged.
func (t *Trainer) update(imgs [][]byte) (cpc.Metrics, error) {
	t.Model.ZeroGrad()
	met, err := t.ws.Gradients(imgs)
	if err != nil {
		return met, err
	}
	met.GradNorm = t.adam.GradNorm()
	if math.IsNaN(met.Loss+met.GradNorm) || math.IsInf(met.Loss+met.GradNorm, 0) {
		return met, fmt.Errorf("loss %v, gradient norm %v", met.Loss, met.GradNorm)
	}
	met.LR = t.adam.RateAt(t.step + 1)
	t.adam.Update(met.GradNorm)
	t.step++
	return met, nil
}

// Meta is what a checkpoint of the model carries: the step and the
// options (resuming checks the step against the state's).
func (t *Trainer) Meta() map[string]string {
	opts, _ := json.Marshal(t.Opts) // plain fields always marshal
	return map[string]string{"step": strconv.Itoa(t.step), "training": string(opts)}
}

// State is the optimizer's state beside the model: Adam's moments under
// PyTorch's state names, and Meta with the batches' generator.
func (t *Trainer) State() (map[string]safetensors.Tensor, map[string]string) {
	rng, _ := t.pcg.MarshalBinary() // PCG's marshalling cannot fail
	meta := t.Meta()
	meta["data_rng"] = hex.EncodeToString(rng)
	return train.AdamTensors(t.Model.Params(), t.adam), meta
}

// ResumeTrainer continues training m (of a checkpoint with metadata
// modelMeta) from a state State wrote.
func ResumeTrainer(m *Model[float32], modelMeta map[string]string, tensors map[string]safetensors.Tensor, state map[string]string) (*Trainer, error) {
	if state["step"] != modelMeta["step"] {
		return nil, fmt.Errorf("state of step %s, model of step %s", state["step"], modelMeta["step"])
	}
	t := &Trainer{Model: m, adam: optim.NewAdam(m.Params(), optim.Schedule{}), pcg: &rand.PCG{}}
	rng, err1 := hex.DecodeString(state["data_rng"])
	step, err2 := strconv.Atoi(state["step"])
	if err := errors.Join(err1, err2, json.Unmarshal([]byte(state["training"]), &t.Opts), t.pcg.UnmarshalBinary(rng)); err != nil {
		return nil, err
	}
	if err := t.Opts.Validate(); err != nil {
		return nil, err
	}
	t.step, t.adam.Step, t.adam.Schedule = step, step, t.Opts.Schedule
	if err := train.SetAdamTensors(m.Params(), t.adam, tensors); err != nil {
		return nil, err
	}
	return t.prepare(), nil
}

// SaveModel writes the model with Meta.
func (t *Trainer) SaveModel(path string) error { return t.Model.Save(path, t.Meta()) }
