package nn

import "fmt"

// The fast path of a convolution whose kernel is twice its stride (every
// layer of the CPC encoder): cut x into blocks d_j of Stride steps
// (Stride·In values, contiguous in channels-last rows) and the weight into
// its two halves g0, g1 (each Out × Stride·In). Then output t is
//
//	y_t = b + g0·d_t + g1·d_{t+1},
//
// a kernel-2 convolution over blocks, and Winograd's F(2, 2) computes two
// outputs with three products instead of four:
//
//	v = (g0 + g1)·d_{2s+1}
//	y_{2s}   = b + g0·(d_{2s} − d_{2s+1})   + v
//	y_{2s+1} = b + g1·(d_{2s+2} − d_{2s+1}) + v
//
// The weight and input gradients take the same three-for-four form. All of
// it is exact algebra; rounding differs from the direct products only by
// the extra additions, with coefficients ±1.

// ConvScratch is a layer's working memory for one input length, with the
// fast path's buffers when it applies: keep it with the activations, one
// per layer, and pass it to both passes (Backward reuses what Forward left
// in it).
type ConvScratch[T Float] struct {
	n      int // input rows it was made for
	u0, u2 []T // [pairs, Stride·In]: d_{2s} − d_{2s+1} and d_{2s+2} − d_{2s+1}
	v, h   []T // [pairs, Out]
	gs, m  []T // [Out, Stride·In]: g0 + g1, and the shared weight-gradient term
	pass   pass[T]
}

// pairsMinWidth is the narrowest block (Stride·In) the fast path takes:
// below it the products are too thin for the saved quarter to outweigh
// the transforms (the first layer's blocks are 5 samples). Tests lower it.
var pairsMinWidth = 64

// ConvPairs reports whether a layer of this shape takes the fast path
// (given inputs of whole block pairs): three products instead of four.
func ConvPairs(in, kernel, stride int) bool {
	return kernel == 2*stride && stride*in >= pairsMinWidth
}

// NewScratch returns the memory for inputs of n rows. It takes the fast
// path when the layer is ConvPairs and n a whole number (at least two) of
// block pairs.
func (l *Conv1d[T]) NewScratch(n int) *ConvScratch[T] {
	sc, bw := &ConvScratch[T]{n: n}, l.Stride*l.In
	if !ConvPairs(l.In, l.Kernel, l.Stride) || n%(2*l.Stride) != 0 || n < 4*l.Stride {
		return sc
	}
	pairs := n / (2 * l.Stride)
	sc.u0, sc.u2 = make([]T, pairs*bw), make([]T, pairs*bw)
	sc.v, sc.h = make([]T, pairs*l.Out), make([]T, pairs*l.Out)
	sc.gs, sc.m = make([]T, l.Out*bw), make([]T, l.Out*bw)
	return sc
}

// Pairs reports whether the scratch takes the fast path.
func (sc *ConvScratch[T]) Pairs() bool { return sc.u0 != nil }

func (sc *ConvScratch[T]) check(n int) {
	if n != sc.n {
		panic(fmt.Sprintf("nn: convolution scratch made for %d input rows, used with %d", sc.n, n))
	}
}

// forwardPairs is Forward's fast path. With nb = n/Stride blocks there are
// nb − 1 outputs: nb/2 − 1 whole pairs, then the last output alone.
func (l *Conv1d[T]) forwardPairs(x []T, n int, y []T, ldy int, sc *ConvScratch[T]) {
	bw, out, nb := l.Stride*l.In, l.Out, n/l.Stride
	full, last := nb/2-1, nb-2
	w, b, p := l.W.W, l.B.W, &sc.pass // w: [Out, 2·bw], g0 | g1
	p.diffsAround(full, bw, x, bw, 1, nb, sc.u0, sc.u2)
	p.pairSums(out, bw, w, 2*bw, bw, sc.gs)
	Gemm(false, true, full, out, bw, 1, sc.u0, bw, w, 2*bw, 0, y, 2*ldy)
	Gemm(false, true, full, out, bw, 1, sc.u2, bw, w[bw:], 2*bw, 0, y[ldy:], 2*ldy)
	Gemm(false, true, full, out, bw, 1, x[bw:], 2*bw, sc.gs, bw, 0, sc.v, out)
	p.addTwice(full, out, sc.v, b, y, 2*ldy, ldy)
	copy(y[last*ldy:][:out], b)
	Gemm(false, true, 1, out, 2*bw, 1, x[last*bw:], 2*bw, w, 2*bw, 1, y[last*ldy:], ldy)
}

// backwardPairs is Backward's fast path, on what forwardPairs left in sc.
//
// Weight gradient, over the whole pairs: with M = Σ (dy_{2s} + dy_{2s+1})ᵀ d_{2s+1},
//
//	∂g0 += Σ dy_{2s}ᵀ (d_{2s} − d_{2s+1})   + M
//	∂g1 += Σ dy_{2s+1}ᵀ (d_{2s+2} − d_{2s+1}) + M
//
// and the last output adds its own outer product. Input gradient: block j
// gets dy_j·g0 + dy_{j−1}·g1 (dy zero outside its nb − 1 rows), so over
// block pairs, with p = dy_{2s}·(g0 + g1),
//
//	∂d_{2s}   = (dy_{2s−1} − dy_{2s})·g1 + p
//	∂d_{2s+1} = (dy_{2s+1} − dy_{2s})·g0 + p
func (l *Conv1d[T]) backwardPairs(x []T, n int, dy []T, ldy int, dx []T, sc *ConvScratch[T]) {
	bw, out, nb := l.Stride*l.In, l.Out, n/l.Stride
	full, last, pairs := nb/2-1, nb-2, nb/2
	w, g, p := l.W.W, l.W.G, &sc.pass
	p.addRowSums(l.B.G, nb-1, out, dy, ldy)
	p.pairSums(full, out, dy, 2*ldy, ldy, sc.v)
	Gemm(true, false, out, bw, full, 1, dy, 2*ldy, sc.u0, bw, 1, g, 2*bw)
	Gemm(true, false, out, bw, full, 1, dy[ldy:], 2*ldy, sc.u2, bw, 1, g[bw:], 2*bw)
	Gemm(true, false, out, bw, full, 1, sc.v, out, x[bw:], 2*bw, 0, sc.m, bw)
	p.addTwice(out, bw, sc.m, nil, g, 2*bw, bw)
	Gemm(true, false, out, 2*bw, 1, 1, dy[last*ldy:], ldy, x[last*bw:], 2*bw, 1, g, 2*bw)
	if dx == nil {
		return
	}
	p.diffsAround(pairs, out, dy, ldy, 0, nb-1, sc.v, sc.h)
	Gemm(false, false, pairs, bw, out, 1, sc.v, out, w[bw:], 2*bw, 0, dx, 2*bw)
	Gemm(false, false, pairs, bw, out, 1, sc.h, out, w, 2*bw, 0, dx[bw:], 2*bw)
	Gemm(false, false, pairs, bw, out, 1, dy, 2*ldy, sc.gs, bw, 0, sc.u0, bw) // u0 is free now
	p.addTwice(pairs, bw, sc.u0, nil, dx, 2*bw, bw)
}
