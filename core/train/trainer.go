package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/optim"
)

// Trainer holds a run: model, optimizer, data, generators and the step.
type Trainer struct {
	Opts    Options
	Model   *cpc.Model[float32]
	Step    int // updates done
	Sampler *data.Sampler
	History []Record // every metrics line of the run, resumed ones included

	// Plot, if set, redraws charts of History into the output directory
	// at every checkpoint.
	Plot func(history []Record, dir string) error

	adam            *optim.Adam
	dataPCG, negPCG *rand.PCG // their states are saved
	dataRNG, negRNG *rand.Rand
	ws              *cpc.Workspace[float32]
	batch           []float32
	saved           string // where the newest good checkpoint is, for errors
	timing          Timing
}

// Timing is where TrainBatch's time went, accumulated over steps.
type Timing struct {
	Data, Optimizer time.Duration
	Model           [cpc.NumPhases]time.Duration
}

// Timing returns the time spent since the last ResetTiming.
func (t *Trainer) Timing() Timing {
	tm := t.timing
	tm.Model = t.ws.Times
	return tm
}

// ResetTiming starts the accumulation of Timing afresh.
func (t *Trainer) ResetTiming() {
	t.timing = Timing{}
	t.ws.Times = [cpc.NumPhases]time.Duration{}
}

// ErrInterrupted is returned by Run when its context is cancelled; the
// state was saved first.
var ErrInterrupted = errors.New("interrupted")

// New starts a run from scratch on corpus c (already loaded).
func New(opts Options, c *data.Corpus) (*Trainer, error) {
	model, err := NewModel(opts)
	if err != nil {
		return nil, err
	}
	return NewFrom(opts, model, c)
}

// NewModel returns the freshly initialised model that New starts from.
func NewModel(opts Options) (*cpc.Model[float32], error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	// Independent streams from one seed: initial weights (1), batches (2)
	// and negatives (3).
	return cpc.New[float32](opts.Config, rand.New(rand.NewPCG(opts.Seed, 1)))
}

// NewFrom starts a run at step 0 from the weights of model (a checkpoint
// without optimizer state: Adam starts afresh), which must have the
// architecture of opts.Config. The model takes opts.Config, so its next
// checkpoint records the settings it was trained with.
func NewFrom(opts Options, model *cpc.Model[float32], c *data.Corpus) (*Trainer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if !opts.Config.SameArchitecture(model.Config) {
		return nil, fmt.Errorf("config %s does not fit the model's %s", opts.Config.JSON(), model.Config.JSON())
	}
	model.Config = opts.Config
	t := &Trainer{Opts: opts, Model: model, dataPCG: rand.NewPCG(opts.Seed, 2), negPCG: rand.NewPCG(opts.Seed, 3)}
	t.adam = optim.NewAdam(model.Params(), opts.Config.LR)
	return t, t.SetCorpus(c)
}

// Resume continues the run saved in dir on corpus c. The saved options are
// kept; only opts' bookkeeping fields (Steps, Out, SaveEvery, LogEvery)
// apply. Metrics lines after the saved step are dropped, so the resumed
// run's metrics.jsonl reads as if it had never stopped.
func Resume(dir string, opts Options, c *data.Corpus) (*Trainer, error) {
	t, err := loadState(dir)
	if err != nil {
		return nil, err
	}
	t.Opts.Steps, t.Opts.Out, t.Opts.SaveEvery, t.Opts.LogEvery = opts.Steps, opts.Out, opts.SaveEvery, opts.LogEvery
	t.saved = fmt.Sprintf("the checkpoint of step %d in %s is kept", t.Step, dir)
	if err := t.Opts.Validate(); err != nil {
		return nil, err
	}
	if t.History, err = readMetrics(dir, t.Step); err != nil {
		return nil, err
	}
	return t, t.SetCorpus(c)
}

// SetCorpus makes c (already loaded) the source of the following batches.
func (t *Trainer) SetCorpus(c *data.Corpus) error {
	cfg := t.Opts.Config
	s, err := data.NewSampler(c, cfg.Window, t.Opts.Speakers)
	if err != nil {
		return err
	}
	for _, p := range t.Opts.Curriculum {
		if err := s.Use(p.Speakers); err != nil {
			return err
		}
	}
	t.Sampler = s
	if t.ws == nil {
		t.dataRNG, t.negRNG = rand.New(t.dataPCG), rand.New(t.negPCG)
		t.adam.Warmup, t.adam.Decay, t.adam.Clip = t.Opts.Warmup, t.Opts.Decay, t.Opts.Clip
		t.ws = t.Model.NewWorkspace(cfg.Batch, cfg.Window)
		t.batch = make([]float32, cfg.Batch*cfg.Window)
	}
	return nil
}

