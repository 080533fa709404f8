package imagecpc

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/images"
)

// TestFeaturesAreMeans checks an image's features, for the whole grid
// and for 2×2 and 3×3 regions, against the mean of its patches' z and c in
// each region, the patches found by grid coordinates.
func TestFeaturesAreMeans(t *testing.T) {
	const batch = 3
	m, w, imgs := tiny[float32](t, batch, 5)
	a, G := m.Arch, m.Arch.Grid()
	F := a.FeatureDim()
	for regions := 1; regions <= G; regions++ {
		out := make([]float32, batch*a.PooledDim(regions))
		if err := w.Features(imgs, out, regions); err != nil {
			t.Fatal(err)
		}
		// A grid row's region: the first rows·regions/G… by counting.
		lo := func(r int) int { return (r*G + regions - 1) / regions }
		for b := range batch {
			for ri := range regions {
				for rj := range regions {
					want := make([]float64, F)
					n := float64((lo(ri+1) - lo(ri)) * (lo(rj+1) - lo(rj)))
					for i := lo(ri); i < lo(ri+1); i++ {
						for j := lo(rj); j < lo(rj+1); j++ {
							p := (i*batch+b)*G + j
							for c := range a.Dim {
								want[c] += float64(w.Z()[p*a.Dim+c]) / n
							}
							for c := range a.Hidden {
								want[a.Dim+c] += float64(w.Context()[p*a.Hidden+c]) / n
							}
						}
					}
					got := out[((b*regions+ri)*regions+rj)*F:][:F]
					for c, v := range want {
						if math.Abs(float64(got[c])-v) > 1e-6 {
							t.Fatalf("%d regions, image %d region (%d, %d) feature %d: %v, want %v", regions, b, ri, rj, c, got[c], v)
						}
					}
				}
			}
		}
	}
	if err := w.Features(imgs, nil, G+1); err == nil {
		t.Fatalf("%d regions of a grid of %d: no error", G+1, G)
	}
}

func TestSaveLoad(t *testing.T) {
	a, _ := Preset("mnist")
	m, _ := New[float32](a, rand.New(rand.NewPCG(8, 8)))
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := m.Save(path, map[string]string{"step": "3"}); err != nil {
		t.Fatal(err)
	}
	b, err := m.Encode(map[string]string{"step": "3"})
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[string]func() (*Model[float32], map[string]string, error){
		"Load":   func() (*Model[float32], map[string]string, error) { return Load(path) },
		"Decode": func() (*Model[float32], map[string]string, error) { return Decode(b, "bytes") },
	}
	for how, load := range loaded {
		l, meta, err := load()
		if err != nil {
			t.Fatal(how, err)
		}
		if meta["step"] != "3" || !slices.Equal(l.Arch.Strides, a.Strides) || l.Arch.Grid() != 7 {
			t.Fatalf("%s: metadata %v, arch %+v", how, meta, l.Arch)
		}
		for i, p := range m.Params() {
			if !slices.Equal(p.W, l.Params()[i].W) {
				t.Fatalf("%s: %s differs after the round trip", how, p.Name)
			}
		}
	}
	if _, _, err := Decode(b[:len(b)/2], "half.safetensors"); err == nil || !strings.Contains(err.Error(), "half.safetensors") {
		t.Fatalf("a truncated checkpoint: %v", err)
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
	acc, _, err := ProbeAccuracy(px, set.Labels[:ntrain], Pixels(test, ntest), test.Labels[:ntest], set.H*set.W, 10, []float64{1e-2})
	if err != nil || acc < 0.8 {
		t.Fatalf("raw pixels: accuracy %v, %v", acc, err)
	}
	a, _ := Preset("mnist")
	m, _ := New[float32](a, rand.New(rand.NewPCG(1, 1)))
	tr, err := m.SetFeatures(set, ntrain, 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	te, _ := m.SetFeatures(test, ntest, 64, 1)
	racc, l2, err := ProbeAccuracy(tr, set.Labels[:ntrain], te, test.Labels[:ntest], a.FeatureDim(), 10, L2Grid)
	if err != nil || racc < 0.3 || !slices.Contains(L2Grid, l2) {
		t.Fatalf("random init: accuracy %v at L2 %v, %v", racc, l2, err)
	}
	t.Logf("raw pixels %.1f%%, random init %.1f%%", 100*acc, 100*racc)
}

// TestStepFLOPs recounts the step's products from a workspace's actual
// shapes: the convolutions' output maps and the score matrices' rows.
func TestStepFLOPs(t *testing.T) {
	a, _ := Preset("mnist")
	m, _ := New[float32](a, nil)
	const batch = 5
	w := m.NewWorkspace(batch)
	var want float64
	for l, c := range w.convs {
		fwd := 2 * float64(c.N*c.OH*c.OW) * float64(m.Convs[l].Out*9*m.Convs[l].In)
		want += fwd * 2
		if l > 0 {
			want += fwd
		}
	}
	want += 3 * 2 * float64(w.n) * float64(3*a.Hidden*(a.Dim+a.Hidden))
	for k := 1; k <= a.Predict; k++ {
		rows := float64(len(w.z)/a.Dim - k*w.g)
		want += 3 * 2 * (rows*float64(a.Hidden*a.Dim) + rows*rows*float64(a.Dim))
	}
	if got := a.StepFLOPs(batch); math.Abs(got-want) > 1e-9*want {
		t.Fatalf("StepFLOPs %g, recounted %g", got, want)
	}
}
