package probe

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"

	"github.com/gocpc/cpc/core/nn"
)

// Classifier is multinomial logistic regression, p(y | x) = softmax(x·W + b).
type Classifier struct {
	Dim, Classes int
	W            []float32 // [Dim, Classes]
	B            []float32 // [Classes]
	Fit          FitInfo
}

// FitInfo says how the training went.
type FitInfo struct {
	Iterations int       `json:"iterations"`
	Loss       float64   `json:"loss"`                       // the objective at the end
	Gradient   float64   `json:"gradient_norm"`              // its gradient's largest magnitude there
	Status     string    `json:"status"`                     // why L-BFGS stopped
	L2         float64   `json:"l2"`                         // the strength fitted with
	CV         []CVScore `json:"cross_validation,omitempty"` // with --l2 auto: the grid it was chosen from
}

func (f FitInfo) String() string {
	s := fmt.Sprintf("L2 %g, %d iterations, loss %.4f, |gradient| %.1e (%s)", f.L2, f.Iterations, f.Loss, f.Gradient, f.Status)
	if f.CV != nil {
		s += "; held-out accuracy"
		for _, c := range f.CV {
			s += fmt.Sprintf(" %.1f%% at %g", 100*c.Accuracy, c.L2)
			if c.UtteranceAccuracy != nil {
				s += fmt.Sprintf(" (utterances %.1f%%)", 100**c.UtteranceAccuracy)
			}
		}
	}
	return s
}

// FitOptions set the objective and when to stop.
type FitOptions struct {
	L2            float64 // weight of ½(‖W‖² + ‖b‖²)
	MaxIterations int     // 0: 2000
}

// rowBlock bounds the score matrix of one pass to rowBlock × Classes, so
// that millions of training frames need no more memory than their features.
const rowBlock = 4096

// Fit trains a classifier on n rows of x (dim values each) with classes
// y[i] in [0, classes), minimising the mean cross-entropy
// + L2/2·(‖W‖² + ‖b‖²).
//
// The objective is smooth and, with L2 > 0, strongly convex: it has one
// minimum, which full-batch L-BFGS (gonum's) reaches without a learning
// rate or schedule to tune, so the result depends on the features alone,
// not on how long or how noisily a minibatch optimiser ran. The L2 term
// also keeps the minimum finite when the classes are linearly separable or
// a class never occurs in training (its bias would otherwise run off to
// −∞); penalising the bias too costs nothing at the small weights used. The matrix products and log-sum-exps run on the asm
// kernels in float32, with the sums in float64.
func Fit(x []float32, y []int32, dim, classes int, opt FitOptions) (*Classifier, error) {
	return fit(x, y, dim, classes, opt, nil)
}

// fit is Fit from the parameters start (nil: zero).
func fit(x []float32, y []int32, dim, classes int, opt FitOptions, start []float64) (*Classifier, error) {
	n := len(y)
	switch {
	case n == 0:
		return nil, errors.New("no training rows")
	case len(x) != n*dim:
		return nil, fmt.Errorf("%d values for %d rows of %d", len(x), n, dim)
	case classes < 1:
		return nil, fmt.Errorf("%d classes", classes)
	}
	for i, c := range y {
		if c < 0 || int(c) >= classes {
			return nil, fmt.Errorf("row %d has class %d, want 0…%d", i, c, classes-1)
		}
	}
	maxIter := opt.MaxIterations
	if maxIter == 0 {
		maxIter = 2000
	}
	o := newObjective(x, y, dim, classes, opt.L2)
	p := optimize.Problem{
		Func: func(w []float64) float64 { o.eval(w); return o.f },
		Grad: func(g, w []float64) { o.eval(w); copy(g, o.grad) },
	}
	settings := &optimize.Settings{
		// Gradients come from float32 products: an infinity norm of 1e-5
		// is as far as they resolve, and well past any change in accuracy.
		GradientThreshold: 1e-5,
		Converger:         &optimize.FunctionConverge{Relative: 1e-9, Iterations: 20},
		MajorIterations:   maxIter,
	}
	if start == nil {
		start = make([]float64, (dim+1)*classes)
	}
	res, err := optimize.Minimize(p, start, settings, &optimize.LBFGS{})
	if res == nil {
		return nil, fmt.Errorf("L-BFGS: %w", err)
	}
	// A line search that can no longer make progress has met the float32
	// precision of the objective: the location it returns is the best
	// found, and the gradient norm says how close to the minimum it is.
	c := &Classifier{Dim: dim, Classes: classes, W: make([]float32, dim*classes), B: make([]float32, classes),
		Fit: FitInfo{Iterations: res.Stats.MajorIterations, Loss: res.F, Status: res.Status.String(), L2: opt.L2}}
	if err != nil {
		c.Fit.Status = err.Error()
	}
	for _, g := range res.Gradient {
		c.Fit.Gradient = max(c.Fit.Gradient, math.Abs(g))
	}
	o.set(res.X)
	copy(c.W, o.w)
	copy(c.B, o.b)
	return c, nil
}

