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
// A score (W_k c_t)·z (divided by C with Arch.MeanScores) is computed as
// c_t·(W_kᵀ z): the candidates are taken into the context's H dimensions
// once, and the score matrix and its two gradients, the bulk of the work,
// have inner dimension H instead of C (half the work in the paper config,
// H 256 and C 512; the same when H = C). A replica of a group has more
// candidates (the global batch's) than predictions (its share): there,
// where it costs less (see predictCheaper; with H = C, always), the
// predictions W_k c_t are computed instead, and scored against z itself;
// so they are with dropout (dropout.go), which drops values of them, and
// with a feed-forward head (head.go), which has no transpose.

type nceScratch[T nn.Float] struct {
	predict bool    // project the predictions (W_k c_t), not the candidates
	scores  []T     // [rows, candidates]
	proj    []T     // [candidates, H]: W_kᵀ z of every candidate; predicting, [rows, C]: W_k c_t
	dproj   []T     // its gradient
	hid     []T     // with a feed-forward head: its hidden values, [rows, D]
	dhid    []T     // their gradient
	logits  []T     // sampled mode: [rows, 1 + neg], the positive first
	cols    []int32 // sampled mode: the candidate row of z behind each logit
	losses  rowLosses[T]
}

// newNCE gives the workspace InfoNCE's scratch for its rows' predictions
// scored against cands candidates: projecting the predictions where that
// costs less (cheaper), and always with dropout (which drops values of
// them) or a feed-forward head (which has no transpose).
func (w *Workspace[T]) newNCE(cands int, cheaper bool) {
	predict := cheaper || w.drop.p > 0 || w.m.Arch.PredictorHidden > 0
	w.nce = newNCEScratch[T](w.frames*w.batch, cands, w.m.Arch, w.layout, predict)
}

// newNCEScratch returns scratch for rows predictions scored against up
// to cands candidates, projecting the predictions if predict; the positive
// of prediction row i is candidate positive(i) (see batchLayout).
func newNCEScratch[T nn.Float](rows, cands int, arch Arch, layout batchLayout, predict bool) nceScratch[T] {
	blocks := (rows + lossBlock - 1) / lossBlock
	n := cands * arch.Hidden
	if predict {
		n = rows * arch.Channels
	}
	nc := nceScratch[T]{predict: predict, scores: make([]T, rows*cands),
		proj: make([]T, n), dproj: make([]T, n),
		losses: rowLosses[T]{lse: make([]T, rows), loss: make([]float64, blocks), correct: make([]int, blocks), layout: layout}}
	if d := arch.PredictorHidden; d > 0 {
		nc.hid, nc.dhid = make([]T, rows*d), make([]T, rows*d)
	}
	return nc
}

// batchLayout places a replica's windows in the global batch: the local
// batch's window b is window off + b of the global one. Time-major rows
// of local and global arrays then map as row t·local + b ↔ t·global +
// off + b. One process alone has local = global and off = 0: every row
// maps to itself.
type batchLayout struct{ local, global, off int }

// globalRow is the global row of local row i.
func (l batchLayout) globalRow(i int) int { return i/l.local*l.global + l.off + i%l.local }

// nceStep is what InfoNCE's forward at step k leaves for its backward: the
// rows scored and the candidates' first row of the global z and their
// count.
type nceStep struct{ k, rows, first, ncand int }

