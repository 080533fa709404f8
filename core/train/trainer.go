package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/optim"
)

// Trainer holds a run: model, optimizer, data, generators and the step.
// Every face trains through it: the CLI with Run, the browser with Run
// too, a few steps at a time.
type Trainer struct {
	Opts    Options
	Model   *cpc.Model[float32]
	Step    int // updates done
	Sampler *data.Sampler
	History []cpc.Metrics // every metrics line of the run, resumed ones included

	// Plot, if set, redraws charts of History into the output directory
	// at every checkpoint.
	Plot func(history []cpc.Metrics, dir string) error

	// Source, if set, says where the corpus came from, in the words of
	// the face that loaded it; checkpoints keep it (SavedSource), so that
	// a resumed run can find its corpus again.
	Source string

	// Target is the step the run is planned to end at (Run sets it from
	// its Plan); checkpoints keep it, so that a resume without a new
	// target ends where the run was meant to (SavedTarget).
	Target int

	adam            *optim.Adam
	group           dist.Group // the replicas this trainer is one of
	replica         replicaState
	dataPCG, negPCG *rand.PCG // their states are saved
	dataRNG, negRNG *rand.Rand
	ws              *cpc.Workspace[float32]
	batch           []float32
	past            []float32  // with Opts.AugmentPast: batch through its rooms
	aug             *augmenter // draws past; nil without Opts.AugmentPast
	pre             prefetch
	saved           string // where the newest good checkpoint is, for errors
	timing          Timing
	met             cpc.Metrics           // the last step's
	draw            func(batch []float32) // tests' windows instead of the sampler's
	badFiles        int                   // the corpus's files that did not decode
	corpus          string                // its fingerprint, which checkpoints keep
}

// Timing is where TrainBatch's time went, accumulated over steps.
type Timing struct {
	Data, Optimizer time.Duration
	Model           [cpc.NumPhases]time.Duration
}

