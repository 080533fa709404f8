package probe

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/gocpc/cpc/core/nn"
)

// Folds is the number of parts cross-validation cuts the train split into.
// The j-th train utterance of each speaker goes to fold j mod Folds, so a
// fold holds whole utterances (neighbouring frames are nearly alike, and
// held-out frames from a training utterance would reward memorising it)
// and every speaker is in every fold and in every fold's complement.
const Folds = 4

// L2Grid is what --l2 auto chooses from: on standardised features the
// mean cross-entropy's curvature is of order one, so 1e-1 already shrinks
// the weights hard and 1e-5 leaves them almost free.
var L2Grid = []float64{1e-1, 1e-2, 1e-3, 1e-4, 1e-5}

// CVScore is the held-out accuracy of one L2 strength: frames classified
// correctly by the classifier fitted without their fold, over all folds;
// for the speaker classifier also utterances, each classified as on the
// test split (the argmax of its frames' summed log-probabilities).
type CVScore struct {
	L2                float64  `json:"l2"`
	Accuracy          float64  `json:"accuracy"`
	UtteranceAccuracy *float64 `json:"utterance_accuracy,omitempty"` // speaker classifier only
}

// checkFolds makes sure every speaker has an utterance in every fold.
func (d *Dataset) checkFolds() error {
	n := make([]int, len(d.Speakers))
	for _, u := range d.Train {
		n[d.speaker(u)]++
	}
	for s, c := range n {
		if c < Folds {
			return fmt.Errorf("speaker %s has %d train utterances; cross-validation needs %d", d.Speakers[s], c, Folds)
		}
	}
	return nil
}