// infoNCEForward adds step k's loss sum and correct count to met. The
// predictions are this replica's rows; the candidates, every row of the
// global batch's z (zg). It leaves the candidates' projections and the
// logits in the scratch, which infoNCEBackward, called next if at all,
// reads.
func (w *Workspace[T]) infoNCEForward(k, neg int, rng *rand.Rand, met *Metrics) nceStep {
	t := time.Now()
	C, H, B, G := w.m.Arch.Channels, w.m.Arch.Hidden, w.batch, w.layout.global
	st := nceStep{k: k, rows: (w.frames - k) * B, first: k * G, ncand: (w.frames - k) * G}
	if neg > 0 {
		st.first, st.ncand = 0, w.frames*G
	}
	s := w.nce.scores[:st.rows*st.ncand]
	if w.nce.predict {
		pred := w.nce.proj[:st.rows*C]
		w.m.Predictors[k-1].Forward(st.rows, w.ctx, H, pred, C, w.nce.hid)
		if w.drop.on {
			w.drop.forward(pred, k, st.rows, C, w.layout)
		}
		w.lap(PredictorsForward, &t)
		nn.Gemm(false, true, st.rows, st.ncand, C, T(w.m.Arch.scoreScale()), pred, C, w.zg[st.first*C:], C, 0, s, st.ncand)
	} else {
		proj := w.nce.proj[:st.ncand*H]
		w.m.Predictors[k-1].Out.TransposedForward(st.ncand, w.zg[st.first*C:], C, proj, H)
		w.lap(PredictorsForward, &t)
		nn.Gemm(false, true, st.rows, st.ncand, H, T(w.m.Arch.scoreScale()), w.ctx, H, proj, H, 0, s, st.ncand)
	}
	w.lap(ScoresMatmul, &t)
	logits, width, cols := s, st.ncand, []int32(nil)
	if neg > 0 {
		logits, width = w.gatherSampled(s, st.rows, st.ncand, k*G, neg, rng), 1+neg
		cols = w.nce.cols[:st.rows*width]
	}
	loss, correct := w.nce.losses.forward(logits, cols, st.rows, width)
	met.add(k, loss, correct, st.rows)
	w.lap(LogSumExp, &t)
	return st
}

// infoNCEBackward adds the gradient of scale·(sum of step st.k's row
// losses) to the predictor's weights, to the global dzg and to dctx.
func (w *Workspace[T]) infoNCEBackward(st nceStep, scale float64) {
	t := time.Now()
	C, H := w.m.Arch.Channels, w.m.Arch.Hidden
	s := w.nce.scores[:st.rows*st.ncand]
	w.nce.losses.backward()
	if r := &w.nce.losses; r.cols != nil { // scatter the sampled logits' gradients
		clear(s)
		for i, c := range r.cols {
			s[i/r.width*st.ncand+int(c)] += r.logits[i] // a row drawn twice gets both
		}
	}
	w.nce.losses.logits, w.nce.losses.cols = nil, nil
	w.lap(LogSumExp, &t)
	a := T(scale * w.m.Arch.scoreScale()) // the scores' own factor too
	if w.nce.predict {
		pred, dpred, zg := w.nce.proj[:st.rows*C], w.nce.dproj[:st.rows*C], w.zg[st.first*C:]
		nn.Gemm(false, false, st.rows, C, st.ncand, a, s, st.ncand, zg, C, 0, dpred, C)
		nn.Gemm(true, false, st.ncand, C, st.rows, a, s, st.ncand, pred, C, 1, w.dzg[st.first*C:], C)
		w.lap(InfoNCEBack, &t)
		if w.drop.on {
			w.drop.backward(dpred)
		}
		w.m.Predictors[st.k-1].Backward(st.rows, w.ctx, H, dpred, C, w.dctx, w.nce.hid, w.nce.dhid)
		w.lap(PredictorsBackward, &t)
		return
	}
	proj, dproj := w.nce.proj[:st.ncand*H], w.nce.dproj[:st.ncand*H]
	nn.Gemm(false, false, st.rows, H, st.ncand, a, s, st.ncand, proj, H, 1, w.dctx, H)
	nn.Gemm(true, false, st.ncand, H, st.rows, a, s, st.ncand, w.ctx, H, 0, dproj, H)
	w.lap(InfoNCEBack, &t)
	w.m.Predictors[st.k-1].Out.TransposedBackward(st.ncand, w.zg[st.first*C:], C, dproj, H, w.dzg[st.first*C:])
	w.lap(PredictorsBackward, &t)
}

