package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/gocpc/cpc/asm"
)

// Conv2d is torch.nn.Conv2d with bias, a square kernel, stride and zero
// padding, on channels-last images: x is [n, H, W, In] row-major, y is
// [n, OH, OW, Out].
//
// Unlike Conv1d's, a receptive field is not one contiguous run (it is
// Kernel rows of Kernel·In values, and padding reads zeros), so im2col
// copies each field into a row of the cache's cols matrix,
// [n·OH·OW, Kernel·Kernel·In]; then y = cols·Wᵀ + b is one Gemm. The
// weight is kept as [Out, Kernel, Kernel, In]; PyTorch's order is
// [Out, In, Kernel, Kernel] (Param.ToTorch converts).
type Conv2d[T Float] struct {
	In, Out, Kernel, Stride, Pad int
	W, B                         *Param[T]
}

// NewConv2d returns a layer named prefix.weight / prefix.bias, initialised
// as PyTorch does.
func NewConv2d[T Float](prefix string, in, out, kernel, stride, pad int, rng *rand.Rand) *Conv2d[T] {
	l := &Conv2d[T]{In: in, Out: out, Kernel: kernel, Stride: stride, Pad: pad,
		W: newParam[T](prefix+".weight", out, in, kernel, kernel),
		B: newParam[T](prefix+".bias", out)}
	bound := fanInBound(in * kernel * kernel)
	l.W.swapTail = 2
	l.W.initUniform(rng, bound)
	l.B.initUniform(rng, bound)
	return l
}

// OutSize is the output side for an input side of s (0 if the padded
// input is narrower than the kernel).
func (l *Conv2d[T]) OutSize(s int) int {
	if s+2*l.Pad < l.Kernel {
		return 0
	}
	return (s+2*l.Pad-l.Kernel)/l.Stride + 1
}

// Conv2dCache is a layer's working memory for n images of H×W: the im2col
// matrix Forward fills and Backward reuses. Keep one per layer with the
// activations.
type Conv2dCache[T Float] struct {
	N, H, W, OH, OW int
	cols            []T // [N·OH·OW, Kernel·Kernel·In]
	pass            pass[T]
	fields          fields[T]
}

// NewCache returns the memory for n images of h×w.
func (l *Conv2d[T]) NewCache(n, h, w int) *Conv2dCache[T] {
	c := &Conv2dCache[T]{N: n, H: h, W: w, OH: l.OutSize(h), OW: l.OutSize(w)}
	c.cols = make([]T, n*c.OH*c.OW*l.Kernel*l.Kernel*l.In)
	return c
}

// Forward computes y = conv(x) + bias for the cache's n images; y has one
// row of Out values per output pixel.
func (l *Conv2d[T]) Forward(x, y []T, c *Conv2dCache[T]) {
	c.check(l, x)
	m, width := c.N*c.OH*c.OW, l.Kernel*l.Kernel*l.In
	c.fields.run(l, c, x, false)
	c.pass.setRows(m, l.B.W, y, l.Out)
	Gemm(false, true, m, l.Out, width, 1, c.cols, width, l.W.W, width, 1, y, l.Out)
}

// Backward adds the weight and bias gradients for upstream gradient dy and,
// if dx is not nil, overwrites it with the gradient with respect to x. c
// is the cache the Forward of x filled; computing dx overwrites it (the
// fields' gradients take its place), so a second Backward needs a Forward
// first.
func (l *Conv2d[T]) Backward(x, dy, dx []T, c *Conv2dCache[T]) {
	c.check(l, x)
	m, width := c.N*c.OH*c.OW, l.Kernel*l.Kernel*l.In
	c.pass.addRowSums(l.B.G, m, l.Out, dy, l.Out)
	Gemm(true, false, l.Out, width, m, 1, dy, l.Out, c.cols, width, 1, l.W.G, width)
	if dx == nil {
		return
	}
	// The fields' gradients, then each added back where its field came from.
	Gemm(false, false, m, width, l.Out, 1, dy, l.Out, l.W.W, width, 0, c.cols, width)
	clear(dx[:c.N*c.H*c.W*l.In])
	c.fields.run(l, c, dx, true)
}

func (c *Conv2dCache[T]) check(l *Conv2d[T], x []T) {
	if len(x) < c.N*c.H*c.W*l.In {
		panic(fmt.Sprintf("nn: Conv2d cache for %d images of %d×%d×%d, given %d values", c.N, c.H, c.W, l.In, len(x)))
	}
}

// fields copies receptive fields between images and the cols matrix, one
// image a part: im2col (gather) or its adjoint (scatter-add, col2im).
type fields[T Float] struct {
	l       *Conv2d[T]
	c       *Conv2dCache[T]
	x       []T
	scatter bool
}

func (f *fields[T]) run(l *Conv2d[T], c *Conv2dCache[T], x []T, scatter bool) {
	f.l, f.c, f.x, f.scatter = l, c, x, scatter
	asm.Parallel(c.N, f)
	f.l, f.c, f.x = nil, nil, nil
}

// Part moves the fields of image i. Kernel rows outside the image are
// zero in cols (gather) and dropped (scatter); so are columns, per tap.
func (f *fields[T]) Part(i int) {
	l, c := f.l, f.c
	k, in := l.Kernel, l.In
	width := k * k * in
	img := f.x[i*c.H*c.W*in:][:c.H*c.W*in]
	for oy := range c.OH {
		for ox := range c.OW {
			row := f.c.cols[((i*c.OH+oy)*c.OW+ox)*width:][:width]
			y0, x0 := oy*l.Stride-l.Pad, ox*l.Stride-l.Pad
			for ky := range k {
				y := y0 + ky
				seg := row[ky*k*in:][:k*in]
				if y < 0 || y >= c.H {
					if !f.scatter {
						clear(seg)
					}
					continue
				}
				// Taps kx in [lo, hi) fall inside the image.
				lo := min(k, max(0, -x0))
				hi := max(lo, min(k, c.W-x0))
				if !f.scatter {
					clear(seg[:lo*in])
					if hi > lo {
						copy(seg[lo*in:hi*in], img[(y*c.W+x0+lo)*in:])
					}
					clear(seg[hi*in:])
					continue
				}
				if hi > lo {
					dst := img[(y*c.W+x0+lo)*in:][:(hi-lo)*in]
					for j, v := range seg[lo*in : hi*in] {
						dst[j] += v
					}
				}
			}
		}
	}
}