// fitSelected fits a classifier on rows x with classes y at opt.Fit.L2,
// or, with opt.L2Grid, at the grid strength with the best cross-validated
// accuracy (the stronger on a tie), refitted on every row. fold gives each
// row's fold and, if utt is not nil, its utterance, for the held-out
// utterance accuracy. The same procedure for every feature set keeps the
// table fair: a fixed strength suits some features better than others.
func fitSelected(x []float32, y []int32, fold []int8, utt []int32, dim, classes int, opt Options) (*Classifier, error) {
	if len(opt.L2Grid) == 0 {
		return Fit(x, y, dim, classes, opt.Fit)
	}
	// The folds are independent fits: they run side by side, as many at a
	// time as there are threads, which keeps every core busy where one
	// fit alone would leave part of each evaluation (gonum's L-BFGS, the
	// loops between the products) on one. Each fold's counts are its own,
	// so the result does not depend on the order the folds finish in.
	counts := make([]foldCounts, Folds)
	errs := make([]error, Folds)
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for k := range int8(Folds) {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			counts[k], errs[k] = crossValidate(x, y, fold, utt, k, dim, classes, opt)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	correct, uttCorrect, utts := make([]int, len(opt.L2Grid)), make([]int, len(opt.L2Grid)), 0
	for _, c := range counts {
		for g := range opt.L2Grid {
			correct[g] += c.correct[g]
			uttCorrect[g] += c.uttCorrect[g]
		}
		utts += c.utts
	}
	best := 0
	scores := make([]CVScore, len(opt.L2Grid))
	for g, l2 := range opt.L2Grid {
		scores[g] = CVScore{L2: l2, Accuracy: float64(correct[g]) / float64(len(y))}
		if utt != nil {
			a := float64(uttCorrect[g]) / float64(utts)
			scores[g].UtteranceAccuracy = &a
		}
		if correct[g] > correct[best] || correct[g] == correct[best] && l2 > opt.L2Grid[best] {
			best = g
		}
	}
	fo := opt.Fit
	fo.L2 = opt.L2Grid[best]
	c, err := Fit(x, y, dim, classes, fo)
	if err != nil {
		return nil, err
	}
	c.Fit.CV = scores
	return c, nil
}

// foldCounts are one held-out fold's right answers at each grid strength:
// frames, and utterances (of utts) where rows have utterances.
type foldCounts struct {
	correct, uttCorrect []int
	utts                int
}

// crossValidate fits on every fold but k at each strength of opt.L2Grid
// and counts what the fits get right on fold k.
func crossValidate(x []float32, y []int32, fold []int8, utt []int32, k int8, dim, classes int, opt Options) (foldCounts, error) {
	n := len(opt.L2Grid)
	fc := foldCounts{correct: make([]int, n), uttCorrect: make([]int, n)}
	var fitX, valX []float32
	var fitY, valY, valU []int32
	for i, f := range fold {
		row := x[i*dim : (i+1)*dim]
		if f == k {
			valX, valY = append(valX, row...), append(valY, y[i])
			if utt != nil {
				valU = append(valU, utt[i])
			}
		} else {
			fitX, fitY = append(fitX, row...), append(fitY, y[i])
		}
	}
	if len(valY) == 0 {
		// Possible only when --max-train-frames leaves few frames.
		return fc, fmt.Errorf("cross-validation fold %d has no frames", k)
	}
	var start []float64
	for g, l2 := range opt.L2Grid {
		fo := opt.Fit
		fo.L2 = l2
		// Each strength starts from the previous one's minimum: the
		// objective is strongly convex, so only the iterations change.
		c, err := fit(fitX, fitY, dim, classes, fo, start)
		if err != nil {
			return fc, fmt.Errorf("fold %d, L2 %g: %w", k, l2, err)
		}
		start = c.params()
		fc.correct[g] = c.correct(valX, valY)
		if utt != nil {
			fc.uttCorrect[g], fc.utts = c.correctUtterances(valX, valY, valU)
		}
	}
	return fc, nil
}

// correct counts the rows of x the classifier gets right.
func (c *Classifier) correct(x []float32, y []int32) int {
	n := 0
	s := make([]float32, rowBlock*c.Classes)
	for r0 := 0; r0 < len(y); r0 += rowBlock {
		rows := min(rowBlock, len(y)-r0)
		c.Scores(x[r0*c.Dim:(r0+rows)*c.Dim], rows, s)
		for i, l := range y[r0 : r0+rows] {
			if argmax(s[i*c.Classes:(i+1)*c.Classes]) == int(l) {
				n++
			}
		}
	}
	return n
}

// correctUtterances classifies the utterances of rows x (utt gives each
// row's) by the argmax of their rows' summed log-probabilities, and
// returns how many it gets right (y: each row's class) and how many
// there are.
func (c *Classifier) correctUtterances(x []float32, y, utt []int32) (correct, n int) {
	k := c.Classes
	sums, class := map[int32][]float64{}, map[int32]int32{}
	s, lse := make([]float32, rowBlock*k), make([]float32, rowBlock)
	for r0 := 0; r0 < len(y); r0 += rowBlock {
		rows := min(rowBlock, len(y)-r0)
		c.Scores(x[r0*c.Dim:(r0+rows)*c.Dim], rows, s)
		nn.LogSumExp(rows, k, s, k, lse)
		for i := range rows {
			u := utt[r0+i]
			if sums[u] == nil {
				sums[u], class[u] = make([]float64, k), y[r0+i]
			}
			addLogProbs(sums[u], s[i*k:(i+1)*k], lse[i])
		}
	}
	for u, sum := range sums {
		if argmax(sum) == int(class[u]) {
			correct++
		}
	}
	return correct, len(sums)
}

// params are the classifier's weights in the objective's layout.
func (c *Classifier) params() []float64 {
	p := make([]float64, 0, len(c.W)+len(c.B))
	for _, v := range c.W {
		p = append(p, float64(v))
	}
	for _, v := range c.B {
		p = append(p, float64(v))
	}
	return p
}

// FitCV fits a classifier on rows x with classes y at the strength of
// grid with the best cross-validated accuracy (see fitSelected), row i
// going to fold i mod Folds: for rows that are independent samples, such
// as images, where no utterance ties neighbouring rows together.
func FitCV(x []float32, y []int32, dim, classes int, grid []float64) (*Classifier, error) {
	switch {
	case len(grid) == 0:
		return nil, fmt.Errorf("no L2 strengths to choose from")
	case len(x) != len(y)*dim:
		return nil, fmt.Errorf("%d values for %d rows of %d", len(x), len(y), dim)
	}
	fold := make([]int8, len(y))
	for i := range fold {
		fold[i] = int8(i % Folds)
	}
	return fitSelected(x, y, fold, nil, dim, classes, Options{L2Grid: grid})
}
