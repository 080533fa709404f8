package room

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// rate is the corpora's and the model's sample rate.
const rate = 16000

func speechLike(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Sin(float64(i)/7) * math.Sin(float64(i)/900)
	}
	return x
}

func TestNoiseSNRAndDeterminism(t *testing.T) {
	x := speechLike(20000)
	for _, colour := range []string{White, Pink} {
		for _, snr := range []float64{-5, 10, 30} {
			y, err := AddNoise(rand.New(rand.NewPCG(7, 1)), x, snr, colour)
			if err != nil {
				t.Fatal(err)
			}
			n := make([]float64, len(x))
			for i := range n {
				n[i] = y[i] - x[i]
			}
			if got := 10 * math.Log10(Power(x)/Power(n)); math.Abs(got-snr) > 1e-6 {
				t.Errorf("%s at %g dB: measured %.6f dB", colour, snr, got)
			}
			again, _ := AddNoise(rand.New(rand.NewPCG(7, 1)), x, snr, colour)
			other, _ := AddNoise(rand.New(rand.NewPCG(8, 1)), x, snr, colour)
			if !slices.Equal(y, again) || slices.Equal(y, other) {
				t.Errorf("%s: same seed equal %v, other seed equal %v", colour, slices.Equal(y, again), slices.Equal(y, other))
			}
		}
	}
	if _, err := AddNoise(rand.New(rand.NewPCG(1, 0)), make([]float64, 10), 10, White); err == nil {
		t.Error("silent utterance: no error")
	}
	if _, err := AddNoise(rand.New(rand.NewPCG(1, 0)), x, 10, "brown"); err == nil {
		t.Error("unknown colour: no error")
	}
}

// Pink noise's power per Hz falls 3 dB an octave, so octave bands carry
// equal power: compare 500-1000 Hz with 2000-4000 Hz through the FFT of a
// long stretch.
func TestPinkNoiseIsFlatPerOctave(t *testing.T) {
	const n = 1 << 17
	x := appendPinkNoise(nil, rand.New(rand.NewPCG(3, 4)), n)
	a := make([]complex128, n)
	for i, v := range x {
		a[i] = complex(v, 0)
	}
	fft(a, twiddles(n), false)
	band := func(lo, hi float64) float64 {
		var s float64
		for k := int(lo * n / rate); k < int(hi*n/rate); k++ {
			s += real(a[k])*real(a[k]) + imag(a[k])*imag(a[k])
		}
		return s
	}
	if db := 10 * math.Log10(band(500, 1000)/band(2000, 4000)); math.Abs(db) > 1 {
		t.Errorf("octave bands differ by %.2f dB, want within 1 dB", db)
	}
	if db := 10 * math.Log10(band(500, 1000)/band(1000, 1500)); db < 1 {
		t.Errorf("500-1000 Hz vs 1000-1500 Hz: %.2f dB; pink has more power per Hz low", db)
	}
}

// Schroeder's backward integration of h² gives the energy decay curve;
// its slope from -5 to -25 dB, extrapolated to 60 dB (T20), is the RT60.
func TestImpulseResponseRT60AndDRR(t *testing.T) {
	for _, c := range []struct{ rt60, drr float64 }{{0.2, 0}, {0.5, 3}, {0.9, -2}} {
		h, err := ImpulseResponse(rand.New(rand.NewPCG(1, uint64(c.rt60*10))), c.rt60, c.drr, rate)
		if err != nil {
			t.Fatal(err)
		}
		var tail float64
		for _, v := range h[1:] {
			tail += v * v
		}
		if got := 10 * math.Log10(h[0]*h[0]/tail); math.Abs(got-c.drr) > 1e-9 {
			t.Errorf("RT60 %g: DRR %.4f dB, want %g", c.rt60, got, c.drr)
		}
		edc := make([]float64, len(h))
		for i := len(h) - 1; i >= 1; i-- {
			edc[i] = h[i] * h[i]
			if i+1 < len(h) {
				edc[i] += edc[i+1]
			}
		}
		cross := func(db float64) float64 {
			for i := 1; i < len(h); i++ {
				if 10*math.Log10(edc[i]/edc[1]) <= db {
					return float64(i) / rate
				}
			}
			return math.NaN()
		}
		if est := 3 * (cross(-25) - cross(-5)); math.Abs(est-c.rt60) > 0.1*c.rt60 {
			t.Errorf("RT60 %g s: T20 estimate %.3f s", c.rt60, est)
		}
	}
	for _, bad := range [][2]float64{{0, 0}, {-1, 0}, {11, 0}, {0.3, math.Inf(1)}} {
		if _, err := ImpulseResponse(rand.New(rand.NewPCG(1, 0)), bad[0], bad[1], rate); err == nil {
			t.Errorf("RT60 %g, DRR %g: no error", bad[0], bad[1])
		}
	}
}

func TestConvolveMatchesDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x, h := make([]float64, 300), make([]float64, 77)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	for i := range h {
		h[i] = r.NormFloat64()
	}
	got := Convolve(x, h)
	for n := range x {
		var want float64
		for k := 0; k <= n && k < len(h); k++ {
			want += h[k] * x[n-k]
		}
		if math.Abs(got[n]-want) > 1e-9 {
			t.Fatalf("sample %d: %g, want %g", n, got[n], want)
		}
	}
}

// One Convolver serves signals and responses of every length up to its
// sizes, buffer reused, in place too, and matches the direct sum; filling
// a response into a buffer with room for it allocates nothing.
func TestConvolverReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	c := NewConvolver(500, 120)
	for _, n := range [][2]int{{500, 120}, {37, 5}, {500, 1}, {1, 120}, {256, 64}} {
		x, h := make([]float64, n[0]), make([]float64, n[1])
		for i := range x {
			x[i] = r.NormFloat64()
		}
		for i := range h {
			h[i] = r.NormFloat64()
		}
		y := slices.Clone(x)
		c.Apply(y, h, y)
		for i := range x {
			var want float64
			for k := 0; k <= i && k < len(h); k++ {
				want += h[k] * x[i-k]
			}
			if math.Abs(y[i]-want) > 1e-9 {
				t.Fatalf("%d ⊛ %d, sample %d: %g, want %g", n[0], n[1], i, y[i], want)
			}
		}
	}
	buf := make([]float64, 0, ResponseLen(0.5, rate))
	if a := testing.AllocsPerRun(5, func() {
		h, _ := AppendImpulseResponse(buf, r, 0.5, 3, rate)
		buf = h
		noise, _ := AppendNoise(buf, r, 100, Pink)
		buf = noise
	}); a != 0 {
		t.Errorf("%v allocations filling buffers with room", a)
	}
}
