package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// newTestNorm returns a channel norm with random weight and bias (not
// the initial 1 and 0, which would hide a swapped or missing term).
func newTestNorm(rng *rand.Rand, channels int) *ChannelNorm[float64] {
	l := NewChannelNorm[float64]("n", channels)
	copy(l.W.W, randVec(rng, channels))
	copy(l.B.W, randVec(rng, channels))
	return l
}

func TestChannelNormGradients(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		rng := rand.New(rand.NewPCG(11, 12))
		const rows, channels = 5, 6
		l := newTestNorm(rng, channels)
		c := l.NewCache(rows)
		x, dout := randVec(rng, rows*channels), randVec(rng, rows*channels)
		y := make([]float64, len(x))
		loss := func() float64 { copy(y, x); l.Forward(y, c); return dot(y, dout) }
		loss()
		dx := slices.Clone(dout)
		l.Backward(dx, c)
		checkGrad(t, "norm dx", x, dx, loss)
		checkGrad(t, "norm weight", l.W.W, l.W.G, loss)
		checkGrad(t, "norm bias", l.B.W, l.B.G, loss)
	}
}

// TestChannelNormMatchesDefinition checks the forward over many parts
// against the definition computed directly in float64, float32's forward
// and backward against float64's (whose backward the finite differences
// check), and that the thread count changes no bit.
func TestChannelNormMatchesDefinition(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rng := rand.New(rand.NewPCG(13, 14))
	const rows, channels = 700, 48 // several parts of normChunk
	l := newTestNorm(rng, channels)
	x := randVec(rng, rows*channels)
	for i := range x { // an offset, as activations have, and one constant row
		x[i] = 3 + x[i]
		if i < channels {
			x[i] = 2
		}
	}
	want := make([]float64, len(x))
	for r := range rows {
		row := x[r*channels:][:channels]
		mean, sq := 0.0, 0.0
		for _, v := range row {
			mean += v
		}
		mean /= channels
		for _, v := range row {
			sq += (v - mean) * (v - mean)
		}
		std := math.Sqrt(sq/(channels-1) + 1e-5)
		for j, v := range row {
			want[r*channels+j] = (v-mean)/std*l.W.W[j] + l.B.W[j]
		}
	}
	y64 := runNorm(l, x, 1)
	for i, v := range y64[:len(want)] {
		if math.Abs(v-want[i]) > 1e-12 {
			t.Fatalf("float64 y[%d] = %v, want %v", i, v, want[i])
		}
	}
	l32 := NewChannelNorm[float32]("n", channels)
	for j := range channels {
		l32.W.W[j], l32.B.W[j] = float32(l.W.W[j]), float32(l.B.W[j])
	}
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	y32 := runNorm(l32, x32, 1)
	for i, v := range y32 { // the rows, then the gradients, against float64's
		if d := math.Abs(float64(v) - y64[i]); d > 1e-4*max(1, math.Abs(y64[i])) {
			t.Fatalf("float32 value %d = %v, float64 %v", i, v, y64[i])
		}
	}
	for _, procs := range []int{2, 3} {
		if got := runNorm(l32, x32, procs); !slices.Equal(got, y32) {
			t.Fatalf("%d threads: a value differs from one thread's", procs)
		}
	}
}

// runNorm returns, on procs threads, the forward of x followed by the
// gradients of the loss Σ y·(index-dependent weights): the rows, then the
// input, weight and bias gradients, back to back.
func runNorm[T Float](l *ChannelNorm[T], x []T, procs int) []T {
	runtime.GOMAXPROCS(procs)
	clear(l.W.G)
	clear(l.B.G)
	c := l.NewCache(len(x) / l.Channels)
	y := slices.Clone(x)
	l.Forward(y, c)
	dy := make([]T, len(y))
	for i := range dy {
		dy[i] = T(math.Sin(float64(i)))
	}
	l.Backward(dy, c)
	return slices.Concat(y, dy, l.W.G, l.B.G)
}

// TestGRULayerNames: layer l of a stack carries torch.nn.GRU's names.
func TestGRULayerNames(t *testing.T) {
	g := NewGRULayer[float32](8, 4, 1, rand.New(rand.NewPCG(1, 1)))
	for _, c := range []struct {
		p     *Param[float32]
		name  string
		shape []int
	}{{g.Wih, "gru.weight_ih_l1", []int{12, 8}}, {g.Whh, "gru.weight_hh_l1", []int{12, 4}},
		{g.Bih, "gru.bias_ih_l1", []int{12}}, {g.Bhh, "gru.bias_hh_l1", []int{12}}} {
		if c.p.Name != c.name || !slices.Equal(c.p.Shape, c.shape) {
			t.Errorf("%s %v, want %s %v", c.p.Name, c.p.Shape, c.name, c.shape)
		}
	}
}
