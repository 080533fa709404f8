package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

var conv2dCases = []struct{ in, out, kernel, stride, pad, n, h, w int }{
	{1, 2, 3, 1, 1, 2, 5, 4}, // same-size output
	{3, 4, 3, 2, 1, 3, 7, 6}, // stride, odd and even sides
	{2, 3, 3, 1, 0, 1, 4, 5}, // valid
	{2, 1, 3, 2, 2, 2, 3, 3}, // padding wider than the stride
	{1, 2, 2, 3, 0, 2, 8, 7}, // stride past the kernel: some pixels unseen
	{2, 2, 3, 1, 4, 1, 2, 3}, // padding beyond the kernel: all-zero fields
	{3, 5, 1, 1, 0, 2, 3, 2}, // 1×1
}

func TestConv2dGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range conv2dCases {
		l := NewConv2d[float64]("c", c.in, c.out, c.kernel, c.stride, c.pad, rng)
		cache := l.NewCache(c.n, c.h, c.w)
		x := randVec(rng, c.n*c.h*c.w*c.in)
		dy := randVec(rng, c.n*cache.OH*cache.OW*c.out)
		y := make([]float64, len(dy))
		loss := func() float64 { l.Forward(x, y, cache); return dot(y, dy) }
		loss()
		dx := randVec(rng, len(x)) // overwritten
		l.Backward(x, dy, dx, cache)
		checkGrad(t, "conv2d dx", x, dx, loss)
		checkGrad(t, "conv2d dW", l.W.W, l.W.G, loss)
		checkGrad(t, "conv2d db", l.B.W, l.B.G, loss)
	}
}

// TestConv2dMatchesDirect checks the forward pass against torch.nn.Conv2d's
// definition written out in PyTorch's weight layout, so a layout or
// padding slip cannot pass as a self-consistent gradient.
func TestConv2dMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, c := range conv2dCases {
		l := NewConv2d[float64]("c", c.in, c.out, c.kernel, c.stride, c.pad, rng)
		cache := l.NewCache(c.n, c.h, c.w)
		oh, ow := cache.OH, cache.OW
		x := randVec(rng, c.n*c.h*c.w*c.in)
		y := make([]float64, c.n*oh*ow*c.out)
		l.Forward(x, y, cache)
		wt, k := l.W.ToTorch(l.W.W), c.kernel // [out, in, k, k]
		for b := range c.n {
			for oy := range oh {
				for ox := range ow {
					for o := range c.out {
						s := l.B.W[o]
						for i := range c.in {
							for ky := range k {
								for kx := range k {
									iy, ix := oy*c.stride-c.pad+ky, ox*c.stride-c.pad+kx
									if iy < 0 || iy >= c.h || ix < 0 || ix >= c.w {
										continue
									}
									s += wt[((o*c.in+i)*k+ky)*k+kx] * x[((b*c.h+iy)*c.w+ix)*c.in+i]
								}
							}
						}
						got := y[((b*oh+oy)*ow+ox)*c.out+o]
						if math.Abs(got-s) > 1e-12*max(1, math.Abs(s)) {
							t.Fatalf("%+v: y[%d,%d,%d,%d] = %.15g, want %.15g", c, b, oy, ox, o, got, s)
						}
					}
				}
			}
		}
	}
}

func TestConv2dTorchLayoutRoundTrip(t *testing.T) {
	l := NewConv2d[float32]("c", 3, 2, 3, 1, 1, rand.New(rand.NewPCG(1, 1)))
	torch := l.W.ToTorch(l.W.W)
	// PyTorch's element [o=1, i=2, ky=0, kx=1] is ours [o=1, ky=0, kx=1, i=2].
	if torch[((1*3+2)*3+0)*3+1] != l.W.W[((1*3+0)*3+1)*3+2] {
		t.Fatal("ToTorch does not map [o,i,ky,kx] to [o,ky,kx,i]")
	}
	checkTorchRoundTrip(t, l.W)
}

// checkTorchRoundTrip checks that FromTorch undoes ToTorch on p's values.
func checkTorchRoundTrip(t *testing.T, p *Param[float32]) {
	t.Helper()
	old := append([]float32(nil), p.W...)
	clear(p.W)
	p.FromTorch(p.W, p.ToTorch(old))
	for i := range old {
		if old[i] != p.W[i] {
			t.Fatalf("%s: FromTorch(ToTorch()) changed the weight", p.Name)
		}
	}
}
