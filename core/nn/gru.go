package nn

import (
	"fmt"
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
//
// Threads: the products over all steps at once (W_ih x, the weight
// gradients, dx) are split by asm like any other. The time steps are
// not: splitting a step's recurrent product (batch × H by H × 3H) or its
// gate math makes every thread wait for the others once or twice a step,
// hundreds of times a pass, which cost more than it saved on some
// machines. Instead the batch rows are dealt out, a block to each
// thread, and each thread takes its rows through every step on its own
// (recurrence, below): one split per pass. A thread's share of a step's
// product costs about what the whole one did (packing W_hh, which every
// thread does, is most of it), so the gain is in the gate math. Every row
// is computed as on one thread, so results do not depend on the thread
// count.
type GRU[T Float] struct {
	In, Hidden         int
	Wih, Whh, Bih, Bhh *Param[T]
}

// NewGRU returns a layer named gru.*_l0, initialised as PyTorch does:
// every tensor from U(−1/√Hidden, 1/√Hidden).
func NewGRU[T Float](in, hidden int, rng *rand.Rand) *GRU[T] {
	return NewGRULayer[T](in, hidden, 0, rng)
}

// NewGRULayer returns layer l of a stack (torch.nn.GRU with num_layers >
// l), named gru.*_l{l}: its input is layer l − 1's output, so in is
// Hidden for l > 0. It is initialised as NewGRU's.
func NewGRULayer[T Float](in, hidden, l int, rng *rand.Rand) *GRU[T] {
	name := func(what string) string { return fmt.Sprintf("gru.%s_l%d", what, l) }
	g := &GRU[T]{In: in, Hidden: hidden,
		Wih: newParam[T](name("weight_ih"), 3*hidden, in),
		Whh: newParam[T](name("weight_hh"), 3*hidden, hidden),
		Bih: newParam[T](name("bias_ih"), 3*hidden),
		Bhh: newParam[T](name("bias_hh"), 3*hidden)}
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
	rec          recurrence[T]
	pass         pass[T]
}

// NewCache allocates a cache for sequences of the given shape.
func (g *GRU[T]) NewCache(steps, batch int) *GRUCache[T] {
	n, h := steps*batch, g.Hidden
	c := &GRUCache[T]{steps: steps, batch: batch,
		gates: make([]T, n*3*h), hn: make([]T, n*h), dgh: make([]T, n*3*h),
		gh: make([]T, batch*3*h), carry: make([]T, batch*h)}
	c.rec.c = c
	return c
}

// Forward runs the layer over x and writes every hidden state to h.
func (g *GRU[T]) Forward(x, h []T, c *GRUCache[T]) {
	H, B := g.Hidden, c.batch
	c.pass.setRows(c.steps*B, g.Bih.W, c.gates, 3*H)
	Gemm(false, true, c.steps*B, 3*H, g.In, 1, x, g.In, g.Wih.W, g.In, 1, c.gates, 3*H)
	c.rec.run(g, h, nil)
}

// Backward takes dh, the loss gradient with respect to every output h (it
// is used as scratch), and adds the parameter gradients and, if dx is not
// nil, the gradient with respect to x to dx. The cache's gates are
// consumed: run Forward again before another Backward.
func (g *GRU[T]) Backward(x, h, dh, dx []T, c *GRUCache[T]) {
	H, B, steps := g.Hidden, c.batch, c.steps
	c.rec.run(g, h, dh)
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

// serialFlops bounds each recurrent product a part issues while more than
// one thread runs: asm splits a product of 2·m·n·k ≥ 2^21 flops (twice
// its minWorkerFlops), and one split from inside a part would hand work
// to threads busy with the other parts and wait for them. Half of that
// leaves room for a change of asm's threshold. Tests lower it to cut even
// small products into column blocks.
var serialFlops = 1 << 20

// recurrence is the layer's sequential part, the time steps, forward or
// backward: part i takes batch rows [i·batch/parts, (i+1)·batch/parts)
// through every step. Parts share nothing but the weights they read, so
// a thread never waits for another until all its steps are done.
type recurrence[T Float] struct {
	c            *GRUCache[T]
	g            *GRU[T]
	h, dh        []T // dh == nil: forward
	parts, procs int
}

// run does the steps on up to asm.Width() threads, one part each.
func (r *recurrence[T]) run(g *GRU[T], h, dh []T) {
	r.g, r.h, r.dh = g, h, dh
	r.procs = asm.Width()
	r.parts = min(r.c.batch, r.procs)
	asm.Parallel(r.parts, r)
	r.g, r.h, r.dh = nil, nil, nil
}

// Part runs block i of the batch rows through every step.
func (r *recurrence[T]) Part(i int) {
	B := r.c.batch
	b0, b1 := i*B/r.parts, (i+1)*B/r.parts
	if r.dh == nil {
		r.forward(b0, b1)
	} else {
		r.backward(b0, b1)
	}
}

// forward runs rows [b0, b1) forwards: W_hh h + b_hh for the block, then
// the gates and the new hidden state, row by row.
func (r *recurrence[T]) forward(b0, b1 int) {
	c, g := r.c, r.g
	H, B, m := g.Hidden, c.batch, b1-b0
	gh := c.gh[b0*3*H : b1*3*H]
	for t := 0; t < c.steps; t++ {
		for b := range m {
			copy(gh[b*3*H:][:3*H], g.Bhh.W)
		}
		if t > 0 {
			r.product(true, m, 3*H, H, r.h[((t-1)*B+b0)*H:], H, g.Whh.W, H, gh, 3*H)
		}
		for b := b0; b < b1; b++ {
			r.forwardRow(t, b)
		}
	}
}

// backward runs rows [b0, b1) backwards from the last step: each row's
// gate gradients, then what reaches the previous h through W_hh.
func (r *recurrence[T]) backward(b0, b1 int) {
	c, g := r.c, r.g
	H, B, m := g.Hidden, c.batch, b1-b0
	carry := c.carry[b0*H : b1*H]
	clear(carry)
	for t := c.steps - 1; t >= 0; t-- {
		for b := b0; b < b1; b++ {
			r.backwardRow(t, b)
		}
		if t > 0 {
			r.product(false, m, H, 3*H, c.dgh[(t*B+b0)*3*H:], 3*H, g.Whh.W, H, carry, H)
		}
	}
}

// product adds A·op(B) to the m×n matrix C (row strides lda, ldb, ldc),
// as Gemm with alpha = beta = 1, on the calling thread: with more than one
// thread running parts it goes in blocks of columns each under
// serialFlops. Every element is the same sum over k in the same order
// whatever the blocks, so the result does not depend on them.
func (r *recurrence[T]) product(transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	cols := n
	if r.procs > 1 {
		// Multiples of 32 columns: whole tiles of every kernel.
		cols = max(32, serialFlops/(2*m*k)&^31)
	}
	for j := 0; j < n; j += cols {
		w := min(cols, n-j)
		bj := b[j:] // op(B) = B: columns j… of its rows
		if transB {
			bj = b[j*ldb:] // op(B) = Bᵀ: rows j… of B
		}
		Gemm(false, transB, m, w, k, 1, a, lda, bj, ldb, 1, c[j:], ldc)
	}
}

// row returns batch row b of step t: its index among all rows, its gates
// [3H] and W_hn h + b_hn [H], and the previous hidden state (nil at t = 0).
func (r *recurrence[T]) row(t, b int) (row int, gate, hn, prev []T) {
	H := r.g.Hidden
	row = t*r.c.batch + b
	if t > 0 {
		prev = r.h[(row-r.c.batch)*H:][:H]
	}
	return row, r.c.gates[row*3*H:][:3*H], r.c.hn[row*H:][:H], prev
}

// forwardRow computes row b of step t: the gates (kept for the backward
// pass) and the new hidden state.
func (r *recurrence[T]) forwardRow(t, b int) {
	H := r.g.Hidden
	row, gate, hn, prev := r.row(t, b)
	gh, out := r.c.gh[b*3*H:][:3*H], r.h[row*H:][:H]
	for j := 0; j < H; j++ {
		rj := sigmoid(gate[j] + gh[j])
		z := sigmoid(gate[H+j] + gh[H+j])
		hn[j] = gh[2*H+j]
		n := tanh(gate[2*H+j] + rj*hn[j])
		gate[j], gate[H+j], gate[2*H+j] = rj, z, n
		var hp T
		if prev != nil {
			hp = prev[j]
		}
		out[j] = (1-z)*n + z*hp
	}
}

// backwardRow turns row b of step t's gates into their gradients (input
// side in gates, hidden side in dgh) and sets the row's carry to the part
// of the gradient that reaches the previous h directly.
func (r *recurrence[T]) backwardRow(t, b int) {
	H := r.g.Hidden
	row, gate, hn, prev := r.row(t, b)
	dgh, dht, carry := r.c.dgh[row*3*H:][:3*H], r.dh[row*H:][:H], r.c.carry[b*H:][:H]
	for j := 0; j < H; j++ {
		rj, z, n := gate[j], gate[H+j], gate[2*H+j]
		var hp T
		if prev != nil {
			hp = prev[j]
		}
		d := dht[j] + carry[j]
		dn := d * (1 - z) * (1 - n*n)
		dz := d * (hp - n) * z * (1 - z)
		dr := dn * hn[j] * rj * (1 - rj)
		// The input side sees (dr, dz, dn); the hidden side sees
		// (dr, dz, dn·r) because r multiplies W_hn h + b_hn.
		gate[j], gate[H+j], gate[2*H+j] = dr, dz, dn
		dgh[j], dgh[H+j], dgh[2*H+j] = dr, dz, dn*rj
		carry[j] = d * z
	}
}
