package optim

import (
	"math"
	"testing"

	"github.com/gocpc/cpc/core/nn"
)

// TestAdamByHand follows one parameter through two updates computed by
// hand from Adam's equations (Kingma & Ba, with torch's ε placement).
func TestAdamByHand(t *testing.T) {
	p := &nn.Param[float32]{Name: "w", Shape: []int{1}, W: []float32{1}, G: []float32{0.5}}
	a := NewAdam([]*nn.Param[float32]{p}, Schedule{LR: 0.1})
	a.Update(a.GradNorm())
	// m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25: w = 1 − 0.1·0.5/(0.5+1e-8).
	w1 := 1 - 0.1*0.5/(0.5+1e-8)
	if math.Abs(float64(p.W[0])-w1) > 1e-6 {
		t.Fatalf("after one step w = %v, want %v", p.W[0], w1)
	}
	p.G[0] = -1
	a.Update(a.GradNorm())
	m := 0.9*0.05 + 0.1*-1
	v := 0.999*0.00025 + 0.001*1
	w2 := w1 - 0.1*(m/(1-0.81))/(math.Sqrt(v/(1-0.999*0.999))+1e-8)
	if math.Abs(float64(p.W[0])-w2) > 1e-6 {
		t.Fatalf("after two steps w = %v, want %v", p.W[0], w2)
	}
}

func TestClipAndWarmup(t *testing.T) {
	p := &nn.Param[float32]{W: []float32{0, 0}, G: []float32{3, 4}}
	a := NewAdam([]*nn.Param[float32]{p}, Schedule{LR: 1, Clip: 1, Warmup: 4})
	if n := a.GradNorm(); n != 5 {
		t.Fatalf("norm %v, want 5", n)
	}
	a.Update(5)
	// With clipping the first moment is 0.1·g·(1/5); Adam's first step is
	// ±lr regardless of scale, and warm-up makes lr 1/4 at step 1.
	if math.Abs(float64(p.W[0])+0.25) > 1e-6 || math.Abs(float64(p.W[1])+0.25) > 1e-6 {
		t.Fatalf("w = %v, want [-0.25 -0.25]", p.W)
	}
	if math.Abs(float64(a.M[0][0])-0.1*3/5) > 1e-7 {
		t.Fatalf("first moment %v: gradient not clipped to norm 1", a.M[0][0])
	}
	if a.RateAt(2) != 0.5 || a.RateAt(4) != 1 || a.RateAt(100) != 1 {
		t.Fatal("warm-up is not linear to LR")
	}
	// Decay: half a cosine from LR after the warm-up to 0 at step 12.
	a.Decay = 12
	for step, want := range map[int]float64{2: 0.5, 4: 1, 6: (2 + math.Sqrt(2)) / 4, 8: 0.5, 10: (2 - math.Sqrt(2)) / 4, 12: 0, 20: 0} {
		if got := a.RateAt(step); math.Abs(got-want) > 1e-12 {
			t.Errorf("decay: rate at step %d is %v, want %v", step, got, want)
		}
	}
}

// TestShards splits three parameters (one longer than a chunk) into
// blocks at awkward places: the blocks' steps (UpdateSteps), subtracted,
// are Update's whole step, bit for bit, and the blocks' sums of squares
// add up to the whole's.
func TestShards(t *testing.T) {
	sizes := []int{5, chunkSize + 3, 7}
	params := func() []*nn.Param[float32] {
		var ps []*nn.Param[float32]
		for i, n := range sizes {
			p := &nn.Param[float32]{W: make([]float32, n), G: make([]float32, n)}
			for j := range p.W {
				p.W[j], p.G[j] = float32(i+j%11)/10, float32((j*7+i)%13-6)/3
			}
			ps = append(ps, p)
		}
		return ps
	}
	whole := params()
	a := NewAdam(whole, Schedule{LR: 0.01, Clip: 1})
	total := a.SumSquares()
	a.Update(math.Sqrt(total))
	n := 5 + chunkSize + 3 + 7
	cuts := []int{0, 3, 5, chunkSize, chunkSize + 9, n}
	parts, sum := params(), 0.0
	steps := make([]float32, n)
	for i := range len(cuts) - 1 {
		b := NewAdam(parts, Schedule{LR: 0.01, Clip: 1})
		b.Shard(cuts[i], cuts[i+1])
		sum += b.SumSquares()
		b.UpdateSteps(math.Sqrt(total), steps)
	}
	at := 0
	for _, p := range parts {
		for j := range p.W {
			p.W[j] -= steps[at]
			at++
		}
	}
	if math.Abs(sum-total) > 1e-9*total {
		t.Errorf("the blocks' sums of squares add up to %v, the whole's is %v", sum, total)
	}
	for i := range whole {
		for j, w := range whole[i].W {
			if parts[i].W[j] != w {
				t.Fatalf("parameter %d, element %d: %v from the blocks, %v from the whole", i, j, parts[i].W[j], w)
			}
		}
	}
}
