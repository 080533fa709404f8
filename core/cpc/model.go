package cpc

import (
	"fmt"
	"math/rand/v2"

	"github.com/gocpc/cpc/core/nn"
)

// Model is the CPC network: encoder convolutions (each followed by ReLU),
// the GRU context network and one bias-free predictor per future step.
// Its parameters carry the names and shapes of the equivalent PyTorch
// modules (encoder.convs.{i}, gru, predictors.{k}).
type Model[T nn.Float] struct {
	Arch       Arch
	Convs      []*nn.Conv1d[T]
	GRU        *nn.GRU[T]
	Predictors []*nn.Linear[T] // Predictors[k−1] predicts z_{t+k} from c_t
	params     []*nn.Param[T]  // Params' list, made once so steps allocate nothing
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
	m.GRU = nn.NewGRU[T](arch.Channels, arch.Hidden, rng)
	for k := 0; k < arch.Predict; k++ {
		m.Predictors = append(m.Predictors, nn.NewLinear[T](fmt.Sprintf("predictors.%d", k), arch.Hidden, arch.Channels, rng))
	}
	for _, c := range m.Convs {
		m.params = append(m.params, c.W, c.B)
	}
	g := m.GRU
	m.params = append(m.params, g.Wih, g.Whh, g.Bih, g.Bhh)
	for _, p := range m.Predictors {
		m.params = append(m.params, p.W)
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
