package imagecpc

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gocpc/cpc/core/images"
)

// TestFeaturesAreMeans checks an image's features against the mean of its
// patches' z and c, found by grid coordinates.
func TestFeaturesAreMeans(t *testing.T) {
	const batch = 3
	m, w, imgs := tiny[float32](t, batch, 5)
	a, G := m.Arch, m.Arch.Grid()
	out := make([]float32, batch*a.FeatureDim())
	if err := w.Features(imgs, out); err != nil {
		t.Fatal(err)
	}
	for b := range batch {
		want := make([]float64, a.FeatureDim())
		for i := range G {
			for j := range G {
				p := (i*batch+b)*G + j
				for c := range a.Dim {
					want[c] += float64(w.Z()[p*a.Dim+c]) / float64(G*G)
				}
				for c := range a.Hidden {
					want[a.Dim+c] += float64(w.Context()[p*a.Hidden+c]) / float64(G*G)
				}
			}
		}
		for c, v := range want {
			if got := out[b*a.FeatureDim()+c]; math.Abs(float64(got)-v) > 1e-6 {
				t.Fatalf("image %d feature %d: %v, want %v", b, c, got, v)
			}
		}
	}
}

func TestSaveLoad(t *testing.T) {
	a, _ := Preset("mnist")
	m, _ := New[float32](a, rand.New(rand.NewPCG(8, 8)))
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := m.Save(path, map[string]string{"step": "3"}); err != nil {
		t.Fatal(err)
	}
	l, meta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["step"] != "3" || !slices.Equal(l.Arch.Strides, a.Strides) || l.Arch.Grid() != 7 {
		t.Fatalf("metadata %v, arch %+v", meta, l.Arch)
	}
	for i, p := range m.Params() {
		if !slices.Equal(p.W, l.Params()[i].W) {
			t.Fatalf("%s differs after the round trip", p.Name)
		}
	}
}

// TestProbeOnMNIST fits the linear probe on a slice of MNIST: raw pixels
// must classify most digits, and a random-init model's features must do
// far better than chance.
func TestProbeOnMNIST(t *testing.T) {
	set := mnistTest(t)
	const ntrain, ntest = 1000, 500
	test := &images.Set{N: ntest, H: set.H, W: set.W, Pix: set.Pix[ntrain*set.H*set.W:], Labels: set.Labels[ntrain:]}
	px := Pixels(set, ntrain)
	acc, err := ProbeAccuracy(px, set.Labels[:ntrain], Pixels(test, ntest), test.Labels[:ntest], set.H*set.W, 10, 1e-2)
	if err != nil || acc < 0.8 {
		t.Fatalf("raw pixels: accuracy %v, %v", acc, err)
	}
	a, _ := Preset("mnist")
	m, _ := New[float32](a, rand.New(rand.NewPCG(1, 1)))
	tr, err := m.SetFeatures(set, ntrain, 64)
	if err != nil {
		t.Fatal(err)
	}
	te, _ := m.SetFeatures(test, ntest, 64)
	racc, err := ProbeAccuracy(tr, set.Labels[:ntrain], te, test.Labels[:ntest], a.FeatureDim(), 10, 1e-2)
	if err != nil || racc < 0.3 {
		t.Fatalf("random init: accuracy %v, %v", racc, err)
	}
	t.Logf("raw pixels %.1f%%, random init %.1f%%", 100*acc, 100*racc)
}
