// Package train runs CPC training: batches from a corpus, the InfoNCE step,
// Adam, metrics, plots and checkpoints that resume exactly.
package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/optim"
)

// Options are how a model is trained; its architecture is cpc.Arch. They
// are saved with the training state, so a resumed run continues exactly as
// the original would have, and with the weights, so a checkpoint says how
// it was made.
type Options struct {
	Window         int `json:"window"` // samples per training window
	Batch          int `json:"batch"`  // windows per step
	optim.Schedule     // Adam's learning rate, warm-up, decay and clipping
	Negatives      int `json:"negatives"` // sampled negatives per prediction; 0: the whole batch
	Speakers       int `json:"speakers"`  // speakers per batch; 0: windows uniformly over utterances
	// Curriculum, if any, holds the samplers of the first steps, each
	// until a step; Speakers follows the last.
	Curriculum []SamplerPhase `json:"curriculum,omitempty"`
	Seed       uint64         `json:"seed"`
	// Dropout is the probability that training zeroes a value of a
	// prediction (CPC_audio's; cpc.Workspace.SetDropout); 0, the paper's,
	// is left out of the JSON, so older runs' options read the same.
	Dropout float64 `json:"dropout,omitempty"`
	// AugmentPast, if set, is the rooms and noise the context network
	// hears each window through (cpc.Workspace.SetPast).
	AugmentPast *Augment `json:"augment_past,omitempty"`
}

// Defaults are the paper's: windows of 20480 samples, batch 8, Adam at a
// constant 2e-4, negatives from the whole batch, seed 1.
func Defaults() Options {
	return Options{Window: 20480, Batch: 8, Schedule: optim.Schedule{LR: 2e-4}, Seed: 1}
}

// ErrOptions is wrapped by every error of a setting that cannot work.
var ErrOptions = errors.New("training options")

// Validate reports the first setting that cannot work for a model of arch.
func (o Options) Validate(arch cpc.Arch) error {
	bad := func(format string, v ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrOptions}, v...)...)
	}
	switch {
	case o.Batch < 1:
		return bad("batch must be positive (got %d)", o.Batch)
	case arch.Frames(o.Window) <= arch.Predict:
		return bad("a window of %d samples gives %d frames, not more than the %d prediction steps",
			o.Window, arch.Frames(o.Window), arch.Predict)
	case o.Negatives < 0:
		return bad("negatives must be 0 (batch) or a positive count (got %d)", o.Negatives)
	case !(o.Dropout >= 0 && o.Dropout < 1):
		return bad("dropout must be at least 0 and below 1 (got %g)", o.Dropout)
	}
	if err := o.Schedule.Validate(); err != nil {
		return bad("%w", err)
	}
	if o.AugmentPast != nil {
		if err := o.AugmentPast.validate(); err != nil {
			return bad("%w", err)
		}
	}
	until := 0
	for _, p := range o.Curriculum {
		if err := checkSpeakers(p.Speakers, o.Batch); err != nil {
			return bad("%w", err)
		}
		if p.Until <= until {
			return bad("the sampler phases must end at increasing steps after 0 (got %d after %d)", p.Until, until)
		}
		until = p.Until
	}
	if err := checkSpeakers(o.Speakers, o.Batch); err != nil {
		return bad("%w", err)
	}
	return nil
}

func checkSpeakers(n, batch int) error {
	switch {
	case n < 0:
		return fmt.Errorf("speakers per batch must be 0 (uniform) or positive (got %d)", n)
	case n > batch:
		return fmt.Errorf("%d speakers per batch do not fit in a batch of %d windows", n, batch)
	}
	return nil
}

// SamplerPhase is the sampler of the steps before Until: Speakers per
// batch, 0 for windows uniformly over utterances.
type SamplerPhase struct {
	Speakers int `json:"speakers"`
	Until    int `json:"until"`
}

// SpeakersAt is the speakers per batch of the step after step steps: the
// first phase of the curriculum not yet over, else Speakers.
func (o Options) SpeakersAt(step int) int {
	for _, p := range o.Curriculum {
		if step < p.Until {
			return p.Speakers
		}
	}
	return o.Speakers
}

// JSON is the options as saved.
func (o Options) JSON() string {
	b, _ := json.Marshal(o) // plain fields always marshal
	return string(b)
}

// MetaKey is the checkpoint metadata key of the options a model was
// trained with.
const MetaKey = "training"

// OptionsOf returns the options a checkpoint's metadata records it was
// trained with; Defaults() where it records none. A checkpoint written
// before Arch and Options were split records window, batch and lr in its
// architecture ("config"), and they are read from there.
func OptionsOf(meta map[string]string) (Options, error) {
	if s, ok := meta[MetaKey]; ok {
		return parseOptions(s)
	}
	o := Defaults()
	var old legacyConfig
	if err := json.Unmarshal([]byte(meta["config"]), &old); err == nil {
		old.apply(&o)
	}
	return o, nil
}

// legacyConfig is what the architecture of an older checkpoint also held.
type legacyConfig struct {
	cpc.Arch
	Window int     `json:"window"`
	Batch  int     `json:"batch"`
	LR     float64 `json:"lr"`
}

func (c *legacyConfig) apply(o *Options) {
	if c.Window > 0 {
		o.Window = c.Window
	}
	if c.Batch > 0 {
		o.Batch = c.Batch
	}
	if c.LR > 0 {
		o.LR = c.LR
	}
}

// parseOptions reads options saved by JSON, or by an older version that
// kept window, batch and lr inside an architecture under "config". A
// setting this build does not know is an error, not silently dropped.
func parseOptions(s string) (Options, error) {
	var saved struct {
		Options
		Config *legacyConfig `json:"config"`
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&saved); err != nil {
		return Options{}, err
	}
	if saved.Config != nil {
		saved.Config.apply(&saved.Options)
	}
	return saved.Options, nil
}
