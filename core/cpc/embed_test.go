package cpc

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestEmbedIsCausalAndLocal checks the frames Embed documents: the z_t and
// c_t of a prefix ending where frame t's field ends are the first t+1
// frames of the whole utterance's.
func TestEmbedIsCausalAndLocal(t *testing.T) {
	cfg, _ := Preset("small")
	m, _ := New[float32](cfg, rand.New(rand.NewPCG(1, 1)))
	rng := rand.New(rand.NewPCG(2, 2))
	x := make([]float32, 4000)
	for i := range x {
		x[i] = float32(0.3 * rng.NormFloat64())
	}
	z, c := m.Embed(x)
	if len(z) != cfg.Frames(len(x))*cfg.Channels || len(c) != cfg.Frames(len(x))*cfg.Hidden {
		t.Fatalf("%d and %d values for %d frames", len(z), len(c), cfg.Frames(len(x)))
	}
	const frames = 7
	zp, cp := m.Embed(x[:(frames-1)*cfg.Hop()+cfg.ReceptiveField()])
	if !slices.Equal(zp, z[:frames*cfg.Channels]) || !slices.Equal(cp, c[:frames*cfg.Hidden]) {
		t.Error("the frames of a prefix differ from the whole utterance's")
	}
	if z, c := m.Embed(x[:cfg.ReceptiveField()-1]); z != nil || c != nil {
		t.Error("an input shorter than one field gave frames")
	}
}

func TestMeanRow(t *testing.T) {
	got := MeanRow([]float32{1, 10, 2, 20, 6, 60}, 2)
	if !slices.Equal(got, []float32{3, 30}) {
		t.Errorf("mean %v, want [3 30]", got)
	}
}
