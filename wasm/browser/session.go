//go:build js && wasm

package main

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/train"
)

// session is what the page works on: the utterances, the model and its
// trainer. JavaScript calls in one at a time (training yields between
// steps, and other calls run only then), so nothing here needs a lock.
type session struct {
	corpus   data.Corpus
	stale    bool // the corpus changed since the trainer last saw it
	model    *cpc.Model[float32]
	opts     train.Options  // the settings the next trainer gets
	trainer  *train.Trainer // nil until a training call builds it
	base     int            // steps the model had before this trainer
	last     *stepMetrics
	rate     float64 // smoothed steps per second
	training bool
}

// settings are the page's training fields; zero keeps the current value
// (the preset's for a new model, the checkpoint's for an imported one).
type settings struct {
	Config        string // preset, for a new model: small (default) or paper
	Window, Batch int
	LR            float64
	Seed          uint64
}

func (s settings) options(cfg cpc.Config) (train.Options, error) {
	if s.Window < 0 || s.Batch < 0 || s.LR < 0 {
		return train.Options{}, fmt.Errorf("window, batch and learning rate must be positive (got %d, %d, %g)", s.Window, s.Batch, s.LR)
	}
	if s.Window > 0 {
		cfg.Window = s.Window
	}
	if s.Batch > 0 {
		cfg.Batch = s.Batch
	}
	if s.LR > 0 {
		cfg.LR = s.LR
	}
	opts := train.Options{Config: cfg, Seed: s.Seed, LogEvery: 1}
	return opts, opts.Validate()
}

// stepMetrics are one step's figures, as the page shows them.
type stepMetrics struct {
	Step           int
	Loss, Accuracy float64
	LossK, AccK    []float64
	GradNorm       float64
	StepsPerSec    float64 // smoothed over a few steps
	Seconds        float64 // this step's training time alone
}

var errNoModel = errors.New("no model: create one or import a checkpoint first")

// newModel replaces the model with a fresh one of preset s.Config.
func (se *session) newModel(s settings) error {
	cfg, err := cpc.Preset(cmp.Or(s.Config, "small"))
	if err != nil {
		return err
	}
	opts, err := s.options(cfg)
	if err != nil {
		return err
	}
	m, err := train.NewModel(opts)
	if err != nil {
		return err
	}
	se.setModel(m, opts, 0)
	return nil
}

// loadModel replaces the model with a checkpoint's; training continues
// from its step with the settings s (Adam starts afresh: a checkpoint
// holds no optimizer state).
func (se *session) loadModel(b []byte, s settings) error {
	m, meta, err := cpc.Decode(b)
	if err != nil {
		return fmt.Errorf("not a checkpoint of this program: %v", err)
	}
	opts, err := s.options(m.Config)
	if err != nil {
		return err
	}
	step := 0
	if v, ok := meta["step"]; ok {
		if step, err = strconv.Atoi(v); err != nil || step < 0 {
			return fmt.Errorf("checkpoint: step %q is not a step number", v)
		}
	}
	se.setModel(m, opts, step)
	return nil
}

func (se *session) setModel(m *cpc.Model[float32], opts train.Options, step int) {
	se.model, se.opts, se.trainer, se.base, se.last = m, opts, nil, step, nil
}

// configure changes the training settings of the model; the next step
// builds a new trainer, so Adam starts afresh.
func (se *session) configure(s settings) error {
	if se.model == nil {
		return errNoModel
	}
	opts, err := s.options(se.model.Config)
	if err != nil {
		return err
	}
	se.base, se.opts, se.trainer = se.steps(), opts, nil
	return nil
}

// steps is the number of updates the model has had.
func (se *session) steps() int {
	if se.trainer == nil {
		return se.base
	}
	return se.base + se.trainer.Step
}

// train runs up to n steps, calling after with each step's metrics; it
// stops early when after returns false. after is where the page's
// messages get through.
func (se *session) train(n int, after func(stepMetrics) bool) (*stepMetrics, error) {
	switch {
	case se.model == nil:
		return nil, errNoModel
	case se.training:
		return nil, errors.New("training is already running")
	case n < 1:
		return nil, fmt.Errorf("steps must be positive (got %d)", n)
	}
	se.training = true
	defer func() { se.training = false }()
	for i := 0; i < n; i++ {
		if err := se.prepare(); err != nil {
			return se.last, err
		}
		start := time.Now()
		met, norm, err := se.trainer.TrainBatch()
		if err != nil {
			return se.last, err
		}
		secs := time.Since(start).Seconds()
		if se.rate == 0 {
			se.rate = 1 / secs
		}
		se.rate += 0.3 * (1/secs - se.rate) // smooth over a few steps
		se.last = &stepMetrics{Step: se.steps(), Loss: met.Loss, Accuracy: met.Accuracy,
			LossK: met.LossK, AccK: met.AccK, GradNorm: norm, StepsPerSec: se.rate, Seconds: secs}
		if !after(*se.last) {
			break
		}
	}
	return se.last, nil
}

