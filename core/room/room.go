// Package room simulates where speech is heard: synthetic room
// reverberation and additive noise. The corpus generator (scripts/mksample)
// draws one room and noise level per utterance; the trainer's past
// augmentation (train.Augment) draws them per window, through buffers sized
// once, so that a training step allocates nothing.
package room

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Range is a closed interval [Lo, Hi] that a room's RT60 or a noise's SNR
// is drawn from uniformly.
type Range struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// ParseRange reads "x" (a fixed value) or "lo:hi" with lo ≤ hi.
func ParseRange(s string) (Range, error) {
	a, b, isRange := strings.Cut(s, ":")
	if !isRange {
		b = a
	}
	lo, err1 := strconv.ParseFloat(a, 64)
	hi, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil || lo > hi {
		return Range{}, fmt.Errorf("%q: want a number or lo:hi with lo ≤ hi", s)
	}
	return Range{lo, hi}, nil
}

// Draw is a value drawn uniformly from r.
func (r Range) Draw(rng *rand.Rand) float64 { return r.Lo + (r.Hi-r.Lo)*rng.Float64() }

func (r Range) String() string {
	s := strconv.FormatFloat(r.Lo, 'g', -1, 64)
	if r.Lo == r.Hi {
		return s
	}
	return s + ":" + strconv.FormatFloat(r.Hi, 'g', -1, 64)
}

// decay60 is ln(10^3): an amplitude falls by 60 dB (a factor 1000) when
// its exponent reaches it, so exp(-decay60·t/RT60) is a 60 dB drop at RT60.
var decay60 = 3 * math.Ln10

// ResponseLen is the length of ImpulseResponse's result at rt60 and rate.
func ResponseLen(rt60 float64, rate int) int { return int(rt60*float64(rate)) + 1 }

// ImpulseResponse is a synthetic room: a unit direct path at sample 0 and
// a tail of Gaussian noise from sample 1 whose envelope decays by 60 dB in
// rt60 seconds, scaled so the direct path's energy is drr dB above the
// tail's (the direct-to-reverberant ratio). It stops where the envelope is
// 60 dB down. The direct path at 0 keeps phone timings unchanged.
func ImpulseResponse(r *rand.Rand, rt60, drr float64, rate int) ([]float64, error) {
	return AppendImpulseResponse(nil, r, rt60, drr, rate)
}

// AppendImpulseResponse is ImpulseResponse appended to dst[:0]: no
// allocation where dst has room for ResponseLen(rt60, rate) samples.
func AppendImpulseResponse(dst []float64, r *rand.Rand, rt60, drr float64, rate int) ([]float64, error) {
	if !(rt60 > 0) || rt60 > 10 || math.IsNaN(drr) || math.IsInf(drr, 0) || rate <= 0 {
		return nil, fmt.Errorf("reverb: want 0 < RT60 ≤ 10 s and a finite DRR (got %g s, %g dB)", rt60, drr)
	}
	n := ResponseLen(rt60, rate)
	h := append(dst[:0], 1)
	var tail float64
	for i := 1; i < n; i++ {
		v := r.NormFloat64() * math.Exp(-decay60*float64(i)/(rt60*float64(rate)))
		h = append(h, v)
		tail += v * v
	}
	g := math.Sqrt(math.Pow(10, -drr/10) / tail)
	for i := 1; i < n; i++ {
		h[i] *= g
	}
	return h, nil
}

// Convolve returns the first len(x) samples of x convolved with h (the
// reverberant tail past the end of x is cut, so frames and labels stay as
// they were), by FFT.
func Convolve(x, h []float64) []float64 {
	y := make([]float64, len(x))
	NewConvolver(len(x), len(h)).Apply(x, h, y)
	return y
}

// Convolver convolves signals of up to a fixed length with responses of up
// to a fixed length, in one buffer sized once.
type Convolver struct {
	signal, response int
	a                []complex128
	w                []complex128 // the transform's twiddle factors (twiddles)
}

// NewConvolver returns a Convolver for signals of up to signal samples and
// responses of up to response samples.
func NewConvolver(signal, response int) *Convolver {
	n := 1
	for n < signal+response-1 {
		n *= 2
	}
	return &Convolver{signal: signal, response: response, a: make([]complex128, n), w: twiddles(n)}
}