// Total is the time of the steps.
func (tm Timing) Total() time.Duration {
	d := tm.Data + tm.Optimizer
	for _, m := range tm.Model {
		d += m
	}
	return d
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

// NewModel returns the freshly initialised model of a run with seed: its
// weights come from the first of the seed's three independent streams
// (initial weights 1, batches 2, negatives 3).
func NewModel(arch cpc.Arch, seed uint64) (*cpc.Model[float32], error) {
	return cpc.New[float32](arch, rand.New(rand.NewPCG(seed, 1)))
}

// New starts a run at step 0 from the weights of model (fresh, from
// NewModel, or a checkpoint's: Adam starts afresh either way), training
// on corpus c (already loaded) as opts say. opts are validated here.
func New(model *cpc.Model[float32], opts Options, c *data.Corpus) (*Trainer, error) {
	return NewReplica(dist.Single, model, opts, c)
}

// build returns a complete trainer, one replica of g, at step with the
// generators' states dataPCG and negPCG.
func build(g dist.Group, model *cpc.Model[float32], opts Options, step int, dataPCG, negPCG *rand.PCG, c *data.Corpus) (*Trainer, error) {
	if err := opts.Validate(model.Arch); err != nil {
		return nil, err
	}
	if opts.Batch%g.Size() != 0 {
		return nil, fmt.Errorf("%w: a batch of %d windows does not split evenly over %d replicas", ErrOptions, opts.Batch, g.Size())
	}
	share := opts.Batch / g.Size()
	t := &Trainer{Opts: opts, Model: model, Step: step, group: g, dataPCG: dataPCG, negPCG: negPCG,
		dataRNG: rand.New(dataPCG), negRNG: rand.New(negPCG),
		adam:  optim.NewAdam(model.Params(), opts.Schedule),
		ws:    model.NewWorkspace(share, opts.Window),
		batch: make([]float32, share*opts.Window)}
	t.pre.buf, t.pre.done, t.pre.read = make([]float32, len(t.batch)), make(chan error, 1), t.readAhead
	if a := opts.AugmentPast; a != nil {
		t.aug = newAugmenter(a, opts.Seed, opts.Window)
		t.past, t.pre.past = make([]float32, len(t.batch)), make([]float32, len(t.batch))
		if err := t.ws.SetPast(t.past); err != nil {
			return nil, err
		}
	}
	t.adam.Step = step
	if err := t.ws.Join(g); err != nil {
		return nil, err
	}
	if err := t.ws.SetDropout(opts.Dropout); err != nil {
		return nil, err
	}
	t.replica.shard(g, t.adam, model.Params())
	return t, t.SetCorpus(c)
}

// SetCorpus makes c (loaded, or backed by a cache) the source of the
// following batches. The next step's windows are read while a step runs,
// so c's utterances must not change in place until the next SetCorpus:
// a changed corpus is a new one.
func (t *Trainer) SetCorpus(c *data.Corpus) error {
	t.dropPrefetch()
	s, err := data.NewSampler(c, t.Opts.Window, t.Opts.Speakers)
	if err != nil {
		return err
	}
	for _, p := range t.Opts.Curriculum {
		if err := s.Use(p.Speakers); err != nil {
			return err
		}
	}
	t.Sampler, t.badFiles, t.corpus = s, len(c.BadFiles), c.Fingerprint()
	return nil
}

// Plan is what one Run does: train until step Steps, writing into Out
// (nothing if empty) a checkpoint every SaveEvery steps (0: only at the
// end) and a metrics line of the means of every LogEvery steps.
type Plan struct {
	Steps     int
	Out       string
	SaveEvery int
	LogEvery  int
}

// Validate reports the first setting that cannot work.
func (p Plan) Validate() error {
	switch {
	case p.Steps < 0:
		return fmt.Errorf("%w: steps must not be negative (got %d)", ErrOptions, p.Steps)
	case p.SaveEvery < 0:
		return fmt.Errorf("%w: save-every must not be negative (got %d)", ErrOptions, p.SaveEvery)
	case p.LogEvery < 1:
		return fmt.Errorf("%w: log-every must be positive (got %d)", ErrOptions, p.LogEvery)
	}
	return nil
}

// Run trains as plan says (Loop), calling report with each step's
// metrics. When ctx is cancelled it saves and returns ErrInterrupted; when
// report returns an error, it saves and returns that error. A non-finite
// loss or gradient stops it with an error before the update, and nothing
// is saved: the newest checkpoint on disk stays the last good one.
func (t *Trainer) Run(ctx context.Context, plan Plan, report func(cpc.Metrics) error) error {
	t.replica.ctx, t.replica.stop, t.Target = ctx, false, plan.Steps
	defer func() { t.replica.ctx = nil }()
	return Loop(ctx, trainerTask{t}, plan, &t.History, report)
}

// trainerTask is the Trainer as Loop's Task.
type trainerTask struct{ *Trainer }

func (t trainerTask) Steps() int { return t.Step }

// Checkpoint: the Trainer's history is Loop's (Run passes it).
func (t trainerTask) Checkpoint(dir string, _ []cpc.Metrics) error { return t.checkpoint(dir) }

// Interrupted: a single process stops when ctx is done; replicas when any
// of them voted to stop in the last gradient sum, so that all stop at the
// same step.
func (t trainerTask) Interrupted(ctx context.Context) bool {
	return ctx.Err() != nil && t.group.Size() == 1 || t.replica.stop
}

func (t trainerTask) SavedNote() string { return t.savedNote() }

// TrainBatch draws a batch, computes the loss and its gradients, sums
// them over the replicas and applies Adam: one step. The per-k slices of the
// metrics belong to the trainer and change with the next step. A loss or
// gradient that is not finite is an error naming the step, and then the
// model is left unchanged.
func (t *Trainer) TrainBatch() (cpc.Metrics, error) {
	start := time.Now()
	if err := t.takeBatch(); err != nil {
		return cpc.Metrics{}, fmt.Errorf("step %d: %w", t.Step+1, err)
	}
	t.timing.Data += time.Since(start)
	met, err := t.update(start)
	if err != nil {
		t.undoBatch()
	}
	return met, err
}

// update is a step on the batch taken: gradients, their sum over the
// replicas, Adam.
func (t *Trainer) update(start time.Time) (cpc.Metrics, error) {
	t.Model.ZeroGrad()
	var err error
	t.ws.DropKey(dropKey(t.Opts.Seed, t.Step))
	if t.met, err = t.ws.Gradients(t.batch, t.Opts.Negatives, t.negRNG); err != nil {
		return t.met, fmt.Errorf("step %d: %w", t.Step+1, err)
	}
	met := &t.met
	opt, comm := time.Now(), t.ws.Times[cpc.Communication]
	defer func() { // the replicas' exchanges count as communication, not the optimizer's
		t.timing.Optimizer += time.Since(opt) - (t.ws.Times[cpc.Communication] - comm)
	}()
	if err := t.reduceGradients(); err != nil {
		return *met, fmt.Errorf("step %d: %w", t.Step+1, err)
	}
	norm, othersFinite, err := t.gradNorm(met.Loss)
	if err != nil {
		return *met, fmt.Errorf("step %d: %w", t.Step+1, err)
	}
	met.GradNorm = math.NaN()
	if finite(met.Loss) {
		met.GradNorm = norm
	}
	if !finite(met.Loss) || !finite(met.GradNorm) {
		return *met, fmt.Errorf("step %d: loss %v, gradient norm %v", t.Step+1, met.Loss, met.GradNorm)
	}
	if !othersFinite {
		return *met, fmt.Errorf("step %d: another replica's loss is not finite; see its message", t.Step+1)
	}
	if err := t.applyStep(norm); err != nil {
		return *met, fmt.Errorf("step %d: %w", t.Step+1, err)
	}
	t.Step++
	met.Step, met.LR, met.Seconds, met.BadFiles = t.Step, t.adam.RateAt(t.Step), time.Since(start).Seconds(), t.badFiles
	return *met, nil
}

// checkpoint saves the state into dir and redraws the plots there ("":
// nothing is written). Every replica calls it: it gathers their
// generators' states.
func (t *Trainer) checkpoint(dir string) error {
	if err := t.gatherMoments(); err != nil {
		return err
	}
	rngs, err := t.generatorStates()
	if err != nil || dir == "" {
		return err
	}
	if err := t.save(dir, rngs); err != nil {
		return err
	}
	t.saved = fmt.Sprintf("the checkpoint of step %d in %s is kept", t.Step, dir)
	if t.Plot == nil {
		return nil
	}
	return t.Plot(t.History, dir)
}

func (t *Trainer) savedNote() string {
	if t.saved == "" {
		return "no checkpoint of this run was written"
	}
	return t.saved
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// dropKey is the dropout key of the step after step steps of a run with
// seed: every replica of a group computes the same, and a resumed run
// the straight one's, with no generator state to keep.
func dropKey(seed uint64, step int) uint64 {
	return seed*0x9e3779b97f4a7c15 ^ uint64(step)
}
