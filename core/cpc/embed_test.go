package cpc

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestEmbedIsCausalAndLocal checks the frames Embed documents: the z_t and
// c_t of a prefix ending where frame t's field ends are the first t+1
// frames of the whole utterance's.
func TestEmbedIsCausalAndLocal(t *testing.T) {
	arch, _ := Preset("small")
	m, _ := New[float32](arch, rand.New(rand.NewPCG(1, 1)))
	rng := rand.New(rand.NewPCG(2, 2))
	x := make([]float32, 4000)
	for i := range x {
		x[i] = float32(0.3 * rng.NormFloat64())
	}
	const frames = 7
	prefix := x[:(frames-1)*arch.Hop()+arch.ReceptiveField()]
	for _, layer := range []Layer{Context, Encoded} {
		e, err := Embed(m, x, layer)
		if err != nil {
			t.Fatal(err)
		}
		dim := arch.Dim(layer)
		if e.Frames != arch.Frames(len(x)) || e.Dim != dim || len(e.Data) != e.Frames*dim ||
			e.Hop != arch.Hop() || e.Span != arch.ReceptiveField() {
			t.Fatalf("layer %s: %d frames of %d (%d values), hop %d, span %d for %d samples", layer, e.Frames, e.Dim, len(e.Data), e.Hop, e.Span, len(x))
		}
		p, err := Embed(m, prefix, layer)
		if err != nil {
			t.Fatal(err)
		}
		if p.Frames != frames || !slices.Equal(p.Data, e.Data[:frames*dim]) {
			t.Errorf("layer %s: the frames of a prefix differ from the whole utterance's", layer)
		}
	}
	_, err := Embed(m, x[:arch.ReceptiveField()-1], Context)
	if !errors.Is(err, ErrTooShort) {
		t.Errorf("an input shorter than one field gave %v, want ErrTooShort", err)
	}
}

func TestMean(t *testing.T) {
	e := Embedding{Frames: 3, Dim: 2, Data: []float32{1, 10, 2, 20, 6, 60}}.Mean()
	if e.Frames != 1 || !slices.Equal(e.Data, []float32{3, 30}) {
		t.Errorf("mean %d × %v, want 1 × [3 30]", e.Frames, e.Data)
	}
}

func TestParseLayer(t *testing.T) {
	for s, want := range map[string]Layer{"c": Context, "z": Encoded} {
		if l, err := ParseLayer(s); l != want || err != nil {
			t.Errorf("ParseLayer(%q) = %q, %v", s, l, err)
		}
	}
	if _, err := ParseLayer("x"); err == nil {
		t.Error("layer x accepted")
	}
}

// Embed's workspace holds the forward pass only: no gradients and no
// InfoNCE scores, whose matrix grows with the square of the frames (60 s
// of audio would need 144 MB for it alone).
func TestEmbedWorkspaceForwardOnly(t *testing.T) {
	a, err := Preset("small")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New[float32](a, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := m.newWorkspace(1, 16000, forEmbedding)
	if w.dacts != nil || w.dz != nil || w.dctx != nil || w.dzg != nil || w.nce.scores != nil || w.nce.proj != nil {
		t.Error("the embedding workspace allocates what only training uses")
	}
	if w = m.NewWorkspace(1, 16000); w.dacts == nil || w.dz == nil || w.dctx == nil || w.nce.scores == nil {
		t.Error("the training workspace lacks its gradient buffers")
	}
}