// Apply writes the first len(x) samples of x convolved with h into y (as
// long as x; it may be x). Both real signals share one transform: x in the
// real parts, h in the imaginary ones, separated by the symmetry of real
// signals' spectra (X_k = (A_k + conj A_{n-k})/2, H_k = (A_k − conj
// A_{n-k})/2i); the product goes back through the second transform.
func (c *Convolver) Apply(x, h, y []float64) {
	if len(x) > c.signal || len(h) > c.response || len(y) != len(x) {
		panic(fmt.Sprintf("room: convolving %d samples with %d into %d, sized for %d and %d", len(x), len(h), len(y), c.signal, c.response))
	}
	a, n := c.a, len(c.a)
	clear(a)
	for i, v := range x {
		a[i] = complex(v, 0)
	}
	for i, v := range h {
		a[i] += complex(0, v)
	}
	fft(a, c.w, false)
	const half, halfI = 0.5, -0.5i // ½ and 1/2i, as products: a division costs several
	for k := 0; k <= n/2; k++ {
		j := (n - k) % n
		ak, aj := a[k], a[j]
		xk, hk := (ak+cmplx.Conj(aj))*half, (ak-cmplx.Conj(aj))*halfI
		xj, hj := (aj+cmplx.Conj(ak))*half, (aj-cmplx.Conj(ak))*halfI
		a[k], a[j] = xk*hk, xj*hj
	}
	fft(a, c.w, true)
	scale := 1 / float64(n)
	for i := range y {
		y[i] = real(a[i]) * scale
	}
}

// twiddles are e^(−2πik/n) for k < n/2, the factors of a transform of n
// points; a stage of size s uses every (n/s)th.
func twiddles(n int) []complex128 {
	w := make([]complex128, n/2)
	for k := range w {
		w[k] = cmplx.Rect(1, -2*math.Pi*float64(k)/float64(n))
	}
	return w
}

// fft is an in-place iterative radix-2 transform (len(a) a power of two,
// w its twiddles); inverse flips the sign of the exponent and leaves the
// 1/n to the caller.
func fft(a, w []complex128, inverse bool) {
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
	for size := 2; size <= n; size *= 2 {
		stride := n / size
		for start := 0; start < n; start += size {
			for k := range size / 2 {
				wk := w[k*stride]
				if inverse {
					wk = cmplx.Conj(wk)
				}
				u, v := a[start+k], a[start+k+size/2]*wk
				a[start+k], a[start+k+size/2] = u+v, u-v
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
	noise, err := AppendNoise(nil, r, len(x), colour)
	if err != nil {
		return nil, err
	}
	y := make([]float64, len(x))
	return y, Mix(x, noise, snr, y)
}

// AppendNoise appends n samples of noise of colour to dst[:0].
func AppendNoise(dst []float64, r *rand.Rand, n int, colour string) ([]float64, error) {
	switch colour {
	case White:
		dst = dst[:0]
		for range n {
			dst = append(dst, r.NormFloat64())
		}
		return dst, nil
	case Pink:
		return appendPinkNoise(dst[:0], r, n), nil
	}
	return nil, fmt.Errorf("noise: colour %q is not %s or %s", colour, White, Pink)
}

// Mix writes x plus noise, scaled so that x's mean power is snr dB above
// the noise's, into y (it may be x).
func Mix(x, noise []float64, snr float64, y []float64) error {
	if math.IsNaN(snr) || math.IsInf(snr, 0) {
		return fmt.Errorf("noise: SNR must be finite (got %g)", snr)
	}
	ps, pn := Power(x), Power(noise)
	if ps == 0 || pn == 0 {
		return fmt.Errorf("noise: the signal is silent, SNR is undefined")
	}
	g := math.Sqrt(ps / pn / math.Pow(10, snr/10))
	for i := range y {
		y[i] = x[i] + g*noise[i]
	}
	return nil
}

// appendPinkNoise filters white noise through Paul Kellet's "refined" pink
// filter: six first-order sections whose summed response falls close to
// 3 dB an octave across the audio band (the test measures it).
func appendPinkNoise(dst []float64, r *rand.Rand, n int) []float64 {
	poles := [...]float64{0.99886, 0.99332, 0.96900, 0.86650, 0.55000, -0.7616}
	gains := [...]float64{0.0555179, 0.0750759, 0.1538520, 0.3104856, 0.5329522, -0.0168980}
	var state [6]float64
	prev := 0.0
	for range n {
		w := r.NormFloat64()
		s := 0.0
		for k := range state {
			state[k] = poles[k]*state[k] + gains[k]*w
			s += state[k]
		}
		dst = append(dst, s+prev+0.5362*w)
		prev = 0.115926 * w
	}
	return dst
}

// Power is the mean square of x (0 for no samples).
func Power(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return s / float64(max(1, len(x)))
}
