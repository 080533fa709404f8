// Package train runs CPC training: batches from a corpus, the InfoNCE step,
// Adam, metrics, plots and checkpoints that resume exactly.
package train

import (
	"encoding/json"
	"fmt"

	"github.com/gocpc/cpc/core/cpc"
)

// Options are the settings of a run. Everything but the bookkeeping fields
// (Steps, Out, SaveEvery, LogEvery) is saved with the training state, so a
// resumed run continues exactly as the original would have.
type Options struct {
	Config    cpc.Config `json:"config"`
	Negatives int        `json:"negatives"` // sampled negatives per prediction; 0: the whole batch
	Speakers  int        `json:"speakers"`  // speakers per batch; 0: windows uniformly over utterances
	// Curriculum, if any, holds the samplers of the first steps, each
	// until a step; Speakers follows the last.
	Curriculum []SamplerPhase `json:"curriculum,omitempty"`
	Warmup     int            `json:"warmup"` // linear warm-up steps
	Decay      int            `json:"decay"`  // step where the cosine decay reaches 0; 0: none
	Clip       float64        `json:"clip"`   // global gradient norm bound; 0: none
	Seed       uint64         `json:"seed"`

	Steps     int    `json:"-"` // train until this many steps are done
	Out       string `json:"-"` // directory for checkpoints, metrics and plots
	SaveEvery int    `json:"-"` // steps between checkpoints; 0: only at the end
	LogEvery  int    `json:"-"` // steps averaged into one metrics line
}

// Validate reports the first setting that cannot work.
func (o Options) Validate() error {
	if err := o.Config.Validate(); err != nil {
		return err
	}
	switch {
	case o.Negatives < 0:
		return fmt.Errorf("negatives must be 0 (batch) or a positive count (got %d)", o.Negatives)
	case o.Warmup < 0:
		return fmt.Errorf("warmup must not be negative (got %d)", o.Warmup)
	case o.Decay < 0 || o.Decay > 0 && o.Decay <= o.Warmup:
		return fmt.Errorf("decay must be 0 (none) or a step after the warm-up's %d (got %d)", o.Warmup, o.Decay)
	case o.Clip < 0:
		return fmt.Errorf("clip must not be negative (got %g)", o.Clip)
	case o.Steps < 0:
		return fmt.Errorf("steps must not be negative (got %d)", o.Steps)
	case o.SaveEvery < 0:
		return fmt.Errorf("save-every must not be negative (got %d)", o.SaveEvery)
	case o.LogEvery < 1:
		return fmt.Errorf("log-every must be positive (got %d)", o.LogEvery)
	}
	until := 0
	for _, p := range o.Curriculum {
		if err := checkSpeakers(p.Speakers, o.Config.Batch); err != nil {
			return err
		}
		if p.Until <= until {
			return fmt.Errorf("the sampler phases must end at increasing steps after 0 (got %d after %d)", p.Until, until)
		}
		until = p.Until
	}
	return checkSpeakers(o.Speakers, o.Config.Batch)
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

func (o Options) json() string {
	b, _ := json.Marshal(o) // plain fields always marshal
	return string(b)
}
