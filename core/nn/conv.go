package nn

import "math/rand/v2"

// Conv1d is torch.nn.Conv1d with bias and no padding, on channels-last
// sequences: x is [n, In] row-major, y is [OutLen(n), Out].
//
// Channels-last makes im2col free: the receptive field of output t is the
// contiguous run x[t·Stride·In : (t·Stride+Kernel)·In], so the input seen as
// a Tout×(Kernel·In) matrix with row stride Stride·In feeds Gemm directly.
// The weight is therefore kept as [Out, Kernel, In]; PyTorch's order is
// [Out, In, Kernel] (Param.ToTorch converts).
type Conv1d[T Float] struct {
	In, Out, Kernel, Stride int
	W, B                    *Param[T]
}

// NewConv1d returns a layer named prefix.weight / prefix.bias, initialised
// as PyTorch does.
func NewConv1d[T Float](prefix string, in, out, kernel, stride int, rng *rand.Rand) *Conv1d[T] {
	l := &Conv1d[T]{In: in, Out: out, Kernel: kernel, Stride: stride,
		W: newParam[T](prefix+".weight", out, in, kernel),
		B: newParam[T](prefix+".bias", out)}
	bound := fanInBound(in * kernel)
	l.W.swapTail = 1
	l.W.initUniform(rng, bound)
	l.B.initUniform(rng, bound)
	return l
}

// OutLen is the number of outputs for n inputs (0 if n < Kernel).
func (l *Conv1d[T]) OutLen(n int) int {
	if n < l.Kernel {
		return 0
	}
	return (n-l.Kernel)/l.Stride + 1
}

// Forward computes y = conv(x) + bias for x of n steps; y has row stride
// ldy, with sc from NewScratch(n): the fast path (conv_pairs.go) if it
// applies, else the products directly.
func (l *Conv1d[T]) Forward(x []T, n int, y []T, ldy int, sc *ConvScratch[T]) {
	sc.check(n)
	if sc.Pairs() {
		l.forwardPairs(x, n, y, ldy, sc)
		return
	}
	m, width := l.OutLen(n), l.Kernel*l.In
	sc.pass.setRows(m, l.B.W, y, ldy)
	Gemm(false, true, m, l.Out, width, 1, x, l.Stride*l.In, l.W.W, width, 1, y, ldy)
}

// Backward adds the weight and bias gradients for upstream gradient dy, and
// if dx is not nil overwrites it with the gradient with respect to x. sc
// is the one the Forward of x had.
func (l *Conv1d[T]) Backward(x []T, n int, dy []T, ldy int, dx []T, sc *ConvScratch[T]) {
	sc.check(n)
	if sc.Pairs() {
		l.backwardPairs(x, n, dy, ldy, dx, sc)
		return
	}
	m, width := l.OutLen(n), l.Kernel*l.In
	sc.pass.addRowSums(l.B.G, m, l.Out, dy, ldy)
	Gemm(true, false, l.Out, width, m, 1, dy, ldy, x, l.Stride*l.In, 1, l.W.G, width)
	if dx == nil {
		return
	}
	clear(dx[:n*l.In])
	// Receptive fields overlap, so dx cannot take one Gemm with beta = 1.
	// Split the kernel into groups of Stride taps: within a group the
	// fields of successive outputs are disjoint rows of dx.
	step := l.Stride * l.In
	for off := 0; off < width; off += step {
		w := min(step, width-off)
		Gemm(false, false, m, w, l.Out, 1, dy, ldy, l.W.W[off:], width, 1, dx[off:], step)
	}
}
