package nn

import (
	"math"

	"github.com/gocpc/cpc/asm"
)

// ChannelNorm is CPC_audio's channel normalisation (Rivière et al. 2020)
// on channels-last rows: each row, the C channels of one time step of
// one sequence, is normalised by its own mean and variance, then scaled
// and shifted per channel:
//
//	y = (x − μ) / √(σ² + ε) · weight + bias,  μ = Σx/C,  σ² = Σ(x − μ)²/(C − 1)
//
// σ² is the unbiased variance, as torch.var (CPC_audio's) computes it,
// and ε = 1e-5. Unlike batch normalisation it has no running statistics
// and treats every time step alike, so training and inference agree and
// a window's features do not depend on the rest of the batch.
type ChannelNorm[T Float] struct {
	Channels int
	W, B     *Param[T] // weight and bias, [C]
}

// normEps is CPC_audio's ε.
const normEps = 1e-5

// NewChannelNorm returns a layer named prefix.weight / prefix.bias,
// initialised as CPC_audio does: weight 1, bias 0.
func NewChannelNorm[T Float](prefix string, channels int) *ChannelNorm[T] {
	l := &ChannelNorm[T]{Channels: channels,
		W: newParam[T](prefix+".weight", channels), B: newParam[T](prefix+".bias", channels)}
	for i := range l.W.W {
		l.W.W[i] = 1
	}
	return l
}

// NormCache holds what Backward needs from Forward (each row's normalised
// values and 1/√(σ² + ε)) for rows rows, and runs the passes on the
// worker pool. Keep one per layer and workspace: its pointer goes to
// asm.Parallel, so a pass allocates nothing.
type NormCache[T Float] struct {
	rows      int
	xhat      []T // [rows, C]
	rstd      []T // [rows]
	l         *ChannelNorm[T]
	y         []T // the rows of the current pass
	op, chunk int
}

const (
	normForward = iota
	normParamGrads
	normInputGrads
)

// NewCache returns the cache for inputs of rows rows.
func (l *ChannelNorm[T]) NewCache(rows int) *NormCache[T] {
	return &NormCache[T]{rows: rows, xhat: make([]T, rows*l.Channels), rstd: make([]T, rows)}
}

// Forward normalises the cache's rows of y ([rows, C]) in place.
func (l *ChannelNorm[T]) Forward(y []T, c *NormCache[T]) {
	c.run(l, normForward, y)
}

// Backward takes dy, the gradient of the rows Forward wrote, adds the
// weight and bias gradients and replaces dy by the gradient of Forward's
// input. With g = dy·weight and x̂ the normalised row,
//
//	dx = (g − Σg/C − x̂·Σ(g·x̂)/(C − 1)) / √(σ² + ε)
//
// (the last term's C − 1 is the unbiased variance's).
func (l *ChannelNorm[T]) Backward(dy []T, c *NormCache[T]) {
	c.run(l, normParamGrads, dy)
	c.run(l, normInputGrads, dy)
}

// normChunk is the values a part of a pass handles.
const normChunk = 1 << 14

func (c *NormCache[T]) run(l *ChannelNorm[T], op int, y []T) {
	C := l.Channels
	c.l, c.op, c.y = l, op, y[:c.rows*C]
	parts := 0
	if op == normParamGrads { // by columns: each sum runs over the rows in order
		parts = max(1, min((c.rows*C+normChunk-1)/normChunk, C/sumColumns))
		c.chunk = (C + parts - 1) / parts
	} else {
		c.chunk = max(1, normChunk/C)
		parts = (c.rows + c.chunk - 1) / c.chunk
	}
	asm.Parallel(parts, c)
	c.l, c.y = nil, nil
}

// Part does part i of the current pass: rows [i·chunk, (i+1)·chunk), or
// for the parameter gradients those columns.
func (c *NormCache[T]) Part(i int) {
	C := c.l.Channels
	if c.op == normParamGrads {
		lo, hi := i*c.chunk, min((i+1)*c.chunk, C)
		dw, db := c.l.W.G[lo:hi], c.l.B.G[lo:hi]
		for r := range c.rows {
			dy, xhat := c.y[r*C+lo:][:hi-lo], c.xhat[r*C+lo:][:hi-lo]
			for j, d := range dy {
				dw[j] += d * xhat[j]
				db[j] += d
			}
		}
		return
	}
	for r := i * c.chunk; r < min((i+1)*c.chunk, c.rows); r++ {
		if c.op == normForward {
			c.forwardRow(r)
		} else {
			c.backwardRow(r)
		}
	}
}

// forwardRow normalises row r, its sums in float64.
func (c *NormCache[T]) forwardRow(r int) {
	C := c.l.Channels
	y, xhat := c.y[r*C:][:C], c.xhat[r*C:][:C]
	var sum, sq float64
	for _, v := range y {
		sum += float64(v)
	}
	mean := sum / float64(C)
	for _, v := range y {
		d := float64(v) - mean
		sq += d * d
	}
	rstd := 1 / math.Sqrt(sq/float64(C-1)+normEps)
	c.rstd[r] = T(rstd)
	w, b := c.l.W.W, c.l.B.W
	for j, v := range y {
		xhat[j] = T((float64(v) - mean) * rstd)
		y[j] = xhat[j]*w[j] + b[j]
	}
}

// backwardRow replaces row r of dy by the input's gradient.
func (c *NormCache[T]) backwardRow(r int) {
	C := c.l.Channels
	dy, xhat, w := c.y[r*C:][:C], c.xhat[r*C:][:C], c.l.W.W
	var sg, sgx float64
	for j, d := range dy {
		g := float64(d * w[j])
		sg += g
		sgx += g * float64(xhat[j])
	}
	mean, proj, rstd := sg/float64(C), sgx/float64(C-1), float64(c.rstd[r])
	for j, d := range dy {
		dy[j] = T((float64(d*w[j]) - mean - float64(xhat[j])*proj) * rstd)
	}
}
