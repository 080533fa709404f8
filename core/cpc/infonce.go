package cpc

import (
	"math/rand/v2"
	"time"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/nn"
)

// InfoNCE at prediction step k. Row i = t·B + b (t < T−k) predicts
// ẑ = W_k c_t; its positive is z_{t+k} of the same window, which is row
// k·B + i of z. The candidates are either every z_{t'+k} of the batch
// (neg = 0: one score matrix, the positive on its diagonal) or the positive
// and neg rows of z drawn uniformly from the whole batch (CPC_audio's
// sampling). The loss of a row is logsumexp(scores) − score(positive); a row
// is correct when the positive scores strictly above every other
// candidate (a sampled candidate drawn from the positive's own row is the
// positive, not another): ties count as wrong, so a collapsed model whose
// scores are all equal shows 0 % accuracy, not 100 %.
//
// A score (W_k c_t)·z is computed as c_t·(W_kᵀ z): the candidates are
// taken into the context's H dimensions once, and the score matrix and its
// two gradients, the bulk of the work, have inner dimension H instead of C
// (half the work in the paper config, H 256 and C 512; the same when H = C).

type nceScratch[T nn.Float] struct {
	scores []T     // [rows, candidates]
	proj   []T     // [candidates, H]: W_kᵀ z of every candidate
	dproj  []T     // its gradient
	logits []T     // sampled mode: [rows, 1 + neg], the positive first
	cols   []int32 // sampled mode: the candidate row of z behind each logit
	losses rowLosses[T]
}

func newNCEScratch[T nn.Float](rows, hidden int) nceScratch[T] {
	blocks := (rows + lossBlock - 1) / lossBlock
	return nceScratch[T]{scores: make([]T, rows*rows),
		proj: make([]T, rows*hidden), dproj: make([]T, rows*hidden),
		losses: rowLosses[T]{lse: make([]T, rows), loss: make([]float64, blocks), correct: make([]int, blocks)}}
}

// infoNCE adds step k's loss and accuracy to met and, with backward, the
// gradient of scale·(sum of row losses) to the predictor's weights, to dz
// and to dctx.
func (w *Workspace[T]) infoNCE(k, neg int, rng *rand.Rand, scale float64, backward bool, met *Metrics) {
	t := time.Now()
	C, H, B := w.m.Config.Channels, w.m.Config.Hidden, w.batch
	rows := (w.frames - k) * B
	first, ncand := k*B, rows // candidate rows of z
	if neg > 0 {
		first, ncand = 0, w.frames*B
	}
	predictor := w.m.Predictors[k-1]
	zc := w.z[first*C:]
	proj := w.nce.proj[:ncand*H]
	predictor.TransposedForward(ncand, zc, C, proj, H)
	w.lap(PredictorsForward, &t)
	s := w.nce.scores[:rows*ncand]
	nn.Gemm(false, true, rows, ncand, H, 1, w.ctx, H, proj, H, 0, s, ncand)
	w.lap(ScoresMatmul, &t)
	logits, width := s, ncand
	var cols []int32
	if neg > 0 {
		logits, width = w.gatherSampled(s, rows, ncand, k*B, neg, rng), 1+neg
		cols = w.nce.cols[:rows*width]
	}
	loss, correct := w.nce.losses.run(logits, cols, rows, width, backward)
	met.add(k, loss, correct, rows)
	if !backward {
		w.lap(LogSumExp, &t)
		return
	}
	if neg > 0 {
		clear(s)
		for i, c := range cols {
			s[i/width*ncand+int(c)] += logits[i] // a row drawn twice gets both
		}
	}
	w.lap(LogSumExp, &t)
	a := T(scale)
	dproj := w.nce.dproj[:ncand*H]
	nn.Gemm(false, false, rows, H, ncand, a, s, ncand, proj, H, 1, w.dctx, H)
	nn.Gemm(true, false, ncand, H, rows, a, s, ncand, w.ctx, H, 0, dproj, H)
	w.lap(InfoNCEBack, &t)
	predictor.TransposedBackward(ncand, zc, C, dproj, H, w.dz[first*C:])
	w.lap(PredictorsBackward, &t)
}

