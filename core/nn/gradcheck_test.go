package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gocpc/cpc/core/nn/nntest"
)

// checkGrad compares an analytic gradient with central differences.
func checkGrad(t *testing.T, name string, x, grad []float64, loss func() float64) {
	t.Helper()
	nntest.CheckGrad(t, name, x, grad, loss)
}

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func TestConv1dGradients(t *testing.T) {
	defer func(w int) { pairsMinWidth = w }(pairsMinWidth)
	pairsMinWidth = 1
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ in, out, kernel, stride, n int }{
		{1, 3, 10, 5, 37}, {3, 4, 4, 2, 13}, {2, 2, 8, 4, 19}, {2, 3, 3, 3, 10}, {2, 3, 5, 2, 12},
		{1, 3, 10, 5, 40}, {3, 4, 4, 2, 16}, {2, 2, 8, 4, 24}, {3, 2, 4, 2, 8}, // the fast path's
	} {
		l := NewConv1d[float64]("c", c.in, c.out, c.kernel, c.stride, rng)
		sc := l.NewScratch(c.n)
		if want := c.kernel == 2*c.stride && c.n%(2*c.stride) == 0; sc.Pairs() != want {
			t.Fatalf("%+v: fast path %v, want %v", c, sc.Pairs(), want)
		}
		m := l.OutLen(c.n)
		x, dy := randVec(rng, c.n*c.in), randVec(rng, m*c.out)
		y := make([]float64, m*c.out)
		loss := func() float64 { l.Forward(x, c.n, y, c.out, sc); return dot(y, dy) }
		dx := make([]float64, len(x))
		loss()
		l.Backward(x, c.n, dy, c.out, dx, sc)
		checkGrad(t, "conv dx", x, dx, loss)
		checkGrad(t, "conv dW", l.W.W, l.W.G, loss)
		checkGrad(t, "conv db", l.B.W, l.B.G, loss)
	}
}

// TestConvPairsMatchDirect checks the fast path against the direct products
// on layers shaped like the encoder's, with output rows wider than Out.
func TestConvPairsMatchDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ in, out, stride, n int }{{32, 48, 2, 64}, {16, 40, 4, 96}, {64, 8, 2, 12}} {
		l := NewConv1d[float64]("c", c.in, c.out, 2*c.stride, c.stride, rng)
		sc := l.NewScratch(c.n)
		if !sc.Pairs() {
			t.Fatalf("%+v: no fast path", c)
		}
		m, ldy := l.OutLen(c.n), c.out+3
		x, dy := randVec(rng, c.n*c.in), randVec(rng, m*ldy)
		type result struct{ y, dx, dw, db []float64 }
		run := func(sc *ConvScratch[float64]) result {
			clear(l.W.G)
			clear(l.B.G)
			r := result{y: make([]float64, m*ldy), dx: randVec(rng, c.n*c.in)} // dx is overwritten
			l.Forward(x, c.n, r.y, ldy, sc)
			l.Backward(x, c.n, dy, ldy, r.dx, sc)
			r.dw, r.db = append([]float64(nil), l.W.G...), append([]float64(nil), l.B.G...)
			return r
		}
		fast, direct := run(sc), run(&ConvScratch[float64]{n: c.n}) // no fast-path buffers
		for name, pair := range map[string][2][]float64{"y": {fast.y, direct.y}, "dx": {fast.dx, direct.dx},
			"dW": {fast.dw, direct.dw}, "db": {fast.db, direct.db}} {
			for i := range pair[1] {
				if i%ldy >= c.out && (name == "y") {
					continue // the gaps between rows
				}
				if d := math.Abs(pair[0][i] - pair[1][i]); d > 1e-12*max(1, math.Abs(pair[1][i])) {
					t.Fatalf("%+v: %s[%d] fast %.15g, direct %.15g", c, name, i, pair[0][i], pair[1][i])
				}
			}
		}
	}
}

func TestReLUGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, dy := randVec(rng, 40), randVec(rng, 40)
	y := make([]float64, len(x))
	var r ReLU[float64]
	loss := func() float64 { copy(y, x); r.Forward(y); return dot(y, dy) }
	loss()
	dx := append([]float64(nil), dy...)
	r.Backward(y, dx)
	checkGrad(t, "relu dx", x, dx, loss)
}

func TestLinearGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	l := NewLinear[float64]("p", 5, 3, rng)
	// Forward takes rows of In = 5 values to Out = 3, the transposed pass
	// the other way; row strides are wider than the rows.
	for _, c := range []struct {
		name              string
		in, out, ldx, ldy int
		forward           func(m int, x []float64, ldx int, y []float64, ldy int)
		backward          func(m int, x []float64, ldx int, dy []float64, ldy int, dx []float64)
	}{
		{"linear", 5, 3, 7, 6, l.Forward, l.Backward},
		{"transposed linear", 3, 5, 6, 7, l.TransposedForward, l.TransposedBackward},
	} {
		const m = 4
		x, dy := randVec(rng, m*c.ldx), randVec(rng, m*c.ldy)
		y := make([]float64, m*c.ldy)
		loss := func() float64 {
			c.forward(m, x, c.ldx, y, c.ldy)
			s := 0.0
			for i := 0; i < m; i++ {
				s += dot(y[i*c.ldy:i*c.ldy+c.out], dy[i*c.ldy:i*c.ldy+c.out])
			}
			return s
		}
		clear(l.W.G)
		dx := make([]float64, len(x))
		c.backward(m, x, c.ldx, dy, c.ldy, dx)
		for i := 0; i < m; i++ { // the gaps between rows carry no gradient
			for j := c.in; j < c.ldx; j++ {
				dx[i*c.ldx+j] = 0
			}
		}
		checkGrad(t, c.name+" dx", x, dx, loss)
		checkGrad(t, c.name+" dW", l.W.W, l.W.G, loss)
	}
}

