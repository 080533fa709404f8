package cpc

import (
	"fmt"
	"math/rand/v2"

	"github.com/gocpc/cpc/core/nn"
)

// Model is the CPC network: encoder convolutions (each followed by ReLU),
// the GRU context network and one bias-free predictor per future step.
// Its parameters carry the names and shapes of the equivalent PyTorch
// modules (encoder.convs.{i}, gru, predictors.{k}; with
// Arch.PredictorHidden, predictors.{k}.lin1 and .lin2: head.go).
//
// With Arch.ChannelNorm each convolution's output is normalised over its
// channels before the ReLU (encoder.norms.{i}), as in CPC_audio; with
// Arch.ContextLayers > 1 the context is a stack of GRU layers
// (gru.*_l{i}, torch.nn.GRU's num_layers).
type Model[T nn.Float] struct {
	Arch       Arch
	Convs      []*nn.Conv1d[T]
	Norms      []*nn.ChannelNorm[T] // one per convolution, or none
	GRU        *nn.GRU[T]           // the context's first layer, GRUs[0]
	GRUs       []*nn.GRU[T]         // every layer of the context, bottom first
	Predictors []*Predictor[T]      // Predictors[k−1] predicts z_{t+k} from c_t
	params     []*nn.Param[T]       // Params' list, made once so steps allocate nothing
}

// New returns a model of architecture arch initialised as PyTorch would, from rng (or all zero
// with a nil rng, to load weights into).
func New[T nn.Float](arch Arch, rng *rand.Rand) (*Model[T], error) {
	if err := arch.Validate(); err != nil {
		return nil, err
	}
	m := &Model[T]{Arch: arch}
	in := 1
	for i, k := range arch.Kernels {
		m.Convs = append(m.Convs, nn.NewConv1d[T](fmt.Sprintf("encoder.convs.%d", i), in, arch.Channels, k, arch.Strides[i], rng))
		in = arch.Channels
	}
	if arch.ChannelNorm {
		for i := range arch.Kernels {
			m.Norms = append(m.Norms, nn.NewChannelNorm[T](fmt.Sprintf("encoder.norms.%d", i), arch.Channels))
		}
	}
	in = arch.Channels
	for l := range arch.Layers() {
		m.GRUs = append(m.GRUs, nn.NewGRULayer[T](in, arch.Hidden, l, rng))
		in = arch.Hidden
	}
	m.GRU = m.GRUs[0]
	for k := 0; k < arch.Predict; k++ {
		m.Predictors = append(m.Predictors, newPredictor[T](arch, k, rng))
	}
	for _, c := range m.Convs {
		m.params = append(m.params, c.W, c.B)
	}
	for _, n := range m.Norms {
		m.params = append(m.params, n.W, n.B)
	}
	for _, g := range m.GRUs {
		m.params = append(m.params, g.Wih, g.Whh, g.Bih, g.Bhh)
	}
	for _, p := range m.Predictors {
		m.params = append(m.params, p.params()...)
	}
	return m, nil
}

// Params lists every parameter in a fixed order (the optimizer's and the
// checkpoint's).
func (m *Model[T]) Params() []*nn.Param[T] { return m.params }

// ZeroGrad clears every parameter gradient.
func (m *Model[T]) ZeroGrad() {
	for _, p := range m.Params() {
		clear(p.G)
	}
}
