// Package cpc is the Contrastive Predictive Coding model of van den Oord et
// al. (2018): a strided convolutional encoder, a GRU context network and K
// linear predictors trained with the InfoNCE loss.
package cpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Arch is a model's architecture: what its weights' shapes depend on. It
// travels as JSON in every checkpoint (the metadata key "config"). How a
// model is trained (window, batch, optimizer) is package train's Options.
type Arch struct {
	Name     string `json:"name"`
	Channels int    `json:"channels"`         // C: encoder width, size of z_t
	Hidden   int    `json:"hidden"`           // H: GRU width, size of c_t
	Predict  int    `json:"prediction_steps"` // K: futures z_{t+1..t+K}
	Kernels  []int  `json:"kernels"`          // encoder conv kernel sizes
	Strides  []int  `json:"strides"`          // encoder conv strides
	// The options below are CPC_audio's (Rivière et al. 2020); their zero
	// values are the paper's model, so checkpoints written before they
	// existed load with the same meaning, and JSON leaves them out.
	ChannelNorm   bool `json:"channel_norm,omitempty"`   // normalise each z step over channels after every conv
	ContextLayers int  `json:"context_layers,omitempty"` // stacked GRU layers (0 means 1)
	// MeanScores scores a prediction against a candidate by the mean of
	// their products over the C channels (CPC_audio's), not the sum: a
	// softmax temperature of C, which a normalised encoder needs, its z
	// being of norm about √C where the paper's starts near 0.
	MeanScores bool `json:"mean_scores,omitempty"`
	// PredictorHidden, if not 0, makes each predictor CPC_audio's
	// feed-forward head with this many hidden units (see Predictor).
	PredictorHidden int `json:"predictor_hidden,omitempty"`
}

// ErrArch is wrapped by every error of an architecture that cannot work.
var ErrArch = errors.New("architecture")

// The encoder of the paper: five convolutions, 160 samples per z_t.
var (
	paperKernels = []int{10, 8, 4, 4, 4}
	paperStrides = []int{5, 4, 2, 2, 2}
)

// Presets names the architectures Preset knows.
var Presets = []string{"paper", "small", "cpc_audio"}

// Preset returns a named architecture: "paper" (the paper's sizes),
// "small" (the same with C = H = 128, for the browser and the edge) or
// "cpc_audio" (small with CPC_audio's channel normalisation, mean scores
// and a two-layer GRU context; see the README's Evaluation for what each
// helps).
func Preset(name string) (Arch, error) {
	a := Arch{Name: name, Channels: 512, Hidden: 256, Predict: 12,
		Kernels: slices.Clone(paperKernels), Strides: slices.Clone(paperStrides)}
	switch name {
	case "paper":
	case "small":
		a.Channels, a.Hidden = 128, 128
	case "cpc_audio":
		a.Channels, a.Hidden = 128, 128
		a.ChannelNorm, a.ContextLayers, a.MeanScores = true, 2, true
	default:
		return Arch{}, fmt.Errorf("%w: unknown config %q (want one of %v)", ErrArch, name, Presets)
	}
	return a, nil
}

// Layers is the number of stacked GRU layers of the context network.
func (a Arch) Layers() int { return max(1, a.ContextLayers) }

// Hop is the number of samples between successive z_t.
func (a Arch) Hop() int {
	h := 1
	for _, s := range a.Strides {
		h *= s
	}
	return h
}

// Frames is the number of z_t the encoder makes from n samples.
func (a Arch) Frames(n int) int {
	for i, k := range a.Kernels {
		if n < k {
			return 0
		}
		n = (n-k)/a.Strides[i] + 1
	}
	return n
}

// ReceptiveField is the number of samples one z_t sees. This is the one
// statement of the frame↔sample mapping: frame t, z_t and the newest input
// of c_t, covers samples [t·Hop(), t·Hop() + ReceptiveField()).
func (a Arch) ReceptiveField() int {
	n := 1
	for i := len(a.Kernels) - 1; i >= 0; i-- {
		n = (n-1)*a.Strides[i] + a.Kernels[i]
	}
	return n
}

// Validate reports the first setting that cannot work.
func (a Arch) Validate() error {
	bad := func(format string, v ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrArch}, v...)...)
	}
	switch {
	case a.Channels < 1 || a.Hidden < 1:
		return bad("channels and hidden must be positive (got %d, %d)", a.Channels, a.Hidden)
	case a.Predict < 1:
		return bad("prediction_steps must be positive (got %d)", a.Predict)
	case len(a.Kernels) == 0 || len(a.Kernels) != len(a.Strides):
		return bad("need as many kernels as strides (got %v and %v)", a.Kernels, a.Strides)
	case slices.Min(a.Kernels) < 1 || slices.Min(a.Strides) < 1:
		return bad("kernels and strides must be positive (got %v and %v)", a.Kernels, a.Strides)
	case a.ContextLayers < 0 || a.ContextLayers > maxContextLayers:
		return bad("context_layers must be 1 to %d (got %d)", maxContextLayers, a.ContextLayers)
	case a.PredictorHidden < 0:
		return bad("predictor_hidden must be 0 (linear predictors) or positive (got %d)", a.PredictorHidden)
	case a.ChannelNorm && a.Channels < 2:
		// The variance over channels is the unbiased one, over C − 1.
		return bad("channel_norm needs at least 2 channels (got %d)", a.Channels)
	}
	return nil
}

// maxContextLayers bounds the GRU stack: deeper ones are no CPC model.
const maxContextLayers = 4

// Equal reports whether weights of a fit a model of b (and mean the same).
func (a Arch) Equal(b Arch) bool {
	return a.Channels == b.Channels && a.Hidden == b.Hidden && a.Predict == b.Predict &&
		slices.Equal(a.Kernels, b.Kernels) && slices.Equal(a.Strides, b.Strides) &&
		a.ChannelNorm == b.ChannelNorm && a.Layers() == b.Layers() && a.MeanScores == b.MeanScores &&
		a.PredictorHidden == b.PredictorHidden
}

// scoreScale is the factor of a score c_t·(W_kᵀ z): 1/C with MeanScores.
func (a Arch) scoreScale() float64 {
	if a.MeanScores {
		return 1 / float64(a.Channels)
	}
	return 1
}

// JSON is the architecture as stored in a checkpoint.
func (a Arch) JSON() string {
	b, _ := json.Marshal(a) // a struct of plain fields always marshals
	return string(b)
}

// ParseArch reads an architecture stored by JSON and validates it. The
// training fields that checkpoints before the split of Arch from
// train.Options stored beside it (window, batch, lr) are ignored here;
// train.OptionsOf reads them.
func ParseArch(s string) (Arch, error) {
	var a Arch
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return Arch{}, fmt.Errorf("%w: %w", ErrArch, err)
	}
	return a, a.Validate()
}
