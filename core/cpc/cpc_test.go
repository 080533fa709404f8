package cpc

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocpc/cpc/core/nn"
)

// tinyArch is small enough for finite differences over every parameter
// and still has two conv layers, several frames and several steps k.
func tinyArch() Arch {
	return Arch{Name: "tiny", Channels: 3, Hidden: 4, Predict: 3, Kernels: []int{4, 3}, Strides: []int{2, 2}}
}

// tinyBatch is the batch size of the tests' workspaces.
const tinyBatch = 2

func tinyModel(t *testing.T, seed uint64, window int) (*Model[float64], *Workspace[float64], []float64) {
	return modelOf(t, tinyArch(), window, seed)
}

// projectPredictions makes w's InfoNCE project the predictions (W_k c_t)
// rather than the candidates, as replicas do where that costs less.
func projectPredictions[T nn.Float](w *Workspace[T]) {
	w.newNCE(w.frames*w.layout.global, true)
}

// modelOf returns a model of arch, a workspace for tinyBatch windows of
// window samples and such a batch of random audio.
func modelOf(t *testing.T, arch Arch, window int, seed uint64) (*Model[float64], *Workspace[float64], []float64) {
	t.Helper()
	m, err := New[float64](arch, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	audio := make([]float64, tinyBatch*window)
	for i := range audio {
		audio[i] = rng.NormFloat64()
	}
	return m, m.NewWorkspace(tinyBatch, window), audio
}

// directInfoNCE computes the loss and accuracy from z and c of a workspace
// the obvious way: for every (k, t, b), score every candidate, softmax.
// Sampled negatives are drawn from an rng seeded like the one Step gets,
// in the documented order (row by row, negative by negative).
func directInfoNCE(m *Model[float64], w *Workspace[float64], neg int, rng *rand.Rand) (loss, acc float64) {
	cfg := m.Arch
	C, H, B, T := cfg.Channels, cfg.Hidden, w.batch, w.frames
	z := func(t, b int) []float64 { return w.z[(t*B+b)*C : (t*B+b+1)*C] }
	c := func(t, b int) []float64 { return w.ctx[(t*B+b)*H : (t*B+b+1)*H] }
	n := 0
	for k := 1; k <= cfg.Predict; k++ {
		W := m.Predictors[k-1].Out.W.W
		for t := 0; t < T-k; t++ {
			for b := 0; b < B; b++ {
				pred := make([]float64, C)
				for i := range pred {
					for j := 0; j < H; j++ {
						pred[i] += W[i*H+j] * c(t, b)[j]
					}
				}
				score := func(v []float64) float64 {
					s := 0.0
					for i := range v {
						s += pred[i] * v[i]
					}
					if cfg.MeanScores {
						s /= float64(C)
					}
					return s
				}
				pos := score(z(t+k, b))
				var others []float64
				best := true // the positive strictly above every other candidate
				if neg == 0 {
					for t2 := k; t2 < T; t2++ {
						for b2 := 0; b2 < B; b2++ {
							if t2 != t+k || b2 != b {
								o := score(z(t2, b2))
								others = append(others, o)
								best = best && o < pos
							}
						}
					}
				} else {
					for j := 0; j < neg; j++ {
						r := rng.IntN(T * B)
						o := score(z(r/B, r%B))
						others = append(others, o)
						best = best && (o < pos || r == (t+k)*B+b) // drawn: the positive itself
					}
				}
				sum := 1.0
				for _, o := range others {
					sum += math.Exp(o - pos)
				}
				loss += math.Log(sum)
				if best {
					acc++
				}
				n++
			}
		}
	}
	return loss / float64(n), acc / float64(n)
}

// TestInfoNCEMatchesDirect runs windows of a few rows per k and of
// several blocks of rows (lossBlock) per k, which threads share.
func TestInfoNCEMatchesDirect(t *testing.T) {
	mean := tinyArch()
	mean.MeanScores = true
	for _, c := range []struct {
		arch   Arch
		window int
	}{{tinyArch(), 34}, {tinyArch(), 200}, {mean, 34}} {
		window := c.window
		for _, neg := range []int{0, 1, 5, 40} {
			for _, predict := range []bool{false, true} {
				m, w, audio := modelOf(t, c.arch, window, 3)
				if predict {
					projectPredictions(w)
				}
				met, _ := w.Loss(audio, neg, rand.New(rand.NewPCG(9, 9))) // one process: no error
				loss, acc := directInfoNCE(m, w, neg, rand.New(rand.NewPCG(9, 9)))
				if math.Abs(met.Loss-loss) > 1e-12 || met.Accuracy != acc {
					t.Errorf("window %d, neg %d, predictions projected %v: loss %v acc %v, direct %v %v", window, neg, predict, met.Loss, met.Accuracy, loss, acc)
				}
			}
		}
	}
}

// TestLossGradients checks every parameter's gradient of the full CPC loss
// against central differences, for both kinds of negatives, with windows
// the encoder pads (34 samples: to 40, an even multiple of the hop) and
// not, with a second layer wide enough for the convolutions' fast path,
// and with more rows per k than one block of the row-wise loss (200);
// with InfoNCE projecting the candidates, and the predictions (predict).
func TestLossGradients(t *testing.T) {
	wide := Arch{Name: "wide", Channels: 16, Hidden: 5, Predict: 2, Kernels: []int{4, 8}, Strides: []int{2, 4}}
	// CPC_audio's options: channel norms and a GRU stack, alone and
	// together with mean scores, on the padded and the fast path.
	normed, stacked, both, wideBoth := tinyArch(), tinyArch(), tinyArch(), wide
	normed.ChannelNorm, stacked.ContextLayers = true, 2
	both.ChannelNorm, both.ContextLayers, both.MeanScores = true, 3, true
	wideBoth.ChannelNorm, wideBoth.ContextLayers, wideBoth.MeanScores = true, 2, true
	// CPC_audio's feed-forward head, alone and with the rest.
	headed, headedBoth := tinyArch(), both
	headed.PredictorHidden, headedBoth.PredictorHidden = 6, 5
	for _, c := range []struct {
		neg, window int
		arch        Arch
		predict     bool
	}{{0, 34, tinyArch(), false}, {4, 34, tinyArch(), false}, {0, 40, tinyArch(), false}, {0, 200, tinyArch(), false}, {0, 90, wide, false},
		{0, 34, normed, false}, {4, 40, stacked, false}, {0, 34, both, false}, {0, 90, wideBoth, false},
		{0, 34, tinyArch(), true}, {4, 34, tinyArch(), true}, {0, 34, both, true},
		{0, 34, headed, true}, {4, 34, headed, true}, {0, 40, headedBoth, true}} {
		neg := c.neg
		m, w, audio := modelOf(t, c.arch, c.window, 4)
		if c.predict {
			projectPredictions(w)
		}
		randomizeNorms(m, 6)
		if fast := w.convs[len(w.convs)-1].Pairs(); fast != (c.arch.Name == "wide") {
			t.Fatalf("%s: the top convolution's fast path is %v", c.arch.Name, fast)
		}
		loss := func() float64 {
			met, _ := w.Loss(audio, neg, rand.New(rand.NewPCG(5, 5)))
			return met.Loss
		}
		// The second step's gradients are checked: the workspace's buffers
		// then hold what the first one left.
		for range 2 {
			m.ZeroGrad()
			w.Gradients(audio, neg, rand.New(rand.NewPCG(5, 5)))
		}
		checkParamGradients(t, fmt.Sprintf("%s, neg %d", c.arch.Name, neg), m, loss)
	}
}

// checkParamGradients compares every parameter gradient of m with central
// differences of loss.
func checkParamGradients(t *testing.T, what string, m *Model[float64], loss func() float64) {
	t.Helper()
	const eps = 1e-6
	for _, p := range m.Params() {
		for i := range p.W {
			old := p.W[i]
			p.W[i] = old + eps
			up := loss()
			p.W[i] = old - eps
			down := loss()
			p.W[i] = old
			num := (up - down) / (2 * eps)
			if math.Abs(num-p.G[i]) > 1e-6*max(1, math.Abs(num)) {
				t.Fatalf("%s: %s[%d]: analytic %.9g, numeric %.9g", what, p.Name, i, p.G[i], num)
			}
		}
	}
}

// randomizeNorms gives the channel norms' weights and biases random
// values, so that the gradient checks see every term (at 1 and 0 a
// missing weight or bias would go unnoticed).
func randomizeNorms(m *Model[float64], seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	for _, n := range m.Norms {
		for i := range n.W.W {
			n.W.W[i], n.B.W[i] = 1+0.5*rng.NormFloat64(), 0.5*rng.NormFloat64()
		}
	}
}

func TestNamesAndShapesArePyTorchs(t *testing.T) {
	cfg, _ := Preset("paper")
	m, err := New[float32](cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{
		"gru.weight_ih_l0": {768, 512}, "gru.weight_hh_l0": {768, 256},
		"gru.bias_ih_l0": {768}, "gru.bias_hh_l0": {768},
		"encoder.convs.0.weight": {512, 1, 10}, "encoder.convs.1.weight": {512, 512, 8},
		"encoder.convs.4.weight": {512, 512, 4}, "encoder.convs.4.bias": {512},
		"predictors.0.weight": {512, 256}, "predictors.11.weight": {512, 256},
	}
	got := map[string][]int{}
	for _, p := range m.Params() {
		got[p.Name] = p.Shape
	}
	if len(got) != 5*2+4+12 {
		t.Errorf("%d parameters, want 26", len(got))
	}
	for name, shape := range want {
		if g := got[name]; len(g) != len(shape) || !equalInts(g, shape) {
			t.Errorf("%s: shape %v, want %v", name, g, shape)
		}
	}
	if cfg.Frames(20480) != 126 || cfg.Hop() != 160 {
		t.Errorf("paper encoder: %d frames per window, hop %d", cfg.Frames(20480), cfg.Hop())
	}
}

// TestHeadNames: a feed-forward head's parameters carry CPC_audio's
// FFNetwork names (lin1, lin2, each with a bias) in place of the linear
// predictor's weight.
func TestHeadNames(t *testing.T) {
	cfg, _ := Preset("small")
	cfg.PredictorHidden = 64
	m, err := New[float32](cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]int{}
	for _, p := range m.Params() {
		got[p.Name] = p.Shape
	}
	want := map[string][]int{"predictors.0.lin1.weight": {64, 128}, "predictors.0.lin1.bias": {64},
		"predictors.11.lin2.weight": {128, 64}, "predictors.11.lin2.bias": {128}}
	for name, shape := range want {
		if !equalInts(got[name], shape) {
			t.Errorf("%s: shape %v, want %v", name, got[name], shape)
		}
	}
	if _, ok := got["predictors.0.weight"]; ok || len(got) != 5*2+4+12*4 {
		t.Errorf("%d parameters, want 62, none named predictors.0.weight", len(got))
	}
	cfg.PredictorHidden = -1
	if _, err := New[float32](cfg, nil); err == nil {
		t.Error("a head of -1 units was made")
	}
}

// TestCPCAudioNames: the cpc_audio preset adds torch-named channel norms
// and a second GRU layer to small's parameters, after them in the order.
func TestCPCAudioNames(t *testing.T) {
	cfg, err := Preset("cpc_audio")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New[float32](cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	small, _ := Preset("small")
	sm, _ := New[float32](small, nil)
	got := map[string][]int{}
	for _, p := range m.Params() {
		got[p.Name] = p.Shape
	}
	want := map[string][]int{"encoder.norms.0.weight": {128}, "encoder.norms.4.bias": {128},
		"gru.weight_ih_l1": {384, 128}, "gru.bias_hh_l1": {384}, "gru.weight_ih_l0": {384, 128}}
	for name, shape := range want {
		if !equalInts(got[name], shape) {
			t.Errorf("%s: shape %v, want %v", name, got[name], shape)
		}
	}
	if n := len(m.Params()) - len(sm.Params()); n != 5*2+4 {
		t.Errorf("%d parameters more than small's, want 14", n)
	}
	if w := m.Norms[2].W.W; w[0] != 1 || m.Norms[2].B.W[5] != 0 {
		t.Errorf("a channel norm starts at weight %v, bias %v; want 1 and 0", w[0], m.Norms[2].B.W[5])
	}
}

// TestOldConfigsKeepTheirMeaning: a config written before CPC_audio's
// options existed reads as the paper's model, and the presets that do
// not use them write them as before, without the new keys.
func TestOldConfigsKeepTheirMeaning(t *testing.T) {
	old := `{"name":"small","channels":128,"hidden":128,"prediction_steps":12,"kernels":[10,8,4,4,4],"strides":[5,4,2,2,2]}`
	a, err := ParseArch(old)
	if err != nil {
		t.Fatal(err)
	}
	small, _ := Preset("small")
	if !a.Equal(small) || a.ChannelNorm || a.Layers() != 1 || small.JSON() != old {
		t.Errorf("old config reads as %+v; small writes %s", a, small.JSON())
	}
	audio, _ := Preset("cpc_audio")
	if audio.Equal(small) {
		t.Error("cpc_audio's weights would load into small's model")
	}
	for _, bad := range []string{`{"channels":1,"hidden":4,"prediction_steps":1,"kernels":[2],"strides":[1],"channel_norm":true}`,
		`{"channels":4,"hidden":4,"prediction_steps":1,"kernels":[2],"strides":[1],"context_layers":-1}`,
		`{"channels":4,"hidden":4,"prediction_steps":1,"kernels":[2],"strides":[1],"context_layers":9}`} {
		if _, err := ParseArch(bad); !errors.Is(err, ErrArch) {
			t.Errorf("%s: %v, want ErrArch", bad, err)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCheckpointRoundTrip(t *testing.T) {
	for _, name := range []string{"small", "cpc_audio"} {
		cfg, _ := Preset(name)
		checkpointRoundTrip(t, cfg)
	}
	headed, _ := Preset("cpc_audio")
	headed.PredictorHidden = 32
	checkpointRoundTrip(t, headed)
}

func checkpointRoundTrip(t *testing.T, cfg Arch) {
	m, _ := New[float32](cfg, rand.New(rand.NewPCG(2, 2)))
	p := t.TempDir() + "/m.safetensors"
	if err := m.Save(p, map[string]string{"step": "7"}); err != nil {
		t.Fatal(err)
	}
	back, meta, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if meta["step"] != "7" || back.Arch.JSON() != cfg.JSON() {
		t.Fatalf("metadata %v, architecture %s", meta, back.Arch.JSON())
	}
	for i, p := range m.Params() {
		q := back.Params()[i]
		for j := range p.W {
			if p.W[j] != q.W[j] {
				t.Fatalf("%s[%d] changed in the round trip", p.Name, j)
			}
		}
	}
}

func TestStepFLOPs(t *testing.T) {
	// The paper config's count worked out by hand: encoder 111.4 G (148.3 G
	// of direct products, the four upper layers on the fast path), GRU
	// 3.6 G, predictors 9.0 G, InfoNCE 16.9 G (see StepFLOPs).
	cfg, _ := Preset("paper")
	if f := cfg.StepFLOPs(8, 20480) / 1e9; math.Abs(f-140.9) > 0.5 {
		t.Fatalf("paper step: %.1f GFLOP, want about 140.9", f)
	}
}

// TestTiesAreWrong: with zero predictors every score is 0, as when a model
// has collapsed; no prediction counts as correct, in either mode.
func TestTiesAreWrong(t *testing.T) {
	for _, neg := range []int{0, 5} {
		m, w, audio := tinyModel(t, 3, 34)
		for _, p := range m.Predictors {
			clear(p.Out.W.W)
		}
		if met, _ := w.Loss(audio, neg, rand.New(rand.NewPCG(9, 9))); met.Accuracy != 0 {
			t.Errorf("neg %d: accuracy %v with every score equal", neg, met.Accuracy)
		}
	}
}
