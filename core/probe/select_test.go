package probe

import (
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"
)

// nuisanceFeatures are codeFeatures with a weak phone bump (height 0.7)
// plus dims dimensions of noise that is constant over an utterance, as a
// recording's channel is: with few utterances a weakly regularised
// classifier fits the noise.
func nuisanceFeatures(classes, speakers, dims int) Features {
	code := codeFeatures(classes, speakers, 1, true)
	dim := code.Dim + dims
	return Features{Name: "nuisance", Dim: dim, Width: code.Width, Hop: code.Hop, Compute: func(x []float32) []float32 {
		c := code.Compute(x)
		n := len(c) / code.Dim
		rng := rand.New(rand.NewPCG(uint64(x[0]), uint64(x[len(x)-1])))
		offset := make([]float32, dims)
		for j := range offset {
			offset[j] = float32(2 * rng.NormFloat64())
		}
		out := make([]float32, 0, n*dim)
		for t := 0; t < n; t++ {
			row := c[t*code.Dim : (t+1)*code.Dim]
			for j := range row[:classes] {
				row[j] *= 0.7 / 3 // codeFeatures' bump is 3
			}
			out = append(append(out, row...), offset...)
		}
		return out
	}}
}

// The cross-validation tests' dataset: per speaker 9 utterances (8 for
// training) of 30 label spans, 5 phone classes.
const cvSpeakers, cvUtts, cvSpans, cvClasses = 3, 9, 30, 5

