package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gocpc/cpc/core/room"
)

// testAugment is a past augmentation for testOptions' 400-sample windows:
// short rooms, noise from 5 to 15 dB.
func testAugment() *Augment {
	return &Augment{RT60: &room.Range{Lo: 0.005, Hi: 0.02}, SNR: &room.Range{Lo: 5, Hi: 15}}
}

func TestParseAugment(t *testing.T) {
	for s, want := range map[string]string{
		"rt60=0.2:0.6,snr=10:30": "rt60=0.2:0.6,snr=10:30",
		"snr=20":                 "snr=20",
		"snr=5:5,rt60=0.3":       "rt60=0.3,snr=5",
	} {
		a, err := ParseAugment(s)
		if err != nil || a.String() != want {
			t.Errorf("%q: %v, %v; want %q", s, a, err, want)
		}
	}
	if a, err := ParseAugment("none"); a != nil || err != nil {
		t.Errorf(`"none": %v, %v`, a, err)
	}
	for _, bad := range []string{"rt60", "rt60=0", "rt60=0.6:0.2", "rt60=3", "snr=x", "snr=10:", "snr=500",
		"room=0.3", "rt60=0.3,", "snr=-30"} {
		if a, err := ParseAugment(bad); err == nil {
			t.Errorf("%q: %v, no error", bad, a)
		}
	}
}

// Each window's past depends on the seed, the step and its place in the
// global batch alone: windows augmented one at a time (as replicas hold
// them) get what the whole batch gets, the same step again the same, and
// another step or seed something else. Noise alone is at the drawn SNR,
// and a silent window stays silent.
func TestAugmenterDraws(t *testing.T) {
	const n = 400
	r := rand.New(rand.NewPCG(1, 2))
	batch := make([]float32, 3*n)
	for i := range batch[:2*n] { // the third window is silent
		batch[i] = float32(math.Sin(float64(i)/5) + 0.1*r.NormFloat64())
	}
	apply := func(a *Augment, seed uint64, step, first int, windows []float32) []float32 {
		past := make([]float32, len(windows))
		if err := newAugmenter(a, seed, n).apply(windows, past, step, first); err != nil {
			t.Fatal(err)
		}
		return past
	}
	whole := apply(testAugment(), 7, 3, 0, batch)
	var oneByOne []float32
	for b := range 3 {
		oneByOne = append(oneByOne, apply(testAugment(), 7, 3, b, batch[b*n:(b+1)*n])...)
	}
	if !slices.Equal(whole, oneByOne) {
		t.Error("windows augmented one at a time differ from the batch's")
	}
	if !slices.Equal(whole, apply(testAugment(), 7, 3, 0, batch)) {
		t.Error("the same step augmented twice differs")
	}
	if slices.Equal(whole[:n], apply(testAugment(), 7, 4, 0, batch)[:n]) || slices.Equal(whole[:n], apply(testAugment(), 8, 3, 0, batch)[:n]) {
		t.Error("another step or seed gives the same past")
	}
	if slices.Equal(whole[:n], batch[:n]) || slices.ContainsFunc(whole[2*n:], func(v float32) bool { return v != 0 }) {
		t.Error("a window's past equals it, or a silent window's is not silent")
	}
	for _, snr := range []room.Range{{Lo: 12, Hi: 12}, {Lo: 5, Hi: 15}} {
		past := apply(&Augment{SNR: &snr}, 7, 3, 0, batch)
		for b := range 2 {
			var ps, pn float64
			for i := b * n; i < (b+1)*n; i++ {
				ps += float64(batch[i]) * float64(batch[i])
				d := float64(past[i] - batch[i])
				pn += d * d
			}
			if db := 10 * math.Log10(ps/pn); db < snr.Lo-0.01 || db > snr.Hi+0.01 {
				t.Errorf("SNR %s, window %d: noise at %.3f dB", snr, b, db)
			}
		}
	}
}

// BenchmarkAugment draws the past of a batch of 16 windows of 10240
// samples through rooms and noise of `make corpus`'s ranges (R6's).
func BenchmarkAugment(b *testing.B) {
	a, err := ParseAugment("rt60=0.2:0.6,snr=10:30")
	if err != nil {
		b.Fatal(err)
	}
	const window, batch = 10240, 16
	g := newAugmenter(a, 1, window)
	x, past := make([]float32, window*batch), make([]float32, window*batch)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.01))
	}
	for i := 0; b.Loop(); i++ {
		if err := g.apply(x, past, i, 0); err != nil {
			b.Fatal(err)
		}
	}
}
