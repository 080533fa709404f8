// Package session is an interactive training session, as the browser demo
// drives it: utterances added, retagged and removed while a model trains
// a few steps at a time on the one trainer of package train. It has no
// syscall/js: the browser's module only converts arguments and results,
// and this logic is tested natively.
package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/train"
)

// Session is the state a page works on: the utterances, the model and
// its trainer. Calls come one at a time (training yields between steps,
// and other calls run only then), so nothing here needs a lock.
type Session struct {
	// corpus is replaced on every change, never changed in place: the
	// trainer reads the next step's windows from the one it was given
	// while a step runs, and sees the change at its next SetCorpus.
	corpus   data.Corpus
	stale    bool // the corpus changed since the trainer last saw it
	model    *cpc.Model[float32]
	opts     train.Options  // the settings the next trainer gets
	trainer  *train.Trainer // nil until a training call builds it
	base     int            // steps the model had before this trainer
	last     *cpc.Metrics
	rate     speed
	training bool
	group    dist.Group // the replicas training together; nil: alone
}

// Settings are the page's training fields. A zero window, batch or
// learning rate keeps the current one (the defaults' for a new model, what
// an imported checkpoint records); the other options are the defaults.
type Settings struct {
	Config        string // preset, for a new model: small (default) or paper
	Window, Batch int
	LR            float64
	Seed          uint64
}

// options returns train.Defaults() with s's settings, or cur's window,
// batch and learning rate where s has none.
func (s Settings) options(cur train.Options) (train.Options, error) {
	if s.Window < 0 || s.Batch < 0 || s.LR < 0 {
		return train.Options{}, fmt.Errorf("window, batch and learning rate must be positive (got %d, %d, %g)", s.Window, s.Batch, s.LR)
	}
	o := train.Defaults()
	o.Window, o.Batch, o.LR = cmp.Or(s.Window, cur.Window), cmp.Or(s.Batch, cur.Batch), cmp.Or(s.LR, cur.LR)
	o.Seed = s.Seed
	return o, nil
}

// ErrNoModel is the error of a call that needs a model before there is one.
var ErrNoModel = errors.New("no model: create one or import a checkpoint first")

// NewModel replaces the model with a fresh one of preset s.Config.
func (se *Session) NewModel(s Settings) error {
	arch, err := cpc.Preset(cmp.Or(s.Config, "small"))
	if err != nil {
		return err
	}
	opts, err := s.options(train.Defaults())
	if err != nil {
		return err
	}
	m, err := train.NewModel(arch, opts.Seed)
	if err != nil {
		return err
	}
	return se.setModel(m, opts, 0)
}

// LoadModel replaces the model with a checkpoint's; training continues
// from its step with the window, batch and learning rate it records, or
// s's (Adam starts afresh: a checkpoint holds no optimizer state).
func (se *Session) LoadModel(b []byte, s Settings) error {
	m, meta, err := cpc.Decode(b)
	if err != nil {
		return fmt.Errorf("not a checkpoint of this program: %w", err)
	}
	recorded, err := train.OptionsOf(meta)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	opts, err := s.options(recorded)
	if err != nil {
		return err
	}
	step := 0
	if v, ok := meta["step"]; ok {
		if step, err = strconv.Atoi(v); err != nil || step < 0 {
			return fmt.Errorf("checkpoint: step %q is not a step number", v)
		}
	}
	return se.setModel(m, opts, step)
}

// setModel makes m, at step, the model, if opts fit it.
func (se *Session) setModel(m *cpc.Model[float32], opts train.Options, step int) error {
	if err := opts.Validate(m.Arch); err != nil {
		return err
	}
	se.model, se.opts, se.trainer, se.base, se.last = m, opts, nil, step, nil
	return nil
}

// Configure changes the training settings of the model; the next step
// builds a new trainer, so Adam starts afresh.
func (se *Session) Configure(s Settings) error {
	if se.model == nil {
		return ErrNoModel
	}
	opts, err := s.options(se.opts)
	if err != nil {
		return err
	}
	return se.setModel(se.model, opts, se.Steps())
}

// Model returns the model (nil before one is made) and its options.
func (se *Session) Model() (*cpc.Model[float32], train.Options) { return se.model, se.opts }

// Steps is the number of updates the model has had.
func (se *Session) Steps() int {
	if se.trainer == nil {
		return se.base
	}
	return se.base + se.trainer.Step
}

// Last returns the metrics of the last step (nil before the first).
func (se *Session) Last() *cpc.Metrics { return se.last }

// SetGroup makes the session replica g.Rank() of g (nil or dist.Single:
// alone), as package train's replicas are: each trains on its share of the
// batch, and the gradients are summed once a step. Training is then
// collective: every replica of g calls Train with the same n, a model of
// the same architecture, the same settings and the same utterances (rank
// 0's weights are sent to the others when training starts, and the
// global batch is drawn from the utterances). The next step builds a new
// trainer, so Adam starts afresh.
func (se *Session) SetGroup(g dist.Group) {
	se.group = g
	if se.trainer != nil {
		se.base, se.trainer = se.Steps(), nil
	}
}

