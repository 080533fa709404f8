package cpc

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestDropoutGradients: with dropout, Gradients is the gradient of the
// loss with the same values dropped (the same key), by finite
// differences, in batch and sampled modes.
func TestDropoutGradients(t *testing.T) {
	both := tinyArch()
	both.ChannelNorm, both.ContextLayers, both.MeanScores = true, 2, true
	for _, c := range []struct {
		neg  int
		arch Arch
	}{{0, tinyArch()}, {4, tinyArch()}, {0, both}, {0, headed(both)}} {
		m, w, audio := modelOf(t, c.arch, 34, 4)
		if err := w.SetDropout(0.5); err != nil {
			t.Fatal(err)
		}
		w.DropKey(11)
		gen := func() *rand.Rand { return rand.New(rand.NewPCG(5, 5)) }
		loss := func() float64 {
			met, err := w.run(audio, c.neg, gen(), false, true)
			if err != nil {
				t.Fatal(err)
			}
			return met.Loss
		}
		for range 2 { // the second step's gradients: buffers as the first left them
			m.ZeroGrad()
			if _, err := w.Gradients(audio, c.neg, gen()); err != nil {
				t.Fatal(err)
			}
		}
		if clean, _ := w.Loss(audio, c.neg, gen()); math.Abs(clean.Loss-loss()) < 1e-3 {
			t.Fatalf("neg %d: the loss with dropout %v is the loss without %v", c.neg, loss(), clean.Loss)
		}
		checkParamGradients(t, fmt.Sprintf("%s, neg %d, dropout", c.arch.Name, c.neg), m, loss)
	}
}

// TestDropoutDrops: a fraction p of the values is zeroed, the rest scaled
// by 1/(1−p); another key or k draws another pattern, the same key the
// same one; evaluation (Loss) drops nothing.
func TestDropoutDrops(t *testing.T) {
	const rows, C, p = 400, 50, 0.3
	d := dropout[float64]{p: p, key: 7, keep: make([]float64, rows*C)}
	pattern := func(key uint64, k int) []float64 {
		d.key = key
		pred := make([]float64, rows*C)
		for i := range pred {
			pred[i] = 2
		}
		d.forward(pred, k, rows, C, batchLayout{rows, rows, 0})
		return pred
	}
	a := pattern(7, 1)
	zeros := 0
	for i, v := range a {
		switch v {
		case 0:
			zeros++
		case 2 / (1 - p):
		default:
			t.Fatalf("value %d is %v: want 0 or %v", i, v, 2/(1-p))
		}
	}
	// A binomial count of rows·C = 20000 draws: sd 65, so 5 sd is ±325.
	if frac := float64(zeros) / float64(len(a)); math.Abs(frac-p) > 0.0165 {
		t.Errorf("%.4f of the values dropped, want %v", frac, p)
	}
	same, otherKey, otherK := 0, 0, 0
	b, c, e := pattern(7, 1), pattern(8, 1), pattern(7, 2)
	for i := range a {
		same += boolInt(a[i] == b[i])
		otherKey += boolInt(a[i] == c[i])
		otherK += boolInt(a[i] == e[i])
	}
	// Independent patterns agree on p² + (1−p)² = 58 % of the values.
	if same != len(a) || otherKey > len(a)*2/3 || otherK > len(a)*2/3 {
		t.Errorf("of %d values, the same key agrees on %d, another key on %d, another k on %d", len(a), same, otherKey, otherK)
	}

	_, w, audio := modelOf(t, tinyArch(), 34, 4)
	want, _ := w.Loss(audio, 0, nil)
	if err := w.SetDropout(0.5); err != nil {
		t.Fatal(err)
	}
	got, err := w.Loss(audio, 0, nil)
	if err != nil || math.Abs(got.Loss-want.Loss) > 1e-12 {
		t.Errorf("Loss with dropout set: %v (%v), without: %v", got.Loss, err, want.Loss)
	}
	for _, bad := range []float64{-0.1, 1, math.NaN()} {
		if err := w.SetDropout(bad); err == nil {
			t.Errorf("dropout %v accepted", bad)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// headed is a with a feed-forward head of 5 hidden units.
func headed(a Arch) Arch {
	a.PredictorHidden = 5
	return a
}
