package corpus

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

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
			y, err := AddNoise(Stream(7, "noise", 1), x, snr, colour)
			if err != nil {
				t.Fatal(err)
			}
			n := make([]float64, len(x))
			for i := range n {
				n[i] = y[i] - x[i]
			}
			if got := 10 * math.Log10(power(x)/power(n)); math.Abs(got-snr) > 1e-6 {
				t.Errorf("%s at %g dB: measured %.6f dB", colour, snr, got)
			}
			again, _ := AddNoise(Stream(7, "noise", 1), x, snr, colour)
			other, _ := AddNoise(Stream(8, "noise", 1), x, snr, colour)
			if !slices.Equal(y, again) || slices.Equal(y, other) {
				t.Errorf("%s: same seed equal %v, other seed equal %v", colour, slices.Equal(y, again), slices.Equal(y, other))
			}
		}
	}
	if _, err := AddNoise(Stream(1, "n"), make([]float64, 10), 10, White); err == nil {
		t.Error("silent utterance: no error")
	}
	if _, err := AddNoise(Stream(1, "n"), x, 10, "brown"); err == nil {
		t.Error("unknown colour: no error")
	}
}

// Pink noise's power per Hz falls 3 dB an octave, so octave bands carry
// equal power: compare 500-1000 Hz with 2000-4000 Hz through the FFT of a
// long stretch.
func TestPinkNoiseIsFlatPerOctave(t *testing.T) {
	const n = 1 << 17
	x := pinkNoise(rand.New(rand.NewPCG(3, 4)), n)
	a := make([]complex128, n)
	for i, v := range x {
		a[i] = complex(v, 0)
	}
	fft(a, false)
	band := func(lo, hi float64) float64 {
		var s float64
		for k := int(lo * n / OutRate); k < int(hi*n/OutRate); k++ {
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
		h, err := ImpulseResponse(Stream(1, "reverb", int(c.rt60*10)), c.rt60, c.drr, OutRate)
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
					return float64(i) / OutRate
				}
			}
			return math.NaN()
		}
		if est := 3 * (cross(-25) - cross(-5)); math.Abs(est-c.rt60) > 0.1*c.rt60 {
			t.Errorf("RT60 %g s: T20 estimate %.3f s", c.rt60, est)
		}
	}
	for _, bad := range [][2]float64{{0, 0}, {-1, 0}, {11, 0}, {0.3, math.Inf(1)}} {
		if _, err := ImpulseResponse(Stream(1, "r"), bad[0], bad[1], OutRate); err == nil {
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