// prepare builds the trainer, or shows it the utterances added, removed or
// retagged since the last step.
func (se *session) prepare() error {
	if se.trainer == nil {
		t, err := train.NewFrom(se.opts, se.model, &se.corpus)
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

// add keeps the audio x (16 kHz mono) as utterance id of speaker.
func (se *session) add(id, speaker string, x []float32) error {
	switch {
	case id == "" || speaker == "":
		return errors.New("an utterance needs an id and a speaker")
	case se.find(id) >= 0:
		return fmt.Errorf("%s is already loaded", id)
	case slices.ContainsFunc(x, func(v float32) bool { return math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) }):
		return fmt.Errorf("%s holds samples that are not finite numbers", id)
	case len(x) < se.minSamples():
		return fmt.Errorf("%s is too short: %.3f s, the encoder needs at least %d samples (%.3f s)",
			id, float64(len(x))/16000, se.minSamples(), float64(se.minSamples())/16000)
	}
	// Kept sorted by id, as a corpus is: then training draws the same
	// batches whatever order the files arrived in.
	i, _ := slices.BinarySearchFunc(se.corpus.Utterances, id, func(u data.Utterance, id string) int { return strings.Compare(u.ID, id) })
	se.corpus.Utterances = slices.Insert(se.corpus.Utterances, i, data.Utterance{ID: id, Speaker: speaker, Audio: x})
	se.stale = true
	return nil
}

// minSamples is the receptive field of the model's encoder, or the
// presets' (they share the paper's encoder) when there is no model yet.
func (se *session) minSamples() int {
	if se.model != nil {
		return se.model.Config.ReceptiveField()
	}
	cfg, _ := cpc.Preset("small") // a known name
	return cfg.ReceptiveField()
}

func (se *session) find(id string) int {
	return slices.IndexFunc(se.corpus.Utterances, func(u data.Utterance) bool { return u.ID == id })
}

func (se *session) utterance(id string) (*data.Utterance, error) {
	i := se.find(id)
	if i < 0 {
		return nil, fmt.Errorf("no utterance %s", id)
	}
	return &se.corpus.Utterances[i], nil
}

func (se *session) setSpeaker(id, speaker string) error {
	u, err := se.utterance(id)
	if err != nil {
		return err
	}
	if speaker == "" {
		return fmt.Errorf("%s: the speaker tag cannot be empty", id)
	}
	u.Speaker, se.stale = speaker, true
	return nil
}

func (se *session) remove(id string) error {
	i := se.find(id)
	if i < 0 {
		return fmt.Errorf("no utterance %s", id)
	}
	se.corpus.Utterances = slices.Delete(se.corpus.Utterances, i, i+1)
	se.stale = true
	return nil
}

// embed returns c_t of x, frames rows of H values.
func (se *session) embed(x []float32) ([]float32, error) {
	if se.model == nil {
		return nil, errNoModel
	}
	_, c := se.model.Embed(x)
	if c == nil {
		return nil, fmt.Errorf("%d samples is too short: the encoder needs at least %d", len(x), se.minSamples())
	}
	return c, nil
}

// embedMeans returns the mean c_t of each utterance in ids, n rows of H
// values; an utterance longer than maxSamples (if positive) is cut to its
// middle maxSamples, so that a plot costs the same however long the files.
func (se *session) embedMeans(ids []string, maxSamples int) ([]float32, error) {
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
		c, err := se.embed(x)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", id, err)
		}
		out = append(out, cpc.MeanRow(c, se.model.Config.Hidden)...)
	}
	return out, nil
}

// export returns the model as a checkpoint, model.safetensors's bytes.
func (se *session) export() ([]byte, error) {
	if se.model == nil {
		return nil, errNoModel
	}
	return se.model.Encode(map[string]string{"step": strconv.Itoa(se.steps())})
}
