package nn

import "math/rand/v2"

// Linear is torch.nn.Linear: y = x·Wᵀ + b with W [Out, In], the bias b
// [Out] left out (nil) where bias=False.
type Linear[T Float] struct {
	In, Out int
	W, B    *Param[T]
}

// NewLinear returns a bias-free layer named prefix.weight, initialised as
// PyTorch does.
func NewLinear[T Float](prefix string, in, out int, rng *rand.Rand) *Linear[T] {
	l := &Linear[T]{In: in, Out: out, W: newParam[T](prefix+".weight", out, in)}
	l.W.initUniform(rng, fanInBound(in))
	return l
}

// NewBiasedLinear is NewLinear with a bias, prefix.bias, drawn after the
// weight from the same bound, as PyTorch does.
func NewBiasedLinear[T Float](prefix string, in, out int, rng *rand.Rand) *Linear[T] {
	l := NewLinear[T](prefix, in, out, rng)
	l.B = newParam[T](prefix+".bias", out)
	l.B.initUniform(rng, fanInBound(in))
	return l
}

// Forward computes y = x·Wᵀ (+ b) for m rows; x and y have row strides
// ldx, ldy.
func (l *Linear[T]) Forward(m int, x []T, ldx int, y []T, ldy int) {
	var beta T
	if l.B != nil {
		for i := range m {
			copy(y[i*ldy:i*ldy+l.Out], l.B.W)
		}
		beta = 1
	}
	Gemm(false, true, m, l.Out, l.In, 1, x, ldx, l.W.W, l.In, beta, y, ldy)
}

// Backward adds dWᵀ·x to the weight gradient, dy's column sums to the
// bias's, and dy·W to dx.
func (l *Linear[T]) Backward(m int, x []T, ldx int, dy []T, ldy int, dx []T) {
	Gemm(true, false, l.Out, l.In, m, 1, dy, ldy, x, ldx, 1, l.W.G, l.In)
	if l.B != nil {
		for i := range m {
			for j, v := range dy[i*ldy : i*ldy+l.Out] {
				l.B.G[j] += v
			}
		}
	}
	Gemm(false, false, m, l.In, l.Out, 1, dy, ldy, l.W.W, l.In, 1, dx, ldx)
}

// TransposedForward computes y = x·W for m rows of Out values: the layer's
// transpose, taking Out-dim rows to In-dim rows (bias-free layers only).
// InfoNCE scores W·c against z as c against Wᵀ·z, with this.
func (l *Linear[T]) TransposedForward(m int, x []T, ldx int, y []T, ldy int) {
	Gemm(false, false, m, l.In, l.Out, 1, x, ldx, l.W.W, l.In, 0, y, ldy)
}

// TransposedBackward adds xᵀ·dy to the weight gradient and dy·Wᵀ to dx.
func (l *Linear[T]) TransposedBackward(m int, x []T, ldx int, dy []T, ldy int, dx []T) {
	Gemm(true, false, l.Out, l.In, m, 1, x, ldx, dy, ldy, 1, l.W.G, l.In)
	Gemm(false, true, m, l.Out, l.In, 1, dy, ldy, l.W.W, l.In, 1, dx, ldx)
}
