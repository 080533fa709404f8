package nn

import (
	"math"
	"math/rand/v2"
)

// Param is one trainable tensor: its values, its gradient, and the name and
// shape it has in the PyTorch module the model mirrors.
type Param[T Float] struct {
	Name  string
	Shape []int // PyTorch's shape
	W, G  []T
	// swapTail > 0: W is stored with axis len(Shape)−1−swapTail of Shape
	// moved behind the swapTail axes after it (PyTorch's convolution
	// [Out, In, k…] kept as [Out, k…, In]).
	swapTail int
}

// ToTorch returns a copy of v (W, G or any per-element state of p) in
// PyTorch's layout.
func (p *Param[T]) ToTorch(v []T) []T {
	t := make([]T, len(v))
	if p.swapTail == 0 {
		copy(t, v)
		return t
	}
	rows, b, c := p.lastTwo()
	for r := 0; r < rows; r++ {
		for i := 0; i < b; i++ {
			for j := 0; j < c; j++ {
				t[(r*b+i)*c+j] = v[(r*c+j)*b+i]
			}
		}
	}
	return t
}

// FromTorch writes t, in PyTorch's layout, into dst in p's layout.
func (p *Param[T]) FromTorch(dst, t []T) {
	if p.swapTail == 0 {
		copy(dst, t)
		return
	}
	rows, b, c := p.lastTwo()
	for r := 0; r < rows; r++ {
		for i := 0; i < b; i++ {
			for j := 0; j < c; j++ {
				dst[(r*c+j)*b+i] = t[(r*b+i)*c+j]
			}
		}
	}
}

// lastTwo splits Shape into (product of the leading axes, the axis that
// moves, product of the swapTail axes after it).
func (p *Param[T]) lastTwo() (rows, b, c int) {
	n := len(p.Shape)
	b, c = p.Shape[n-1-p.swapTail], 1
	for _, d := range p.Shape[n-p.swapTail:] {
		c *= d
	}
	return len(p.W) / (b * c), b, c
}

func newParam[T Float](name string, shape ...int) *Param[T] {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &Param[T]{Name: name, Shape: shape, W: make([]T, n), G: make([]T, n)}
}

// initUniform draws W from U(−bound, bound), the distribution PyTorch's
// default initialisers reduce to for Conv1d, Linear and GRU. A nil rng
// leaves W zero, for a model whose weights are about to be loaded.
func (p *Param[T]) initUniform(rng *rand.Rand, bound float64) {
	if rng == nil {
		return
	}
	for i := range p.W {
		p.W[i] = T((2*rng.Float64() - 1) * bound)
	}
}

// fanInBound is 1/√fan_in: kaiming_uniform(a=√5) for weights and the bias
// rule of Conv1d and Linear both come to this.
func fanInBound(fanIn int) float64 { return 1 / math.Sqrt(float64(fanIn)) }