// Scores writes the logits x·W + b of n rows into out, [n, Classes].
func (c *Classifier) Scores(x []float32, n int, out []float32) {
	scores(x, n, c.Dim, c.W, c.B, out)
}

func scores(x []float32, n, dim int, w, b, out []float32) {
	k := len(b)
	for i := 0; i < n; i++ {
		copy(out[i*k:(i+1)*k], b)
	}
	nn.Gemm(false, false, n, k, dim, 1, x, dim, w, k, 1, out, k)
}

// objective is the mean cross-entropy + L2 of a fixed training set, with
// its gradient; params are W (row-major) then b, in float64 for L-BFGS.
type objective struct {
	x               []float32
	y               []int32
	n, dim, classes int
	l2              float64
	w, b            []float32
	s, lse, dw      []float32 // one block's scores, log-sum-exps, dW
	at              []float64 // the parameters f and grad belong to
	f               float64
	grad            []float64
}

func newObjective(x []float32, y []int32, dim, classes int, l2 float64) *objective {
	rows := min(rowBlock, len(y))
	return &objective{x: x, y: y, n: len(y), dim: dim, classes: classes, l2: l2,
		w: make([]float32, dim*classes), b: make([]float32, classes),
		s: make([]float32, rows*classes), lse: make([]float32, rows), dw: make([]float32, dim*classes),
		grad: make([]float64, (dim+1)*classes)}
}

func (o *objective) set(params []float64) {
	for i, v := range params[:len(o.w)] {
		o.w[i] = float32(v)
	}
	for i, v := range params[len(o.w):] {
		o.b[i] = float32(v)
	}
}

// eval computes f and grad at params, once per point: gonum asks for the
// value and the gradient separately, and one pass gives both.
func (o *objective) eval(params []float64) {
	if o.at != nil && slices.Equal(params, o.at) {
		return
	}
	o.at = append(o.at[:0], params...)
	o.set(params)
	k, nw := o.classes, len(o.w)
	clear(o.grad)
	loss := 0.0
	for r0 := 0; r0 < o.n; r0 += rowBlock {
		rows := min(rowBlock, o.n-r0)
		x, y, s, lse := o.x[r0*o.dim:(r0+rows)*o.dim], o.y[r0:r0+rows], o.s[:rows*k], o.lse[:rows]
		scores(x, rows, o.dim, o.w, o.b, s)
		nn.LogSumExp(rows, k, s, k, lse)
		for i, c := range y {
			loss += float64(lse[i] - s[i*k+int(c)])
		}
		// d loss / d scores = softmax − one-hot(y).
		nn.Softmax(rows, k, s, k, lse, s, k)
		for i, c := range y {
			s[i*k+int(c)]--
		}
		for i, v := range s {
			o.grad[nw+i%k] += float64(v)
		}
		nn.Gemm(true, false, o.dim, k, rows, 1, x, o.dim, s, k, 0, o.dw, k)
		for i, v := range o.dw {
			o.grad[i] += float64(v)
		}
	}
	inv := 1 / float64(o.n)
	penalty := 0.0
	for i, p := range params {
		penalty += p * p
		o.grad[i] = o.grad[i]*inv + o.l2*p
	}
	o.f = loss*inv + o.l2/2*penalty
}
