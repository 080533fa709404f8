package imagecpc

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/images"
	"github.com/gocpc/cpc/core/nn/nntest"
	"github.com/gocpc/cpc/core/optim"
)

func randomImages(rng *rand.Rand, n, side int) [][]byte {
	imgs := make([][]byte, n)
	for b := range imgs {
		imgs[b] = make([]byte, side*side)
		for i := range imgs[b] {
			imgs[b][i] = byte(rng.IntN(256))
		}
	}
	return imgs
}

func tiny[T float32 | float64](t *testing.T, batch int, seed uint64) (*Model[T], *Workspace[T], [][]byte) {
	t.Helper()
	a, _ := Preset("tiny")
	rng := rand.New(rand.NewPCG(seed, 1))
	m, err := New[T](a, rng)
	if err != nil {
		t.Fatal(err)
	}
	return m, m.NewWorkspace(batch), randomImages(rng, batch, a.Image)
}

// TestLossGradients checks every parameter's gradient of the whole image
// loss (encoder, pooling, GRU, predictors, InfoNCE) against central
// differences.
func TestLossGradients(t *testing.T) {
	for _, batch := range []int{1, 3} {
		m, w, imgs := tiny[float64](t, batch, uint64(batch))
		loss := func() float64 {
			met, err := w.Loss(imgs)
			if err != nil {
				t.Fatal(err)
			}
			return met.Loss
		}
		m.ZeroGrad()
		if _, err := w.Gradients(imgs); err != nil {
			t.Fatal(err)
		}
		for _, p := range m.Params() {
			nntest.CheckGrad(t, p.Name, p.W, p.G, loss)
		}
	}
}

// TestInfoNCEMatchesDirect recomputes the loss and accuracy from the
// workspace's z and c by grid coordinates, in float64: prediction
// (i, b, j, k) scores W_k c_{i,b,j} against z of every patch (i', b', j')
// with i' ≥ k, its positive z_{i+k,b,j}.
func TestInfoNCEMatchesDirect(t *testing.T) {
	m, w, imgs := tiny[float64](t, 3, 7)
	met, err := w.Loss(imgs)
	if err != nil {
		t.Fatal(err)
	}
	a, G, B := m.Arch, m.Arch.Grid(), 3
	at := func(v []float64, width, i, b, j int) []float64 { return v[((i*B+b)*G+j)*width:][:width] }
	loss, correct, n := 0.0, 0, 0
	for k := 1; k <= a.Predict; k++ {
		W := m.Predictors[k-1].W.W // [D, H]
		for i := 0; i+k < G; i++ {
			for b := range B {
				for j := range G {
					c := at(w.Context(), a.Hidden, i, b, j)
					pred := make([]float64, a.Dim)
					for d := range pred {
						for h, v := range c {
							pred[d] += W[d*a.Hidden+h] * v
						}
					}
					score := func(i2, b2, j2 int) float64 {
						s := 0.0
						for d, v := range at(w.Z(), a.Dim, i2, b2, j2) {
							s += pred[d] * v
						}
						return s
					}
					pos, sum, best := score(i+k, b, j), 0.0, true
					for i2 := k; i2 < G; i2++ {
						for b2 := range B {
							for j2 := range G {
								s := score(i2, b2, j2)
								sum += math.Exp(s)
								if (i2 != i+k || b2 != b || j2 != j) && s >= pos {
									best = false
								}
							}
						}
					}
					loss += math.Log(sum) - pos
					if best {
						correct++
					}
					n++
				}
			}
		}
	}
	if math.Abs(met.Loss-loss/float64(n)) > 1e-12 || met.Accuracy != float64(correct)/float64(n) {
		t.Fatalf("loss %v acc %v, direct %v %v", met.Loss, met.Accuracy, loss/float64(n), float64(correct)/float64(n))
	}
}

