package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// gruRun is one forward and backward pass of a float32 GRU from fixed
// weights and inputs, everything it writes kept.
type gruRun struct {
	h, dx, wih, whh, bih, bhh []float32
}

func runGRU(in, hidden, steps, batch int) gruRun {
	rng := rand.New(rand.NewPCG(3, 4))
	g := NewGRU[float32](in, hidden, rng)
	c := g.NewCache(steps, batch)
	vec := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	x, dh := vec(steps*batch*in), vec(steps*batch*hidden)
	r := gruRun{h: make([]float32, steps*batch*hidden), dx: make([]float32, len(x))}
	g.Forward(x, r.h, c)
	h := slices.Clone(r.h)
	g.Backward(x, h, dh, r.dx, c)
	r.wih, r.whh, r.bih, r.bhh = g.Wih.G, g.Whh.G, g.Bih.G, g.Bhh.G
	return r
}

func (r gruRun) diff(o gruRun) string {
	for _, v := range []struct {
		name string
		a, b []float32
	}{{"h", r.h, o.h}, {"dx", r.dx, o.dx}, {"dW_ih", r.wih, o.wih}, {"dW_hh", r.whh, o.whh},
		{"db_ih", r.bih, o.bih}, {"db_hh", r.bhh, o.bhh}} {
		for i := range v.a {
			if math.Float32bits(v.a[i]) != math.Float32bits(v.b[i]) {
				return fmt.Sprintf("%s[%d] = %v, want %v", v.name, i, v.a[i], v.b[i])
			}
		}
	}
	return ""
}

// TestGRUThreadsBitIdentical checks that the steps split by batch rows,
// on any number of threads and with the recurrent products in column
// blocks (serialFlops lowered), give the one-thread results bit for bit:
// every row is computed as on one thread.
func TestGRUThreadsBitIdentical(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer func(f int) { serialFlops = f }(serialFlops)
	// H = 40: 3H = 120 columns, not a whole number of tiles; batch 9 (a
	// full tile of 8 rows and one more on one thread) splits unevenly.
	const in, hidden, steps, batch = 24, 40, 9, 9
	want := runGRU(in, hidden, steps, batch)
	for _, flops := range []int{1 << 20, 1} {
		serialFlops = flops // 1: blocks of 32 columns
		for _, procs := range []int{1, 2, 3, 5, 8} {
			runtime.GOMAXPROCS(procs)
			if d := runGRU(in, hidden, steps, batch).diff(want); d != "" {
				t.Errorf("%d threads, serialFlops %d: %s", procs, flops, d)
			}
		}
	}
}

// BenchmarkGRU times the GRU of the paper config (C = 512, H = 256) and
// the small one (C = H = 128), 128 steps of a batch of 8, forward and
// backward; run it with -cpu 1,2.
func BenchmarkGRU(b *testing.B) {
	for _, c := range []struct {
		name       string
		in, hidden int
	}{{"paper", 512, 256}, {"small", 128, 128}} {
		const steps, batch = 128, 8
		rng := rand.New(rand.NewPCG(1, 2))
		g := NewGRU[float32](c.in, c.hidden, rng)
		cache := g.NewCache(steps, batch)
		x := make([]float32, steps*batch*c.in)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		n := steps * batch * c.hidden
		h, dh, dx := make([]float32, n), make([]float32, n), make([]float32, len(x))
		b.Run(c.name+"/forward", func(b *testing.B) {
			for range b.N {
				g.Forward(x, h, cache)
			}
		})
		b.Run(c.name+"/backward", func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				g.Forward(x, h, cache)
				for i := range dh {
					dh[i] = 1e-3
				}
				b.StartTimer()
				g.Backward(x, h, dh, dx, cache)
			}
		})
	}
}
