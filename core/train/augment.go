package train

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/room"
)

// Augment is the past augmentation of a run (cpc.Workspace.SetPast): the
// context network reads every window through a room and noise of its own,
// drawn uniformly from these ranges, and predicts the encoding of the
// window as it is. The rooms are room.ImpulseResponse's with a DRR of
// AugmentDRR, the noise pink, as `make corpus` draws them per utterance.
type Augment struct {
	RT60 *room.Range `json:"rt60_s,omitempty"` // reverberation time, seconds; nil: no room
	SNR  *room.Range `json:"snr_db,omitempty"` // signal-to-noise ratio, dB; nil: no noise
}

// AugmentDRR is the rooms' direct-to-reverberant ratio in dB, `make
// corpus`'s default.
const AugmentDRR = 3

// String is the augmentation as ParseAugment reads it.
func (a *Augment) String() string {
	var parts []string
	if a.RT60 != nil {
		parts = append(parts, "rt60="+a.RT60.String())
	}
	if a.SNR != nil {
		parts = append(parts, "snr="+a.SNR.String())
	}
	return strings.Join(parts, ",")
}

// ParseAugment reads "rt60=LO:HI,snr=LO:HI" (either part alone; a single
// value is a fixed one): RT60 in seconds, SNR in dB. "" or "none" is no
// augmentation (nil).
func ParseAugment(s string) (*Augment, error) {
	if s == "" || s == "none" {
		return nil, nil
	}
	a := &Augment{}
	for _, part := range strings.Split(s, ",") {
		name, value, _ := strings.Cut(part, "=")
		r, err := room.ParseRange(value)
		if err != nil {
			return nil, fmt.Errorf("augmentation %q: %s: %v", s, name, err)
		}
		switch name {
		case "rt60":
			a.RT60 = &r
		case "snr":
			a.SNR = &r
		default:
			return nil, fmt.Errorf("augmentation %q: %q is not rt60=SECONDS or snr=DB (a value, or a range LO:HI)", s, part)
		}
	}
	return a, a.validate()
}

// validate reports a range that cannot be drawn from.
func (a *Augment) validate() error {
	if a.RT60 == nil && a.SNR == nil {
		return fmt.Errorf("augmentation names neither rt60 nor snr")
	}
	if r := a.RT60; r != nil && !(r.Lo > 0 && r.Lo <= r.Hi && r.Hi <= 2) {
		return fmt.Errorf("augmentation: RT60 %s s: want 0 < LO ≤ HI ≤ 2", r)
	}
	if r := a.SNR; r != nil && !(r.Lo >= -20 && r.Lo <= r.Hi && r.Hi <= 100) {
		return fmt.Errorf("augmentation: SNR %s dB: want -20 ≤ LO ≤ HI ≤ 100", r)
	}
	return nil
}

// augmenter draws the past windows of a run's batches into buffers sized
// once. Each window's room and noise come from a generator of its own,
// keyed by the seed, the step and the window's place in the global batch:
// replicas draw what one process would, a resumed run what the straight
// one did, and no generator state needs saving.
type augmenter struct {
	Augment
	seed        uint64
	pcg         *rand.PCG // reseeded for each window
	rng         *rand.Rand
	conv        *room.Convolver
	x, h, noise []float64
}

func newAugmenter(a *Augment, seed uint64, window int) *augmenter {
	g := &augmenter{Augment: *a, seed: seed, x: make([]float64, window), pcg: rand.NewPCG(0, 0)}
	g.rng = rand.New(g.pcg)
	if a.RT60 != nil {
		n := room.ResponseLen(a.RT60.Hi, audio.SampleRate)
		g.conv, g.h = room.NewConvolver(window, n), make([]float64, 0, n)
	}
	if a.SNR != nil {
		g.noise = make([]float64, 0, window)
	}
	return g
}

// augmentKey separates the augmentation's generators from the run's others.
var augmentKey = func() uint64 { h := fnv.New64a(); h.Write([]byte("past augmentation")); return h.Sum64() }()

// apply writes into past the windows of batch through their rooms and
// noise: step is the run's (0-based), first the global index of batch's
// first window.
func (g *augmenter) apply(batch, past []float32, step, first int) error {
	n := len(g.x)
	for b := range len(batch) / n {
		g.pcg.Seed(g.seed^augmentKey, uint64(step)<<20|uint64(first+b))
		rng, x := g.rng, g.x
		for i, v := range batch[b*n : (b+1)*n] {
			x[i] = float64(v)
		}
		if room.Power(x) == 0 { // a silent window has no SNR, and stays silent
			copy(past[b*n:(b+1)*n], batch[b*n:(b+1)*n])
			continue
		}
		if g.RT60 != nil {
			h, err := room.AppendImpulseResponse(g.h, rng, g.RT60.Draw(rng), AugmentDRR, audio.SampleRate)
			if err != nil {
				return err
			}
			g.conv.Apply(x, h, x)
		}
		if g.SNR != nil {
			noise, err := room.AppendNoise(g.noise, rng, n, room.Pink)
			if err != nil {
				return err
			}
			if err := room.Mix(x, noise, g.SNR.Draw(rng), x); err != nil {
				return err
			}
		}
		for i, v := range x {
			past[b*n+i] = float32(v)
		}
	}
	return nil
}