// TestContextSeesOnlyRowsAbove changes one image row and checks that c of
// every patch row above the first patch that row falls in is unchanged,
// and that c of that patch's column changes from there on.
func TestContextSeesOnlyRowsAbove(t *testing.T) {
	a, _ := Preset("mnist")
	m, err := New[float32](a, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	const batch = 2
	w := m.NewWorkspace(batch)
	G, H := a.Grid(), a.Hidden
	imgs := randomImages(rand.New(rand.NewPCG(4, 4)), batch, a.Image)
	for _, y := range []int{0, 9, 13, 27} {
		w.Encode(imgs)
		before := slices.Clone(w.Context())
		imgs[1][y*a.Image+13] ^= 0xff // image 1, column 13: patch columns 3 and 4
		w.Encode(imgs)
		first := max(0, (y+a.Pad-a.Patch)/a.Step+1) // first patch row holding image row y
		row := G * batch * H
		if !slices.Equal(before[:first*row], w.Context()[:first*row]) {
			t.Fatalf("image row %d: c changed above patch row %d", y, first)
		}
		for i := first; i < G; i++ {
			at := ((i*batch+1)*G + 3) * H
			if slices.Equal(before[at:at+H], w.Context()[at:at+H]) {
				t.Fatalf("image row %d: c of patch (%d, 3) did not change", y, i)
			}
		}
	}
}

func TestNamesAndShapesArePyTorchs(t *testing.T) {
	a, _ := Preset("mnist")
	m, err := New[float32](a, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{
		"encoder.convs.0.weight": {32, 1, 3, 3}, "encoder.convs.0.bias": {32},
		"encoder.convs.1.weight": {32, 32, 3, 3}, "encoder.convs.2.weight": {64, 32, 3, 3},
		"gru.weight_ih_l0": {192, 64}, "gru.weight_hh_l0": {192, 64},
		"predictors.0.weight": {64, 64}, "predictors.2.weight": {64, 64},
	}
	if len(m.Params()) != 3*2+4+3 {
		t.Errorf("%d parameters, want 13", len(m.Params()))
	}
	for _, p := range m.Params() {
		if s, ok := want[p.Name]; ok && !slices.Equal(s, p.Shape) {
			t.Errorf("%s: shape %v, want %v", p.Name, p.Shape, s)
		}
	}
	if a.Grid() != 7 {
		t.Errorf("mnist grid %d, want 7", a.Grid())
	}
}

// TestTrainingOnMNIST takes Adam steps on MNIST digits in float32: the
// loss of the last ten must average well below the first's (about ln of
// the candidates, 5.6).
func TestTrainingOnMNIST(t *testing.T) {
	set := mnistTest(t)
	a, _ := Preset("mnist")
	m, _ := New[float32](a, rand.New(rand.NewPCG(1, 2)))
	const batch, steps = 8, 100
	w := m.NewWorkspace(batch)
	adam := optim.NewAdam(m.Params(), optim.Schedule{LR: 2e-3})
	rng := rand.New(rand.NewPCG(2, 3))
	imgs := make([][]byte, batch)
	var first, last float64
	for s := range steps {
		for b := range imgs {
			imgs[b] = set.Image(rng.IntN(set.N))
		}
		m.ZeroGrad()
		met, err := w.Gradients(imgs)
		if err != nil {
			t.Fatal(err)
		}
		adam.Update(adam.GradNorm())
		if s == 0 {
			first = met.Loss
		}
		if s >= steps-10 {
			last += met.Loss / 10
		}
	}
	if !(last < first-0.5) {
		t.Fatalf("loss %.3f over the last 10 of %d steps, from %.3f", last, steps, first)
	}
	t.Logf("loss %.3f → %.3f", first, last)
}

func TestArchValidate(t *testing.T) {
	if _, err := Preset("imagenet"); !errors.Is(err, cpc.ErrArch) {
		t.Errorf("unknown preset: %v", err)
	}
	a, _ := Preset("mnist")
	for name, change := range map[string]func(*Arch){
		"K reaches the grid": func(a *Arch) { a.Predict = 7 },
		"patch too large":    func(a *Arch) { a.Patch = 33 },
		"no convolutions":    func(a *Arch) { a.Strides = nil },
		"no hidden units":    func(a *Arch) { a.Hidden = 0 },
	} {
		b := a
		change(&b)
		if _, err := New[float32](b, nil); !errors.Is(err, cpc.ErrArch) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
}

// mnistTest is MNIST's test split, from GoMNIST's bundled files.
func mnistTest(t *testing.T) *images.Set {
	t.Helper()
	dir, err := images.Dir(images.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	set, err := images.Load(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	return set
}
