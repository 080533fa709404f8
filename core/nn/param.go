package nn

import (
	"math"
	"math/rand/v2"
)

// Param is one trainable tensor: its values, its gradient, and the name and
// shape it has in the PyTorch module the model mirrors.
type Param[T Float] struct {
	Name  string
	Shape []int // PyTorch's shape; the layout of W is the layer's own
	W, G  []T
}

func newParam[T Float](name string, shape ...int) *Param[T] {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &Param[T]{Name: name, Shape: shape, W: make([]T, n), G: make([]T, n)}
}

// initUniform draws W from U(−bound, bound), the distribution PyTorch's
// default initialisers reduce to for Conv1d, Linear and GRU.
func (p *Param[T]) initUniform(rng *rand.Rand, bound float64) {
	for i := range p.W {
		p.W[i] = T((2*rng.Float64() - 1) * bound)
	}
}

// fanInBound is 1/√fan_in: kaiming_uniform(a=√5) for weights and the bias
// rule of Conv1d and Linear both come to this.
func fanInBound(fanIn int) float64 { return 1 / math.Sqrt(float64(fanIn)) }

// addRowSums adds the sum of the rows of an m×n matrix (row stride ld) to g:
// the gradient of a bias added to every row.
func addRowSums[T Float](g []T, m, n int, x []T, ld int) {
	for i := 0; i < m; i++ {
		for j, v := range x[i*ld : i*ld+n] {
			g[j] += v
		}
	}
}

// setRows writes v into each of m rows (row stride ld): a bias before the
// matmul that accumulates onto it.
func setRows[T Float](m int, v []T, y []T, ld int) {
	for i := 0; i < m; i++ {
		copy(y[i*ld:i*ld+len(v)], v)
	}
}