// Train runs up to n steps, calling after with each step's metrics (Step
// counts the model's updates, StepsPerSec is smoothed over a few steps);
// it stops early when after returns false: at once when training alone;
// in a group of replicas after the next step, which takes the vote to
// every replica, so that all stop at the same step. after is where the
// page's messages get through.
func (se *Session) Train(n int, after func(cpc.Metrics) bool) (*cpc.Metrics, error) {
	switch {
	case se.model == nil:
		return nil, ErrNoModel
	case se.training:
		return nil, errors.New("training is already running")
	case n < 1:
		return nil, fmt.Errorf("steps must be positive (got %d)", n)
	}
	se.training = true
	defer func() { se.training = false }()
	if err := se.prepare(); err != nil {
		return se.last, err
	}
	t := se.trainer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := t.Run(ctx, train.Plan{Steps: t.Step + n, LogEvery: n}, func(m cpc.Metrics) error {
		m = m.Clone()
		m.Step, m.StepsPerSec = se.base+m.Step, se.rate.add(m.Seconds)
		se.last = &m
		if !after(m) {
			cancel()
		}
		return se.prepare() // the changes made while after ran
	})
	if errors.Is(err, train.ErrInterrupted) {
		err = nil
	}
	return se.last, err
}

// prepare builds the trainer, or shows it the utterances added, removed or
// retagged since the last step.
func (se *Session) prepare() error {
	if se.trainer == nil {
		g := se.group
		if g == nil {
			g = dist.Single
		}
		t, err := train.NewReplica(g, se.model, se.opts, &se.corpus)
		if err != nil {
			return err
		}
		se.trainer, se.stale, se.rate = t, false, 0
	}
	if se.stale {
		if err := se.trainer.SetCorpus(&se.corpus); err != nil {
			return err
		}
		se.stale = false
	}
	return nil
}

// Add keeps the audio x (16 kHz mono) as utterance id of speaker.
func (se *Session) Add(id, speaker string, x []float32) error {
	switch {
	case id == "" || speaker == "":
		return errors.New("an utterance needs an id and a speaker")
	case se.find(id) >= 0:
		return fmt.Errorf("%s is already loaded", id)
	case slices.ContainsFunc(x, func(v float32) bool { return math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) }):
		return fmt.Errorf("%s holds samples that are not finite numbers", id)
	case len(x) < se.minSamples():
		return fmt.Errorf("%s is too short: %.3f s, the encoder needs at least %d samples (%.3f s)",
			id, float64(len(x))/audio.SampleRate, se.minSamples(), float64(se.minSamples())/audio.SampleRate)
	}
	// Kept sorted by id, as a corpus is: then training draws the same
	// batches whatever order the files arrived in.
	i, _ := slices.BinarySearchFunc(se.corpus.Utterances, id, func(u data.Utterance, id string) int { return strings.Compare(u.ID, id) })
	se.corpus.Utterances = slices.Insert(slices.Clip(se.corpus.Utterances), i, data.Utterance{ID: id, Speaker: speaker, Audio: x})
	se.stale = true
	return nil
}

// minSamples is the receptive field of the model's encoder, or the
// presets' (they share the paper's encoder) when there is no model yet.
func (se *Session) minSamples() int {
	if se.model != nil {
		return se.model.Arch.ReceptiveField()
	}
	arch, _ := cpc.Preset("small") // a known name
	return arch.ReceptiveField()
}

func (se *Session) find(id string) int {
	return slices.IndexFunc(se.corpus.Utterances, func(u data.Utterance) bool { return u.ID == id })
}

func (se *Session) utterance(id string) (*data.Utterance, error) {
	i := se.find(id)
	if i < 0 {
		return nil, fmt.Errorf("no utterance %s", id)
	}
	return &se.corpus.Utterances[i], nil
}

// SetSpeaker retags utterance id.
func (se *Session) SetSpeaker(id, speaker string) error {
	i := se.find(id)
	switch {
	case i < 0:
		return fmt.Errorf("no utterance %s", id)
	case speaker == "":
		return fmt.Errorf("%s: the speaker tag cannot be empty", id)
	}
	se.corpus.Utterances = slices.Clone(se.corpus.Utterances)
	se.corpus.Utterances[i].Speaker, se.stale = speaker, true
	return nil
}

// Remove forgets utterance id.
func (se *Session) Remove(id string) error {
	i := se.find(id)
	if i < 0 {
		return fmt.Errorf("no utterance %s", id)
	}
	se.corpus.Utterances = slices.Concat(se.corpus.Utterances[:i], se.corpus.Utterances[i+1:])
	se.stale = true
	return nil
}

// Embed returns the c_t of x.
func (se *Session) Embed(x []float32) (cpc.Embedding, error) {
	if se.model == nil {
		return cpc.Embedding{}, ErrNoModel
	}
	return cpc.Embed(se.model, x, cpc.Context)
}

// EmbedMeans returns the mean c_t of each utterance in ids, n rows of H
// values; an utterance longer than maxSamples (if positive) is cut to its
// middle maxSamples, so that a plot costs the same however long the files.
func (se *Session) EmbedMeans(ids []string, maxSamples int) ([]float32, error) {
	var out []float32
	for _, id := range ids {
		u, err := se.utterance(id)
		if err != nil {
			return nil, err
		}
		x := u.Audio
		if maxSamples > 0 && len(x) > maxSamples {
			from := (len(x) - maxSamples) / 2
			x = x[from : from+maxSamples]
		}
		e, err := se.Embed(x)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		out = append(out, e.Mean().Data...)
	}
	return out, nil
}

// Export returns the model as a checkpoint, model.safetensors's bytes,
// recording its step and training settings.
func (se *Session) Export() ([]byte, error) {
	if se.model == nil {
		return nil, ErrNoModel
	}
	return se.model.Encode(map[string]string{"step": strconv.Itoa(se.Steps()), train.MetaKey: se.opts.JSON()})
}

// speed is a smoothed steps-per-second figure.
type speed float64

// add takes a step of seconds into the figure, smoothed over a few steps,
// and returns it.
func (r *speed) add(seconds float64) float64 {
	if *r == 0 {
		*r = speed(1 / seconds)
	}
	*r += 0.3 * (speed(1/seconds) - *r)
	return float64(*r)
}
