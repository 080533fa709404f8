package nn

import (
	"math"
	"math/rand/v2"

	"github.com/gocpc/cpc/asm"
)

// GRU is one torch.nn.GRU layer (gate order r, z, n; h₀ = 0):
//
//	r = σ(W_ir x + b_ir + W_hr h + b_hr)
//	z = σ(W_iz x + b_iz + W_hz h + b_hz)
//	n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//	h' = (1 − z) ⊙ n + z ⊙ h
//
// Sequences are time-major: row t·batch + b of x [steps·batch, In] and
// h [steps·batch, Hidden] is step t of sequence b, so each step's batch is
// one contiguous block and the input projection of all steps is one Gemm.
type GRU[T Float] struct {
	In, Hidden         int
	Wih, Whh, Bih, Bhh *Param[T]
}

// NewGRU returns a layer named gru.*_l0, initialised as PyTorch does:
// every tensor from U(−1/√Hidden, 1/√Hidden).
func NewGRU[T Float](in, hidden int, rng *rand.Rand) *GRU[T] {
	g := &GRU[T]{In: in, Hidden: hidden,
		Wih: newParam[T]("gru.weight_ih_l0", 3*hidden, in),
		Whh: newParam[T]("gru.weight_hh_l0", 3*hidden, hidden),
		Bih: newParam[T]("gru.bias_ih_l0", 3*hidden),
		Bhh: newParam[T]("gru.bias_hh_l0", 3*hidden)}
	bound := 1 / math.Sqrt(float64(hidden))
	for _, p := range []*Param[T]{g.Wih, g.Whh, g.Bih, g.Bhh} {
		p.initUniform(rng, bound)
	}
	return g
}

// GRUCache holds what the backward pass needs from the forward pass, and
// its scratch. Make one with NewCache and reuse it for the same shape.
type GRUCache[T Float] struct {
	steps, batch int
	gates        []T // [steps·batch, 3H]: r, z, n after activation
	hn           []T // [steps·batch, H]: W_hn h + b_hn
	dgh          []T // [steps·batch, 3H]: gradient of W_hh h + b_hh
	gh, carry    []T // one step's [batch, 3H] and [batch, H]
	rows         gateRows[T]
	pass         pass[T]
}

// NewCache allocates a cache for sequences of the given shape.
func (g *GRU[T]) NewCache(steps, batch int) *GRUCache[T] {
	n, h := steps*batch, g.Hidden
	c := &GRUCache[T]{steps: steps, batch: batch,
		gates: make([]T, n*3*h), hn: make([]T, n*h), dgh: make([]T, n*3*h),
		gh: make([]T, batch*3*h), carry: make([]T, batch*h)}
	c.rows = gateRows[T]{H: h, c: c}
	return c
}

// Forward runs the layer over x and writes every hidden state to h.
func (g *GRU[T]) Forward(x, h []T, c *GRUCache[T]) {
	H, B := g.Hidden, c.batch
	c.pass.setRows(c.steps*B, g.Bih.W, c.gates, 3*H)
	Gemm(false, true, c.steps*B, 3*H, g.In, 1, x, g.In, g.Wih.W, g.In, 1, c.gates, 3*H)
	for t := 0; t < c.steps; t++ {
		c.pass.setRows(B, g.Bhh.W, c.gh, 3*H)
		if t > 0 {
			Gemm(false, true, B, 3*H, H, 1, h[(t-1)*B*H:], H, g.Whh.W, H, 1, c.gh, 3*H)
		}
		c.rows.run(t, h, nil)
	}
}