// TestBiasedLinearGradients: y = x·Wᵀ + b, rows wider than their values.
func TestBiasedLinearGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	l := NewBiasedLinear[float64]("p", 5, 3, rng)
	if l.B.Name != "p.bias" || len(l.B.W) != 3 || l.B.W[0] == 0 {
		t.Fatalf("bias %s %v", l.B.Name, l.B.W)
	}
	const m, ldx, ldy = 4, 7, 6
	x, dy := randVec(rng, m*ldx), randVec(rng, m*ldy)
	y := make([]float64, m*ldy)
	loss := func() float64 {
		l.Forward(m, x, ldx, y, ldy)
		s := 0.0
		for i := range m {
			s += dot(y[i*ldy:i*ldy+3], dy[i*ldy:i*ldy+3])
		}
		return s
	}
	dx := make([]float64, len(x))
	l.Backward(m, x, ldx, dy, ldy, dx)
	for i := range m {
		for j := 5; j < ldx; j++ {
			dx[i*ldx+j] = 0
		}
	}
	checkGrad(t, "biased linear dx", x, dx, loss)
	checkGrad(t, "biased linear dW", l.W.W, l.W.G, loss)
	checkGrad(t, "biased linear db", l.B.W, l.B.G, loss)
}

// TestGRUGradients checks the GRU on one thread and with its batch rows
// split over two (recurrence).
func TestGRUGradients(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		rng := rand.New(rand.NewPCG(7, 8))
		const in, hidden, steps, batch = 3, 4, 5, 3
		g := NewGRU[float64](in, hidden, rng)
		c := g.NewCache(steps, batch)
		x, dout := randVec(rng, steps*batch*in), randVec(rng, steps*batch*hidden)
		h := make([]float64, steps*batch*hidden)
		loss := func() float64 { g.Forward(x, h, c); return dot(h, dout) }
		loss()
		dx, dh := make([]float64, len(x)), append([]float64(nil), dout...)
		g.Backward(x, h, dh, dx, c)
		checkGrad(t, "gru dx", x, dx, loss)
		for _, p := range []*Param[float64]{g.Wih, g.Whh, g.Bih, g.Bhh} {
			checkGrad(t, p.Name, p.W, p.G, loss)
		}
	}
}

// TestGRUByHand checks one unit over two steps against the equations worked
// through by hand, so a wrong gate order or a swapped z cannot pass.
func TestGRUByHand(t *testing.T) {
	g := NewGRU[float64](1, 1, rand.New(rand.NewPCG(0, 0)))
	copy(g.Wih.W, []float64{0.5, -1, 2})  // W_ir, W_iz, W_in
	copy(g.Whh.W, []float64{1, 0.5, -1})  // W_hr, W_hz, W_hn
	copy(g.Bih.W, []float64{0, 0.1, 0})   // b_ir, b_iz, b_in
	copy(g.Bhh.W, []float64{0.2, 0, 0.3}) // b_hr, b_hz, b_hn
	x := []float64{1, -2}
	h := make([]float64, 2)
	g.Forward(x, h, g.NewCache(2, 1))
	// Step 1, h = 0: r = σ(0.5+0.2), z = σ(−1+0.1), n = tanh(2 + r·0.3),
	// h1 = (1 − z)·n.
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	r1, z1 := sig(0.7), sig(-0.9)
	n1 := math.Tanh(2 + r1*0.3)
	h1 := (1 - z1) * n1
	// Step 2, x = −2: r = σ(−1 + h1 + 0.2), z = σ(2 + 0.1 + 0.5·h1),
	// n = tanh(−4 + r·(−h1 + 0.3)), h2 = (1 − z)·n + z·h1.
	r2, z2 := sig(-1+h1+0.2), sig(2.1+0.5*h1)
	n2 := math.Tanh(-4 + r2*(-h1+0.3))
	h2 := (1-z2)*n2 + z2*h1
	if math.Abs(h[0]-h1) > 1e-15 || math.Abs(h[1]-h2) > 1e-15 {
		t.Fatalf("h = %v, want [%v %v]", h, h1, h2)
	}
}

func TestConv1dTorchLayoutRoundTrip(t *testing.T) {
	l := NewConv1d[float32]("c", 3, 2, 4, 2, rand.New(rand.NewPCG(1, 1)))
	torch := l.W.ToTorch(l.W.W)
	// PyTorch's element [o=1, i=2, k=3] is ours [o=1, k=3, i=2].
	if torch[(1*3+2)*4+3] != l.W.W[(1*4+3)*3+2] {
		t.Fatal("ToTorch does not map [o,i,k] to [o,k,i]")
	}
	checkTorchRoundTrip(t, l.W)
}
