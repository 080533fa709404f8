package cpc

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// With past windows the loss is a function of the weights through two
// encodings (the past's into the context, the windows' as targets): its
// gradients, which add both encoder passes, match central differences.
func TestPastGradients(t *testing.T) {
	normedStack := tinyArch()
	normedStack.ChannelNorm, normedStack.ContextLayers = true, 2
	wide := Arch{Name: "wide", Channels: 16, Hidden: 5, Predict: 2, Kernels: []int{4, 8}, Strides: []int{2, 4}}
	for _, c := range []struct {
		neg, window int
		arch        Arch
	}{{0, 34, tinyArch()}, {4, 40, tinyArch()}, {0, 34, normedStack}, {0, 90, wide}} {
		m, w, audio := modelOf(t, c.arch, c.window, 4)
		randomizeNorms(m, 6)
		past := make([]float64, len(audio))
		r := rand.New(rand.NewPCG(8, 9))
		for i := range past {
			past[i] = 0.5*audio[i] + r.NormFloat64()
		}
		if err := w.SetPast(past); err != nil {
			t.Fatal(err)
		}
		loss := func() float64 {
			met, _ := w.Loss(audio, c.neg, rand.New(rand.NewPCG(5, 5)))
			return met.Loss
		}
		for range 2 { // the second step's, as TestLossGradients
			m.ZeroGrad()
			w.Gradients(audio, c.neg, rand.New(rand.NewPCG(5, 5)))
		}
		checkParamGradients(t, fmt.Sprintf("%s with a past, neg %d", c.arch.Name, c.neg), m, loss)
	}
}

// A past equal to the windows gives the loss and gradients of no past (to
// rounding: the encoder's gradient arrives in two halves), and nil turns
// the past off again.
func TestPastEqualToWindows(t *testing.T) {
	m, w, audio := modelOf(t, tinyArch(), 40, 3)
	grads := func() (float64, []float64) {
		m.ZeroGrad()
		met, err := w.Gradients(audio, 0, rand.New(rand.NewPCG(5, 5)))
		if err != nil {
			t.Fatal(err)
		}
		var g []float64
		for _, p := range m.Params() {
			g = append(g, p.G...)
		}
		return met.Loss, g
	}
	loss, g := grads()
	if err := w.SetPast(slices.Clone(audio)); err != nil {
		t.Fatal(err)
	}
	pastLoss, pastG := grads()
	if math.Abs(pastLoss-loss) > 1e-12 {
		t.Errorf("loss %.15g with the windows as their past, %.15g without", pastLoss, loss)
	}
	for i := range g {
		if math.Abs(pastG[i]-g[i]) > 1e-12*max(1, math.Abs(g[i])) {
			t.Fatalf("gradient %d: %.15g with the windows as their past, %.15g without", i, pastG[i], g[i])
		}
	}
	w.SetPast(nil)
	if again, againG := grads(); again != loss || !slices.Equal(againG, g) {
		t.Errorf("past off again: loss %.15g, want %.15g (gradients equal: %v)", again, loss, slices.Equal(againG, g))
	}
	if err := w.SetPast(audio[1:]); err == nil {
		t.Error("a past of the wrong length: no error")
	}
}