// Backward takes dh, the loss gradient with respect to every output h (it
// is used as scratch), and adds the parameter gradients and, if dx is not
// nil, the gradient with respect to x to dx. The cache's gates are
// consumed: run Forward again before another Backward.
func (g *GRU[T]) Backward(x, h, dh, dx []T, c *GRUCache[T]) {
	H, B, steps := g.Hidden, c.batch, c.steps
	clear(c.carry)
	for t := steps - 1; t >= 0; t-- {
		c.rows.run(t, h, dh)
		if t > 0 {
			Gemm(false, false, B, H, 3*H, 1, c.dgh[t*B*3*H:], 3*H, g.Whh.W, H, 1, c.carry, H)
		}
	}
	// h₀ = 0, so step 0 adds nothing to W_hh's gradient.
	if steps > 1 {
		Gemm(true, false, 3*H, H, (steps-1)*B, 1, c.dgh[B*3*H:], 3*H, h, H, 1, g.Whh.G, H)
	}
	c.pass.addRowSums(g.Bhh.G, steps*B, 3*H, c.dgh, 3*H)
	dgi := c.gates
	c.pass.addRowSums(g.Bih.G, steps*B, 3*H, dgi, 3*H)
	Gemm(true, false, 3*H, g.In, steps*B, 1, dgi, 3*H, x, g.In, 1, g.Wih.G, g.In)
	if dx != nil {
		Gemm(false, false, steps*B, g.In, 3*H, 1, dgi, 3*H, g.Wih.W, g.In, 1, dx, g.In)
	}
}

// gateRows is one time step's gate math, a batch row per part on the
// worker pool: its sigmoids and tanhs are most of a small GRU's time, and
// the step's rows are independent.
type gateRows[T Float] struct {
	H     int
	c     *GRUCache[T]
	t     int
	h, dh []T // dh == nil: forward
}

// run does step t's rows: the forward pass into h, or with dh the backward.
func (p *gateRows[T]) run(t int, h, dh []T) {
	p.t, p.h, p.dh = t, h, dh
	asm.Parallel(p.c.batch, p)
	p.h, p.dh = nil, nil
}

// Part does batch row b.
func (p *gateRows[T]) Part(b int) {
	if p.dh == nil {
		p.forward(b)
	} else {
		p.backward(b)
	}
}

// row returns batch row b of step t: its index among all rows, its gates
// [3H] and W_hn h + b_hn [H], and the previous hidden state (nil at t = 0).
func (p *gateRows[T]) row(b int) (row int, gate, hn, prev []T) {
	H := p.H
	row = p.t*p.c.batch + b
	if p.t > 0 {
		prev = p.h[(row-p.c.batch)*H:][:H]
	}
	return row, p.c.gates[row*3*H:][:3*H], p.c.hn[row*H:][:H], prev
}

// forward computes row b of step t: the gates (kept for the backward
// pass) and the new hidden state.
func (p *gateRows[T]) forward(b int) {
	H := p.H
	row, gate, hn, prev := p.row(b)
	gh, out := p.c.gh[b*3*H:][:3*H], p.h[row*H:][:H]
	for j := 0; j < H; j++ {
		r := sigmoid(gate[j] + gh[j])
		z := sigmoid(gate[H+j] + gh[H+j])
		hn[j] = gh[2*H+j]
		n := tanh(gate[2*H+j] + r*hn[j])
		gate[j], gate[H+j], gate[2*H+j] = r, z, n
		var hp T
		if prev != nil {
			hp = prev[j]
		}
		out[j] = (1-z)*n + z*hp
	}
}

// backward turns row b of step t's gates into their gradients (input
// side in gates, hidden side in dgh) and sets the row's carry to the part
// of the gradient that reaches the previous h directly.
func (p *gateRows[T]) backward(b int) {
	H := p.H
	row, gate, hn, prev := p.row(b)
	dgh, dht, carry := p.c.dgh[row*3*H:][:3*H], p.dh[row*H:][:H], p.c.carry[b*H:][:H]
	for j := 0; j < H; j++ {
		r, z, n := gate[j], gate[H+j], gate[2*H+j]
		var hp T
		if prev != nil {
			hp = prev[j]
		}
		d := dht[j] + carry[j]
		dn := d * (1 - z) * (1 - n*n)
		dz := d * (hp - n) * z * (1 - z)
		dr := dn * hn[j] * r * (1 - r)
		// The input side sees (dr, dz, dn); the hidden side sees
		// (dr, dz, dn·r) because r multiplies W_hn h + b_hn.
		gate[j], gate[H+j], gate[2*H+j] = dr, dz, dn
		dgh[j], dgh[H+j], dgh[2*H+j] = dr, dz, dn*r
		carry[j] = d * z
	}
}