// gatherSampled draws neg candidate rows of z for each prediction row and
// returns the [rows, 1+neg] logits picked from the full score matrix s, the
// positive (row pos0 + i of z) first.
func (w *Workspace[T]) gatherSampled(s []T, rows, ncand, pos0, neg int, rng *rand.Rand) []T {
	width := 1 + neg
	if cap(w.nce.logits) < rows*width {
		w.nce.logits = make([]T, rows*width)
		w.nce.cols = make([]int32, rows*width)
	}
	logits, cols := w.nce.logits[:rows*width], w.nce.cols[:rows*width]
	for i := 0; i < rows; i++ {
		cols[i*width] = int32(pos0 + i)
		for j := 1; j < width; j++ {
			cols[i*width+j] = int32(rng.IntN(ncand))
		}
		for j := 0; j < width; j++ {
			logits[i*width+j] = s[i*ncand+int(cols[i*width+j])]
		}
	}
	return logits
}

// rowLosses is the row-wise part of InfoNCE, on the worker pool in blocks
// of rows: each row's log-sum-exp, loss and correctness and, with
// backward, its gradient in place of the logits. Per-block sums are added
// in block order, so the result does not depend on the thread count.
type rowLosses[T nn.Float] struct {
	logits      []T
	cols        []int32 // sampled mode: the z row behind each logit; nil: batch mode
	rows, width int
	backward    bool
	lse         []T
	loss        []float64 // per block
	correct     []int
}

// lossBlock is the rows a part handles: tens of microseconds of work.
const lossBlock = 32

// run returns the summed loss and the number of correct rows of the
// [rows, width] logits, whose positive is column 0 if sampled (cols not
// nil), else the diagonal.
func (r *rowLosses[T]) run(logits []T, cols []int32, rows, width int, backward bool) (loss float64, correct int) {
	r.logits, r.cols, r.rows, r.width, r.backward = logits, cols, rows, width, backward
	blocks := (rows + lossBlock - 1) / lossBlock
	asm.Parallel(blocks, r)
	r.logits, r.cols = nil, nil
	for b := range blocks {
		loss += r.loss[b]
		correct += r.correct[b]
	}
	return loss, correct
}

// Part does block b's rows.
func (r *rowLosses[T]) Part(b int) {
	lo, hi, n := b*lossBlock, min((b+1)*lossBlock, r.rows), r.width
	x, lse := r.logits[lo*n:hi*n], r.lse[lo:hi]
	nn.LogSumExp(hi-lo, n, x, n, lse)
	posCol := func(i int) int { // the positive's column in row i of x
		if r.cols != nil {
			return 0
		}
		return lo + i
	}
	var loss float64
	correct := 0
	for i := range hi - lo {
		row, pos := x[i*n:(i+1)*n], posCol(i)
		loss += float64(lse[i] - row[pos])
		if r.wins(row, lo+i, pos) {
			correct++
		}
	}
	r.loss[b], r.correct[b] = loss, correct
	if r.backward {
		// d(lse − pos)/d logits = softmax − one-hot(positive).
		nn.Softmax(hi-lo, n, x, n, lse, x, n)
		for i := range hi - lo {
			x[i*n+posCol(i)]--
		}
	}
}

// wins reports whether the positive, column pos of logits row i, scores
// strictly above every other candidate of the row.
func (r *rowLosses[T]) wins(row []T, i, pos int) bool {
	for j, x := range row {
		if j == pos || r.cols != nil && r.cols[i*r.width+j] == r.cols[i*r.width+pos] {
			continue
		}
		if x >= row[pos] {
			return false
		}
	}
	return true
}

// Metrics are the loss (mean cross-entropy over every prediction) and the
// accuracy (share of predictions whose positive scored highest), overall
// and per step k (index k−1).
type Metrics struct {
	Loss, Accuracy float64
	LossK, AccK    []float64
	counts         []int
}

func newMetrics(k int) Metrics {
	return Metrics{LossK: make([]float64, k), AccK: make([]float64, k), counts: make([]int, k)}
}

func (m *Metrics) reset() {
	m.Loss, m.Accuracy = 0, 0
	clear(m.LossK)
	clear(m.AccK)
	clear(m.counts)
}

func (m *Metrics) add(k int, loss float64, correct, n int) {
	m.LossK[k-1], m.AccK[k-1], m.counts[k-1] = loss, float64(correct), n
}

func (m *Metrics) finish() {
	total := 0
	for i, n := range m.counts {
		m.Loss += m.LossK[i]
		m.Accuracy += m.AccK[i]
		total += n
		m.LossK[i] /= float64(n)
		m.AccK[i] /= float64(n)
	}
	m.Loss /= float64(total)
	m.Accuracy /= float64(total)
}
