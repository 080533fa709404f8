// Package optim holds the optimizer: Adam with torch.optim.Adam's update,
// an optional linear warm-up and optional global-norm gradient clipping.
package optim

import (
	"math"

	"github.com/gocpc/cpc/core/nn"
)

// Adam keeps the moment estimates of every parameter, in the model's
// parameter order.
type Adam struct {
	LR           float64 // peak learning rate
	Beta1, Beta2 float64
	Eps          float64
	Warmup       int     // steps of linear warm-up from 0 to LR; 0 for none
	Clip         float64 // global gradient norm bound; 0 for none
	Step         int     // updates done so far
	M, V         [][]float32
}

// NewAdam returns Adam with the paper's β1 0.9, β2 0.999, ε 1e-8.
func NewAdam(params []*nn.Param[float32], lr float64) *Adam {
	a := &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	for _, p := range params {
		a.M = append(a.M, make([]float32, len(p.W)))
		a.V = append(a.V, make([]float32, len(p.W)))
	}
	return a
}

// RateAt is the learning rate of update number step (1-based).
func (a *Adam) RateAt(step int) float64 {
	if a.Warmup > 0 && step < a.Warmup {
		return a.LR * float64(step) / float64(a.Warmup)
	}
	return a.LR
}

// GradNorm is the Euclidean norm of all gradients together.
func GradNorm(params []*nn.Param[float32]) float64 {
	s := 0.0
	for _, p := range params {
		for _, g := range p.G {
			s += float64(g) * float64(g)
		}
	}
	return math.Sqrt(s)
}

// Update applies one step to params given their gradients and norm (from
// GradNorm), clipping them first if Clip is set, as
// torch.nn.utils.clip_grad_norm_ does.
func (a *Adam) Update(params []*nn.Param[float32], norm float64) {
	gscale := 1.0
	if a.Clip > 0 && norm > a.Clip {
		gscale = a.Clip / (norm + 1e-6)
	}
	a.Step++
	lr := a.RateAt(a.Step)
	// torch.optim.Adam: p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
	stepSize := lr / (1 - math.Pow(a.Beta1, float64(a.Step)))
	vCorr := math.Sqrt(1 - math.Pow(a.Beta2, float64(a.Step)))
	// Coefficients rounded to float32 once, as torch applies them.
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	c1, c2 := float32(1-a.Beta1), float32(1-a.Beta2)
	for i, p := range params {
		m, v := a.M[i], a.V[i]
		for j, g := range p.G {
			g *= float32(gscale)
			m[j] = b1*m[j] + c1*g
			v[j] = b2*v[j] + c2*g*g
			denom := math.Sqrt(float64(v[j]))/vCorr + a.Eps
			p.W[j] -= float32(stepSize * float64(m[j]) / denom)
		}
	}
}