// gatherSampled draws neg candidate rows of the global z for each
// prediction row i and returns the [rows, 1+neg] logits picked from the
// full score matrix s, the positive (global row pos0 + globalRow(i))
// first.
func (w *Workspace[T]) gatherSampled(s []T, rows, ncand, pos0, neg int, rng *rand.Rand) []T {
	width := 1 + neg
	if cap(w.nce.logits) < rows*width {
		w.nce.logits = make([]T, rows*width)
		w.nce.cols = make([]int32, rows*width)
	}
	logits, cols := w.nce.logits[:rows*width], w.nce.cols[:rows*width]
	for i := 0; i < rows; i++ {
		cols[i*width] = int32(pos0 + w.layout.globalRow(i))
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
// of rows: forward, each row's log-sum-exp, loss and correctness; backward,
// each row's gradient in place of its logits. Per-block sums are added in
// block order, so the result does not depend on the thread count.
type rowLosses[T nn.Float] struct {
	logits      []T
	cols        []int32 // sampled mode: the z row behind each logit; nil: batch mode
	rows, width int
	layout      batchLayout // batch mode: row i's positive is column layout.globalRow(i)
	lse         []T
	loss        []float64 // per block
	correct     []int
	grad        rowGradients[T]
}

// lossBlock is the rows a part handles: tens of microseconds of work.
const lossBlock = 32

func (r *rowLosses[T]) blocks() int { return (r.rows + lossBlock - 1) / lossBlock }

// forward returns the summed loss and the number of correct rows of the
// [rows, width] logits, whose positive is column 0 if sampled (cols not
// nil), else the diagonal. It keeps the logits for backward.
func (r *rowLosses[T]) forward(logits []T, cols []int32, rows, width int) (loss float64, correct int) {
	r.logits, r.cols, r.rows, r.width = logits, cols, rows, width
	asm.Parallel(r.blocks(), r)
	for b := range r.blocks() {
		loss += r.loss[b]
		correct += r.correct[b]
	}
	return loss, correct
}

// backward replaces the logits of the last forward by the gradient of the
// summed row losses: d(lse − positive)/d logits = softmax − one-hot.
func (r *rowLosses[T]) backward() {
	r.grad.r = r
	asm.Parallel(r.blocks(), &r.grad)
	r.grad.r = nil
}

// block returns block b's first and end row and its logits and
// log-sum-exps.
func (r *rowLosses[T]) block(b int) (lo, hi int, x, lse []T) {
	lo, hi = b*lossBlock, min((b+1)*lossBlock, r.rows)
	return lo, hi, r.logits[lo*r.width : hi*r.width], r.lse[lo:hi]
}

// posCol is the positive's column in row i of the logits.
func (r *rowLosses[T]) posCol(i int) int {
	if r.cols != nil {
		return 0
	}
	return r.layout.globalRow(i)
}

// Part does block b's rows of the forward.
func (r *rowLosses[T]) Part(b int) {
	lo, hi, x, lse := r.block(b)
	n := r.width
	nn.LogSumExp(hi-lo, n, x, n, lse)
	var loss float64
	correct := 0
	for i := lo; i < hi; i++ {
		row, pos := x[(i-lo)*n:(i-lo+1)*n], r.posCol(i)
		loss += float64(lse[i-lo] - row[pos])
		if r.wins(row, i, pos) {
			correct++
		}
	}
	r.loss[b], r.correct[b] = loss, correct
}

// rowGradients is the backward's pass over the blocks of rowLosses r.
type rowGradients[T nn.Float] struct{ r *rowLosses[T] }

// Part does block b's rows of the backward.
func (g *rowGradients[T]) Part(b int) {
	r := g.r
	lo, hi, x, lse := r.block(b)
	n := r.width
	nn.Softmax(hi-lo, n, x, n, lse, x, n)
	for i := lo; i < hi; i++ {
		x[(i-lo)*n+r.posCol(i)]--
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

// predictCheaper reports whether projecting the predictions (rows of them,
// W_k c_t) costs less than projecting the candidates (cands, W_kᵀ z): per
// k, the first costs rows·C·H for the projection and rows·cands·C for the
// score matrix, each three times over with the gradients; the second
// cands·C·H and rows·cands·H. Alone (cands = rows) the candidates'
// projection is never dearer, so one process keeps it.
func predictCheaper(arch Arch, rows, cands int) bool {
	C, H := float64(arch.Channels), float64(arch.Hidden)
	r, c := float64(rows), float64(cands)
	return r*C*H+r*c*C < c*C*H+r*c*H
}
