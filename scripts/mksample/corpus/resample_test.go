package corpus

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocpc/cpc/core/room"
)

// resampleRef evaluates Resample's formula in float64 with the kernel
// computed directly (no table): the reference for the table lookups.
func resampleRef(x []float64, inRate, outRate float64) []float64 {
	step, fc2 := inRate/outRate, rolloff*math.Min(1, outRate/inRate)
	y := make([]float64, int(float64(len(x))/step))
	for j := range y {
		t := float64(j) * step
		for k, v := range x {
			y[j] += v * fc2 * windowedSinc((t-float64(k))*fc2)
		}
	}
	return y
}

func TestResampleMatchesDirectKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 700)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	for _, rates := range [][2]float64{{22050, 16000}, {8000, 16000}, {32000, 16000}, {16000 * 1.07, 16000}} {
		got, err := Resample(x, rates[0], rates[1])
		if err != nil {
			t.Fatal(err)
		}
		want := resampleRef(x, rates[0], rates[1])
		if len(got) != len(want) {
			t.Fatalf("%v: %d samples, want %d", rates, len(got), len(want))
		}
		for j := range got {
			if math.Abs(got[j]-want[j]) > 1e-5 {
				t.Fatalf("%v: sample %d is %g, reference %g", rates, j, got[j], want[j])
			}
		}
	}
}

// A tone below both Nyquist frequencies comes through as the same tone at
// the new rate; one above the new Nyquist frequency is removed.
func TestResampleTones(t *testing.T) {
	const in, out = 22050.0, 16000.0
	tone := func(hz, rate float64, n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Sin(2 * math.Pi * hz * float64(i) / rate)
		}
		return x
	}
	for _, c := range []struct{ hz, maxErrDB float64 }{{440, -70}, {3000, -70}, {6500, -60}} {
		y, _ := Resample(tone(c.hz, in, 22050), in, out)
		want := tone(c.hz, out, len(y))
		var e, p float64
		for j := 1000; j < len(y)-1000; j++ { // away from the edges, where zeros are interpolated in
			e += (y[j] - want[j]) * (y[j] - want[j])
			p += want[j] * want[j]
		}
		if db := 10 * math.Log10(e/p); db > c.maxErrDB {
			t.Errorf("%g Hz: error %.1f dB, want below %g dB", c.hz, db, c.maxErrDB)
		}
	}
	y, _ := Resample(tone(9500, in, 22050), in, out)
	if db := 10 * math.Log10(room.Power(y[1000:len(y)-1000])/0.5); db > -70 {
		t.Errorf("9500 Hz tone above 8 kHz Nyquist: %.1f dB left, want below -70 dB", db)
	}
}

func TestResampleRejectsBadRates(t *testing.T) {
	for _, r := range [][2]float64{{0, 16000}, {16000, -1}, {math.NaN(), 16000}, {math.Inf(1), 16000}} {
		if _, err := Resample([]float64{1, 2}, r[0], r[1]); err == nil {
			t.Errorf("rates %v: no error", r)
		}
	}
}

func BenchmarkResample22050To16000(b *testing.B) {
	x := make([]float64, 22050)
	for b.Loop() {
		Resample(x, 22050, 16000)
	}
}