// Progress is what Run reports after every step.
type Progress struct {
	Step, Steps    int
	Loss, Accuracy float64 // of this step's batch
	StepsPerSec    float64 // over this invocation
	Elapsed        time.Duration
}

// Run trains until Opts.Steps, saving every SaveEvery steps and at the end,
// and logging metrics every LogEvery steps. When ctx is cancelled it saves
// and returns ErrInterrupted. A non-finite loss or gradient stops it with
// an error before the update, and nothing is saved: the newest checkpoint
// on disk stays the last good one.
func (t *Trainer) Run(ctx context.Context, report func(Progress)) error {
	if t.Opts.Out == "" {
		return errors.New("no output directory")
	}
	if err := os.MkdirAll(t.Opts.Out, 0o755); err != nil {
		return err
	}
	if err := writeMetrics(t.Opts.Out, t.History); err != nil {
		return err
	}
	start, first := time.Now(), t.Step
	var acc accumulator
	for t.Step < t.Opts.Steps {
		if ctx.Err() != nil {
			if err := t.checkpoint(); err != nil {
				return err
			}
			return ErrInterrupted
		}
		met, norm, err := t.TrainBatch()
		if err != nil {
			return fmt.Errorf("%v: training stopped; %s", err, t.savedNote())
		}
		acc.add(met, norm, t.adam.RateAt(t.Step))
		if t.Step%t.Opts.LogEvery == 0 || t.Step == t.Opts.Steps {
			rec := acc.record(t.Step, time.Since(start), t.Step-first)
			t.History = append(t.History, rec)
			if err := appendMetrics(t.Opts.Out, rec); err != nil {
				return err
			}
		}
		if t.Opts.SaveEvery > 0 && t.Step%t.Opts.SaveEvery == 0 && t.Step < t.Opts.Steps {
			if err := t.checkpoint(); err != nil {
				return err
			}
		}
		el := time.Since(start)
		report(Progress{Step: t.Step, Steps: t.Opts.Steps, Loss: met.Loss, Accuracy: met.Accuracy,
			StepsPerSec: float64(t.Step-first) / el.Seconds(), Elapsed: el})
	}
	return t.checkpoint()
}

// TrainBatch draws a batch, computes the loss and its gradient, and applies
// Adam: one step. It returns the batch's metrics and gradient norm. A loss
// or gradient that is not finite is an error naming the step, and then
// the model is left unchanged.
func (t *Trainer) TrainBatch() (cpc.Metrics, float64, error) {
	start := time.Now()
	if err := t.Sampler.Use(t.Opts.SpeakersAt(t.Step)); err != nil {
		return cpc.Metrics{}, math.NaN(), err // checked for every phase by SetCorpus
	}
	t.Sampler.Fill(t.batch, t.dataRNG)
	t.timing.Data += time.Since(start)
	t.Model.ZeroGrad()
	met := t.ws.Step(t.batch, t.Opts.Negatives, t.negRNG, true)
	start = time.Now()
	defer func() { t.timing.Optimizer += time.Since(start) }()
	norm := math.NaN()
	if finite(met.Loss) {
		norm = t.adam.GradNorm()
	}
	if !finite(met.Loss) || !finite(norm) {
		return met, norm, fmt.Errorf("step %d: loss %v, gradient norm %v", t.Step+1, met.Loss, norm)
	}
	t.adam.Update(norm)
	t.Step++
	return met, norm, nil
}

// checkpoint saves the state and redraws the plots.
func (t *Trainer) checkpoint() error {
	if err := t.save(); err != nil {
		return err
	}
	t.saved = fmt.Sprintf("the checkpoint of step %d in %s is kept", t.Step, t.Opts.Out)
	if t.Plot == nil {
		return nil
	}
	return t.Plot(t.History, t.Opts.Out)
}

func (t *Trainer) savedNote() string {
	if t.saved == "" {
		return "no checkpoint of this run was written"
	}
	return t.saved
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
