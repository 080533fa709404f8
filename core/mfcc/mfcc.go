// Package mfcc computes HTK-style mel-frequency cepstral coefficients of
// 16 kHz audio: the classic baseline features a CPC probe is compared with.
//
// Frame m covers samples [m·Hop, m·Hop+FrameLen) and only whole frames are
// made (Kaldi's snip-edges), so the frame geometry is as plain as the CPC
// encoder's: m·Hop is where it starts and FrameLen how far it reaches. Each
// frame is
//
//  1. pre-emphasised inside the frame, as HTK does: y[0] = (1−0.97)·x[0],
//     y[i] = x[i] − 0.97·x[i−1], so a frame depends on its own samples only;
//  2. multiplied by a Hamming window 0.54 − 0.46·cos(2πi/(FrameLen−1));
//  3. zero-padded to FFTSize and turned into a power spectrum |X_k|²,
//     k = 0…FFTSize/2;
//  4. weighted by Filters triangular filters whose edges are equally spaced
//     on the HTK mel scale, mel(f) = 2595·log10(1 + f/700), from LowHz to
//     the Nyquist frequency; the triangles are linear in mel, as in HTK and
//     Kaldi;
//  5. logged (energies floored at Floor, so digital silence stays finite);
//  6. turned into Ceps cepstra c_0…c_12 by the orthonormal DCT-II.
//
// c_0 stands in for the frame energy, and there is no cepstral liftering: a
// lifter only rescales each coefficient, which the probes' standardisation
// undoes anyway. Deltas and delta-deltas are HTK's regression over ±2
// frames, d_t = Σ_θ θ·(c_{t+θ} − c_{t−θ}) / (2·Σ_θ θ²), with the first and
// last frames repeated at the edges. A row is [c, Δc, ΔΔc]: Dim values.
package mfcc

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/dsp/fourier"

	"github.com/gocpc/cpc/core/audio"
)

// The feature definition; see the package comment.
const (
	SampleRate  = audio.SampleRate
	FrameLen    = 400 // 25 ms
	Hop         = 160 // 10 ms
	FFTSize     = 512
	PreEmphasis = 0.97
	Filters     = 40
	LowHz       = 20.0
	Ceps        = 13
	DeltaWidth  = 2 // regression over ±DeltaWidth frames
	Dim         = 3 * Ceps
	Floor       = 1e-10 // smallest mel energy before the log
)

// Frames is the number of MFCC frames of n samples.
func Frames(n int) int {
	if n < FrameLen {
		return 0
	}
	return (n-FrameLen)/Hop + 1
}

// tables are the window, filter bank and DCT, the same for every call.
type tables struct {
	window []float64
	filter []melFilter
	dct    [][]float64 // [Ceps][Filters]
}

// melFilter is one triangle: its weights for the FFT bins first, first+1, ….
type melFilter struct {
	first   int
	weights []float64
}

var getTables = sync.OnceValue(func() *tables {
	t := &tables{window: make([]float64, FrameLen)}
	for i := range t.window {
		t.window[i] = 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/(FrameLen-1))
	}
	t.filter = melFilters()
	for i := 0; i < Ceps; i++ {
		row := make([]float64, Filters)
		scale := math.Sqrt(2.0 / Filters)
		if i == 0 {
			scale = math.Sqrt(1.0 / Filters)
		}
		for j := range row {
			row[j] = scale * math.Cos(math.Pi*float64(i)*(float64(j)+0.5)/Filters)
		}
		t.dct = append(t.dct, row)
	}
	return t
})

// Mel is the HTK mel scale.
func Mel(hz float64) float64 { return 2595 * math.Log10(1+hz/700) }

// melFilters places Filters+2 edges equally on the mel scale between LowHz
// and Nyquist; filter j rises from edge j to j+1 and falls to j+2.
func melFilters() []melFilter {
	lo, hi := Mel(LowHz), Mel(SampleRate/2)
	edge := func(j int) float64 { return lo + (hi-lo)*float64(j)/(Filters+1) }
	var fs []melFilter
	for j := 0; j < Filters; j++ {
		left, centre, right := edge(j), edge(j+1), edge(j+2)
		f := melFilter{first: -1}
		for k := 0; k <= FFTSize/2; k++ {
			m := Mel(float64(k) * SampleRate / FFTSize)
			var w float64
			switch {
			case m > left && m <= centre:
				w = (m - left) / (centre - left)
			case m > centre && m < right:
				w = (right - m) / (right - centre)
			}
			if w <= 0 {
				if f.first >= 0 {
					break
				}
				continue
			}
			if f.first < 0 {
				f.first = k
			}
			f.weights = append(f.weights, w)
		}
		fs = append(fs, f)
	}
	return fs
}

// Compute returns the MFCC rows of x (samples at SampleRate), Frames(len(x))
// rows of Dim values, row-major. It is safe for concurrent use.
func Compute(x []float32) []float32 {
	static := Static(x)
	n := len(static) / Ceps
	d := deltas(static, n)
	dd := deltas(d, n)
	out := make([]float32, n*Dim)
	for m := 0; m < n; m++ {
		row := out[m*Dim : (m+1)*Dim]
		for i := 0; i < Ceps; i++ {
			row[i] = float32(static[m*Ceps+i])
			row[Ceps+i] = float32(d[m*Ceps+i])
			row[2*Ceps+i] = float32(dd[m*Ceps+i])
		}
	}
	return out
}

// Static returns the cepstra c_0…c_12 of every frame, Frames(len(x)) rows
// of Ceps values.
func Static(x []float32) []float64 {
	t := getTables()
	n := Frames(len(x))
	out := make([]float64, n*Ceps)
	fft := fourier.NewFFT(FFTSize)
	frame := make([]float64, FFTSize)
	spec := make([]complex128, FFTSize/2+1)
	power := make([]float64, FFTSize/2+1)
	logMel := make([]float64, Filters)
	for m := 0; m < n; m++ {
		s := x[m*Hop : m*Hop+FrameLen]
		frame[0] = (1 - PreEmphasis) * float64(s[0]) * t.window[0]
		for i := 1; i < FrameLen; i++ {
			frame[i] = (float64(s[i]) - PreEmphasis*float64(s[i-1])) * t.window[i]
		}
		// frame[FrameLen:] stays zero: the padding.
		spec = fft.Coefficients(spec, frame)
		for k, c := range spec {
			power[k] = real(c)*real(c) + imag(c)*imag(c)
		}
		for j, f := range t.filter {
			e := 0.0
			for i, w := range f.weights {
				e += w * power[f.first+i]
			}
			logMel[j] = math.Log(max(e, Floor))
		}
		for i, row := range t.dct {
			c := 0.0
			for j, v := range row {
				c += v * logMel[j]
			}
			out[m*Ceps+i] = c
		}
	}
	return out
}

// deltas applies the regression over ±DeltaWidth frames to n rows of Ceps
// values, repeating the edge frames.
func deltas(c []float64, n int) []float64 {
	norm := 0.0
	for th := 1; th <= DeltaWidth; th++ {
		norm += float64(th * th)
	}
	norm *= 2
	at := func(m int) []float64 {
		m = min(max(m, 0), n-1)
		return c[m*Ceps : (m+1)*Ceps]
	}
	out := make([]float64, n*Ceps)
	for m := 0; m < n; m++ {
		for th := 1; th <= DeltaWidth; th++ {
			next, prev := at(m+th), at(m-th)
			for i := 0; i < Ceps; i++ {
				out[m*Ceps+i] += float64(th) * (next[i] - prev[i]) / norm
			}
		}
	}
	return out
}