// cvFrames returns the train frames, standardised, of that dataset with
// nuisanceFeatures.
func cvFrames(t *testing.T, seed uint64) (frames, Features) {
	t.Helper()
	d := synthDataset(t, cvSpeakers, cvUtts, cvSpans, cvClasses, seed)
	f := nuisanceFeatures(cvClasses, cvSpeakers, 40)
	fr, err := trainingFrames(d, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	NewStandardizer(fr.x, f.Dim).Apply(fr.x)
	return fr, f
}

// TestL2Selection checks the cross-validation against a plain
// re-implementation: folds made of whole utterances, the j-th train
// utterance of each speaker in fold j mod Folds, each grid strength fitted
// from zero on three folds and scored on the fourth, and the best strength
// (the stronger on a tie) refitted on everything.
func TestL2Selection(t *testing.T) {
	const utts, classes = cvUtts, cvClasses
	fr, f := cvFrames(t, 4)
	const perUtt = cvSpans - 2 // frames of 465 samples in 30 spans of 160
	for i, k := range fr.fold {
		if want := int8(i / perUtt % (utts - 1) % Folds); k != want {
			t.Fatalf("frame %d (train utterance %d) is in fold %d, want %d", i, i/perUtt, k, want)
		}
	}
	opt := Options{Fit: FitOptions{L2: 1}, L2Grid: L2Grid}
	c, err := fitSelected(fr.x, fr.phone, fr.fold, nil, f.Dim, classes, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Fit.CV) != len(L2Grid) {
		t.Fatalf("%d cross-validation scores for %d strengths", len(c.Fit.CV), len(L2Grid))
	}
	accs := make([]float64, len(L2Grid))
	for g, l2 := range L2Grid {
		correct := 0
		for k := 0; k < Folds; k++ {
			var fitX, valX []float32
			var fitY, valY []int32
			for i, y := range fr.phone {
				row := fr.x[i*f.Dim : (i+1)*f.Dim]
				if i/perUtt%(utts-1)%Folds == k {
					valX, valY = append(valX, row...), append(valY, y)
				} else {
					fitX, fitY = append(fitX, row...), append(fitY, y)
				}
			}
			m, err := Fit(fitX, fitY, f.Dim, classes, FitOptions{L2: l2})
			if err != nil {
				t.Fatal(err)
			}
			correct += m.correct(valX, valY)
		}
		accs[g] = float64(correct) / float64(len(fr.phone))
		// Warm starts end within the optimiser's tolerance of the same
		// minimum: a frame or two may flip.
		if got := c.Fit.CV[g]; got.L2 != l2 || math.Abs(got.Accuracy-accs[g]) > 0.005 {
			t.Errorf("L2 %g: cross-validation says %+v, refitting gives %.4f", l2, got, accs[g])
		}
		t.Logf("L2 %g: held-out accuracy %.3f", l2, accs[g])
	}
	chosen := slices.Index(L2Grid, c.Fit.L2)
	if chosen < 0 || accs[chosen] < slices.Max(accs)-0.005 {
		t.Errorf("chose L2 %g, held-out accuracies %v for %v", c.Fit.L2, accs, L2Grid)
	}
	// The nuisance dimensions make the weakest strength overfit.
	if chosen == len(L2Grid)-1 {
		t.Errorf("chose the weakest L2, %g", c.Fit.L2)
	}
}

// TestL2SelectionNeedsFolds: a speaker with fewer train utterances than
// folds leaves a fold without it; the error says so.
func TestL2SelectionNeedsFolds(t *testing.T) {
	d := synthDataset(t, 2, 4, 30, 3, 5) // 3 train utterances a speaker
	_, err := Run(d, codeFeatures(3, 2, 1, true), Options{L2Grid: L2Grid})
	if want := "speaker 1 has 3 train utterances; cross-validation needs 4"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// TestHeldOutUtteranceAccuracy checks the speaker classifier's held-out
// utterance accuracy against a plain re-implementation: each held-out
// utterance goes to the speaker with the largest sum of its frames'
// log-probabilities (float64 here), under the classifier fitted without
// its fold.
func TestHeldOutUtteranceAccuracy(t *testing.T) {
	const speakers = cvSpeakers
	fr, f := cvFrames(t, 6)
	const perUtt = cvSpans - 2
	for i, u := range fr.utt {
		if u != int32(i/perUtt) {
			t.Fatalf("frame %d is of train utterance %d, want %d", i, u, i/perUtt)
		}
	}
	c, err := fitSelected(fr.x, fr.speaker, fr.fold, fr.utt, f.Dim, speakers, Options{L2Grid: L2Grid})
	if err != nil {
		t.Fatal(err)
	}
	nutts := len(fr.speaker) / perUtt
	for g, l2 := range L2Grid {
		correct := 0
		for k := int8(0); k < Folds; k++ {
			var fitX []float32
			var fitY []int32
			for i, y := range fr.speaker {
				if fr.fold[i] != k {
					fitX, fitY = append(fitX, fr.x[i*f.Dim:(i+1)*f.Dim]...), append(fitY, y)
				}
			}
			m, err := Fit(fitX, fitY, f.Dim, speakers, FitOptions{L2: l2})
			if err != nil {
				t.Fatal(err)
			}
			for u := 0; u < nutts; u++ {
				if fr.fold[u*perUtt] != k {
					continue
				}
				s := make([]float32, perUtt*speakers)
				m.Scores(fr.x[u*perUtt*f.Dim:(u+1)*perUtt*f.Dim], perUtt, s)
				total := make([]float64, speakers)
				for i := 0; i < perUtt; i++ {
					row, lse := s[i*speakers:(i+1)*speakers], 0.0
					for _, v := range row {
						lse += math.Exp(float64(v))
					}
					for j, v := range row {
						total[j] += float64(v) - math.Log(lse)
					}
				}
				if argmax(total) == int(fr.speaker[u*perUtt]) {
					correct++
				}
			}
		}
		want := float64(correct) / float64(nutts)
		got := c.Fit.CV[g].UtteranceAccuracy
		// Warm starts end within the optimiser's tolerance of the same
		// minimum: one utterance may flip.
		if got == nil || math.Abs(*got-want) > 1.01/float64(nutts) {
			t.Errorf("L2 %g: held-out utterance accuracy %v, refitting gives %.4f", l2, got, want)
		}
		t.Logf("L2 %g: held-out utterance accuracy %.3f (frames %.3f)", l2, want, c.Fit.CV[g].Accuracy)
	}
}

// TestFitCV: on rows where one informative dimension sits beside many of
// pure noise and few rows, cross-validation picks a strong L2 over the
// weakest (which fits the noise), and bad input is an error.
func TestFitCV(t *testing.T) {
	const n, noise = 80, 60
	rng := rand.New(rand.NewPCG(3, 3))
	dim := 1 + noise
	x, y := make([]float32, n*dim), make([]int32, n)
	for i := range y {
		y[i] = int32(i % 2)
		x[i*dim] = float32(y[i]) + float32(0.8*rng.NormFloat64())
		for j := 1; j < dim; j++ {
			x[i*dim+j] = float32(rng.NormFloat64())
		}
	}
	grid := []float64{1e-1, 1e-5}
	c, err := FitCV(x, y, dim, 2, grid)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Fit.CV) != len(grid) || c.Fit.L2 != 1e-1 {
		t.Fatalf("chose L2 %g from %+v, want 0.1", c.Fit.L2, c.Fit.CV)
	}
	if _, err := FitCV(x, y, dim, 2, nil); err == nil {
		t.Error("an empty grid: no error")
	}
	if _, err := FitCV(x[:len(x)-1], y, dim, 2, grid); err == nil {
		t.Error("a short x: no error")
	}
}

// TestSelectionThreads: the folds fit side by side, as many at a time as
// there are threads; the scores and the classifier are the same bits on
// one thread and on four.
func TestSelectionThreads(t *testing.T) {
	fr, f := cvFrames(t, 7)
	fitOn := func(threads int) *Classifier {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
		c, err := fitSelected(fr.x, fr.speaker, fr.fold, fr.utt, f.Dim, cvSpeakers, Options{L2Grid: L2Grid})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	one, four := fitOn(1), fitOn(4)
	if !reflect.DeepEqual(one.Fit, four.Fit) || !slices.Equal(one.W, four.W) || !slices.Equal(one.B, four.B) {
		t.Errorf("one thread: %v\nfour threads: %v (or the weights differ)", one.Fit, four.Fit)
	}
}
