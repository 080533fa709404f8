package nn

import "math/rand/v2"

// Linear is a bias-free torch.nn.Linear: y = x·Wᵀ with W [Out, In].
type Linear[T Float] struct {
	In, Out int
	W       *Param[T]
}

// NewLinear returns a layer named prefix.weight, initialised as PyTorch does.
func NewLinear[T Float](prefix string, in, out int, rng *rand.Rand) *Linear[T] {
	l := &Linear[T]{In: in, Out: out, W: newParam[T](prefix+".weight", out, in)}
	l.W.initUniform(rng, fanInBound(in))
	return l
}

// Forward computes y = x·Wᵀ for m rows; x and y have row strides ldx, ldy.
func (l *Linear[T]) Forward(m int, x []T, ldx int, y []T, ldy int) {
	Gemm(false, true, m, l.Out, l.In, 1, x, ldx, l.W.W, l.In, 0, y, ldy)
}

// Backward adds dWᵀ·x to the weight gradient and dy·W to dx.
func (l *Linear[T]) Backward(m int, x []T, ldx int, dy []T, ldy int, dx []T) {
	Gemm(true, false, l.Out, l.In, m, 1, dy, ldy, x, ldx, 1, l.W.G, l.In)
	Gemm(false, false, m, l.In, l.Out, 1, dy, ldy, l.W.W, l.In, 1, dx, ldx)
}

// TransposedForward computes y = x·W for m rows of Out values: the layer's
// transpose, taking Out-dim rows to In-dim rows. InfoNCE scores W·c against
// z as c against Wᵀ·z, with this.
func (l *Linear[T]) TransposedForward(m int, x []T, ldx int, y []T, ldy int) {
	Gemm(false, false, m, l.In, l.Out, 1, x, ldx, l.W.W, l.In, 0, y, ldy)
}

// TransposedBackward adds xᵀ·dy to the weight gradient and dy·Wᵀ to dx.
func (l *Linear[T]) TransposedBackward(m int, x []T, ldx int, dy []T, ldy int, dx []T) {
	Gemm(true, false, l.Out, l.In, m, 1, x, ldx, dy, ldy, 1, l.W.G, l.In)
	Gemm(false, true, m, l.Out, l.In, 1, dy, ldy, l.W.W, l.In, 1, dx, ldx)
}
