// Package optim holds the optimizer: Adam with torch.optim.Adam's update,
// an optional linear warm-up, an optional cosine decay and optional
// global-norm gradient clipping.
package optim

import (
	"fmt"
	"math"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/nn"
)

// Schedule is what a run sets of Adam: the learning rate over the steps
// and the clipping. It is saved as part of a run's options.
type Schedule struct {
	LR     float64 `json:"lr"`     // peak learning rate
	Warmup int     `json:"warmup"` // steps of linear warm-up from 0 to LR; 0 for none
	Decay  int     `json:"decay"`  // step at which a cosine decay after the warm-up reaches 0; 0 for none
	Clip   float64 `json:"clip"`   // global gradient norm bound; 0 for none
}

// Validate reports the first setting that cannot work.
func (s Schedule) Validate() error {
	switch {
	case !(s.LR > 0):
		return fmt.Errorf("lr must be positive (got %g)", s.LR)
	case s.Warmup < 0:
		return fmt.Errorf("warmup must not be negative (got %d)", s.Warmup)
	case s.Decay < 0 || s.Decay > 0 && s.Decay <= s.Warmup:
		return fmt.Errorf("decay must be 0 (none) or a step after the warm-up's %d (got %d)", s.Warmup, s.Decay)
	case s.Clip < 0:
		return fmt.Errorf("clip must not be negative (got %g)", s.Clip)
	}
	return nil
}

// Adam keeps the moment estimates of every parameter, in the model's
// parameter order.
type Adam struct {
	Schedule
	Beta1, Beta2 float64
	Eps          float64
	Step         int // updates done so far
	M, V         [][]float32

	params []*nn.Param[float32]
	chunks []chunk
	update updatePass
	norm   normPass
}

// chunk is elements [lo, hi) of parameter p, which starts at start of
// the parameters taken end to end: the unit of work the threads share.
type chunk struct{ p, lo, hi, start int }

// chunkSize keeps a chunk's four arrays (weights, gradient, moments) at
// 1 MiB, many chunks per thread on the paper model.
const chunkSize = 1 << 16

// NewAdam returns Adam over params with the paper's β1 0.9, β2 0.999,
// ε 1e-8, following schedule s.
func NewAdam(params []*nn.Param[float32], s Schedule) *Adam {
	a := &Adam{Schedule: s, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, params: params}
	n := 0
	for _, p := range params {
		a.M = append(a.M, make([]float32, len(p.W)))
		a.V = append(a.V, make([]float32, len(p.W)))
		n += len(p.W)
	}
	a.update.a, a.norm.a = a, a
	a.Shard(0, n)
	return a
}

// Shard makes Adam's updates and norms cover only elements [lo, hi) of
// the parameters taken end to end, in order: a data-parallel replica's
// block, whose step it computes for every replica. The moments outside
// the block are left as they are.
func (a *Adam) Shard(lo, hi int) {
	a.chunks = a.chunks[:0]
	start := 0 // of parameter i, end to end
	for i, p := range a.params {
		from, to := max(lo-start, 0), min(hi-start, len(p.W))
		for c := from; c < to; c += chunkSize {
			a.chunks = append(a.chunks, chunk{i, c, min(c+chunkSize, to), start})
		}
		start += len(p.W)
	}
	a.norm.sums = make([]float64, len(a.chunks))
}

// RateAt is the learning rate of update number step (1-based): a linear
// warm-up to LR, then LR or, with Decay, half a cosine from LR at the end
// of the warm-up down to 0 at step Decay (and 0 after it).
func (a *Adam) RateAt(step int) float64 {
	if a.Warmup > 0 && step < a.Warmup {
		return a.LR * float64(step) / float64(a.Warmup)
	}
	if a.Decay > 0 {
		done := min(float64(step-a.Warmup)/float64(a.Decay-a.Warmup), 1)
		return a.LR * 0.5 * (1 + math.Cos(math.Pi*done))
	}
	return a.LR
}

// GradNorm is the Euclidean norm of all gradients together (of the
// shard's, after Shard).
func (a *Adam) GradNorm() float64 { return math.Sqrt(a.SumSquares()) }

// SumSquares is the sum of the gradients' squares (the shard's). The
// chunks' sums are added in a fixed order, so it does not depend on the
// number of threads.
func (a *Adam) SumSquares() float64 {
	asm.Parallel(len(a.chunks), &a.norm)
	s := 0.0
	for _, v := range a.norm.sums {
		s += v
	}
	return s
}

type normPass struct {
	a    *Adam
	sums []float64
}

func (n *normPass) Part(i int) {
	c := n.a.chunks[i]
	s := 0.0
	for _, g := range n.a.params[c.p].G[c.lo:c.hi] {
		s += float64(g) * float64(g)
	}
	n.sums[i] = s
}

// Update applies one step given the gradients' norm (from GradNorm),
// clipping them first if Clip is set, as torch.nn.utils.clip_grad_norm_
// does.
func (a *Adam) Update(norm float64) { a.run(norm, nil) }

// UpdateSteps is Update that leaves the weights alone: each element's
// step, what Update would subtract from its weight, goes to the same
// place of steps (the parameters taken end to end; after Shard, only the
// block's elements are written). The moments and Step advance as in
// Update.
func (a *Adam) UpdateSteps(norm float64, steps []float32) { a.run(norm, steps) }

func (a *Adam) run(norm float64, steps []float32) {
	u := &a.update
	u.steps, u.gscale = steps, 1.0
	if a.Clip > 0 && norm > a.Clip {
		u.gscale = a.Clip / (norm + 1e-6)
	}
	a.Step++
	lr := a.RateAt(a.Step)
	// torch.optim.Adam: p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
	u.stepSize = lr / (1 - math.Pow(a.Beta1, float64(a.Step)))
	u.vCorr = math.Sqrt(1 - math.Pow(a.Beta2, float64(a.Step)))
	// Coefficients rounded to float32 once, as torch applies them.
	u.b1, u.b2 = float32(a.Beta1), float32(a.Beta2)
	u.c1, u.c2 = float32(1-a.Beta1), float32(1-a.Beta2)
	asm.Parallel(len(a.chunks), u)
}

// updatePass is one Update's coefficients; Part(i) updates chunk i.
type updatePass struct {
	a                       *Adam
	gscale, stepSize, vCorr float64
	b1, b2, c1, c2          float32
	steps                   []float32 // UpdateSteps's, else nil
}

func (u *updatePass) Part(i int) {
	a := u.a
	c := a.chunks[i]
	p := a.params[c.p]
	w, m, v := p.W[c.lo:c.hi], a.M[c.p][c.lo:c.hi], a.V[c.p][c.lo:c.hi]
	var steps []float32
	if u.steps != nil {
		steps = u.steps[c.start+c.lo : c.start+c.hi]
	}
	for j, g := range p.G[c.lo:c.hi] {
		g *= float32(u.gscale)
		m[j] = u.b1*m[j] + u.c1*g
		v[j] = u.b2*v[j] + u.c2*g*g
		denom := math.Sqrt(float64(v[j]))/u.vCorr + a.Eps
		step := float32(u.stepSize * float64(m[j]) / denom)
		if steps != nil {
			steps[j] = step
		} else {
			w[j] -= step
		}
	}
}
