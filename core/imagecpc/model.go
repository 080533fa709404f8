package imagecpc

import (
	"fmt"
	"math/rand/v2"

	"github.com/gocpc/cpc/core/nn"
)

// Model is the image CPC network: the patch encoder's 3×3 convolutions
// (each followed by ReLU, then a mean over the patch), the column GRU and
// one bias-free predictor per row step. Parameters carry the names and
// shapes of the equivalent PyTorch modules (encoder.convs.{i}, gru,
// predictors.{k}).
type Model[T nn.Float] struct {
	Arch       Arch
	Convs      []*nn.Conv2d[T]
	GRU        *nn.GRU[T]
	Predictors []*nn.Linear[T] // Predictors[k−1] predicts z_{i+k,j} from c_{i,j}
	params     []*nn.Param[T]
}

// New returns a model of architecture arch initialised as PyTorch would,
// from rng (all zero with a nil rng).
func New[T nn.Float](arch Arch, rng *rand.Rand) (*Model[T], error) {
	if err := arch.Validate(); err != nil {
		return nil, err
	}
	m := &Model[T]{Arch: arch}
	in := 1
	for i, s := range arch.Strides {
		out := arch.Channels
		if i == len(arch.Strides)-1 {
			out = arch.Dim
		}
		c := nn.NewConv2d[T](fmt.Sprintf("encoder.convs.%d", i), in, out, 3, s, 1, rng)
		m.Convs = append(m.Convs, c)
		m.params = append(m.params, c.W, c.B)
		in = out
	}
	g := nn.NewGRU[T](arch.Dim, arch.Hidden, rng)
	m.GRU = g
	m.params = append(m.params, g.Wih, g.Whh, g.Bih, g.Bhh)
	for k := range arch.Predict {
		p := nn.NewLinear[T](fmt.Sprintf("predictors.%d", k), arch.Hidden, arch.Dim, rng)
		m.Predictors = append(m.Predictors, p)
		m.params = append(m.params, p.W)
	}
	return m, nil
}

// Params lists every parameter in a fixed order (the optimizer's and a
// checkpoint's).
func (m *Model[T]) Params() []*nn.Param[T] { return m.params }

// ZeroGrad clears every parameter gradient.
func (m *Model[T]) ZeroGrad() {
	for _, p := range m.params {
		clear(p.G)
	}
}
