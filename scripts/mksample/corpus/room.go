package corpus

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// decay60 is ln(10^3): an amplitude falls by 60 dB (a factor 1000) when
// its exponent reaches it, so exp(-decay60·t/RT60) is a 60 dB drop at RT60.
var decay60 = 3 * math.Ln10

// ImpulseResponse is a synthetic room: a unit direct path at sample 0 and
// a tail of Gaussian noise from sample 1 whose envelope decays by 60 dB in
// rt60 seconds, scaled so the direct path's energy is drr dB above the
// tail's (the direct-to-reverberant ratio). It stops where the envelope is
// 60 dB down. The direct path at 0 keeps phone timings unchanged.
func ImpulseResponse(r *rand.Rand, rt60, drr float64, rate int) ([]float64, error) {
	if !(rt60 > 0) || rt60 > 10 || math.IsNaN(drr) || math.IsInf(drr, 0) || rate <= 0 {
		return nil, fmt.Errorf("reverb: want 0 < RT60 ≤ 10 s and a finite DRR (got %g s, %g dB)", rt60, drr)
	}
	n := int(rt60*float64(rate)) + 1
	h := make([]float64, n)
	var tail float64
	for i := 1; i < n; i++ {
		h[i] = r.NormFloat64() * math.Exp(-decay60*float64(i)/(rt60*float64(rate)))
		tail += h[i] * h[i]
	}
	g := math.Sqrt(math.Pow(10, -drr/10) / tail)
	for i := 1; i < n; i++ {
		h[i] *= g
	}
	h[0] = 1
	return h, nil
}

// Convolve returns the first len(x) samples of x convolved with h (the
// reverberant tail past the end of x is cut, so frames and labels stay as
// they were), by FFT.
func Convolve(x, h []float64) []float64 {
	n := 1
	for n < len(x)+len(h)-1 {
		n *= 2
	}
	a, b := make([]complex128, n), make([]complex128, n)
	for i, v := range x {
		a[i] = complex(v, 0)
	}
	for i, v := range h {
		b[i] = complex(v, 0)
	}
	fft(a, false)
	fft(b, false)
	for i := range a {
		a[i] *= b[i]
	}
	fft(a, true)
	y := make([]float64, len(x))
	for i := range y {
		y[i] = real(a[i]) / float64(n)
	}
	return y
}

// fft is an in-place iterative radix-2 transform (len(a) a power of two);
// inverse flips the sign of the exponent and leaves the 1/n to the caller.
func fft(a []complex128, inverse bool) {
	n := len(a)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			a[i], a[j] = a[j], a[i]
		}
	}
	sign := -1.0
	if inverse {
		sign = 1
	}
	for size := 2; size <= n; size *= 2 {
		w := cmplx.Rect(1, sign*2*math.Pi/float64(size))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := range size / 2 {
				u, v := a[start+k], a[start+k+size/2]*wk
				a[start+k], a[start+k+size/2] = u+v, u-v
				wk *= w
			}
		}
	}
}

// Noise colours: white has a flat spectrum; pink falls 3 dB an octave,
// closer to the hum and hiss of rooms and recording chains.
const (
	White = "white"
	Pink  = "pink"
)

// AddNoise adds noise of the given colour to x so that the ratio of x's
// mean power to the noise's, over the whole utterance, is snr dB.
func AddNoise(r *rand.Rand, x []float64, snr float64, colour string) ([]float64, error) {
	if math.IsNaN(snr) || math.IsInf(snr, 0) {
		return nil, fmt.Errorf("noise: SNR must be finite (got %g)", snr)
	}
	var noise []float64
	switch colour {
	case White:
		noise = make([]float64, len(x))
		for i := range noise {
			noise[i] = r.NormFloat64()
		}
	case Pink:
		noise = pinkNoise(r, len(x))
	default:
		return nil, fmt.Errorf("noise: colour %q is not %s or %s", colour, White, Pink)
	}
	ps, pn := power(x), power(noise)
	if ps == 0 || pn == 0 {
		return nil, fmt.Errorf("noise: the utterance is silent, SNR is undefined")
	}
	g := math.Sqrt(ps / pn / math.Pow(10, snr/10))
	y := make([]float64, len(x))
	for i := range y {
		y[i] = x[i] + g*noise[i]
	}
	return y, nil
}

// pinkNoise filters white noise through Paul Kellet's "refined" pink
// filter: six first-order sections whose summed response falls close to
// 3 dB an octave across the audio band (the test measures it).
func pinkNoise(r *rand.Rand, n int) []float64 {
	poles := [...]float64{0.99886, 0.99332, 0.96900, 0.86650, 0.55000, -0.7616}
	gains := [...]float64{0.0555179, 0.0750759, 0.1538520, 0.3104856, 0.5329522, -0.0168980}
	var state [6]float64
	out := make([]float64, n)
	prev := 0.0
	for i := range out {
		w := r.NormFloat64()
		s := 0.0
		for k := range state {
			state[k] = poles[k]*state[k] + gains[k]*w
			s += state[k]
		}
		out[i] = s + prev + 0.5362*w
		prev = 0.115926 * w
	}
	return out
}

func power(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return s / float64(max(1, len(x)))
}
