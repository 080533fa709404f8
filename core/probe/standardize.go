package probe

import "math"

// Standardizer maps each feature to zero mean and unit variance over the
// training rows, so one L2 weight suits features of any scale.
type Standardizer struct {
	Mean, Scale []float32 // x' = (x − Mean)·Scale
}

// NewStandardizer measures n rows of dim values. A constant feature (a
// dead ReLU unit, say) keeps scale 1 and so becomes 0.
func NewStandardizer(x []float32, dim int) Standardizer {
	n := len(x) / dim
	mean, sq := make([]float64, dim), make([]float64, dim)
	for i, v := range x {
		mean[i%dim] += float64(v)
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i, v := range x {
		d := float64(v) - mean[i%dim]
		sq[i%dim] += d * d
	}
	s := Standardizer{Mean: make([]float32, dim), Scale: make([]float32, dim)}
	for j := range mean {
		s.Mean[j], s.Scale[j] = float32(mean[j]), 1
		if sd := math.Sqrt(sq[j] / float64(n)); sd > 1e-8 {
			s.Scale[j] = float32(1 / sd)
		}
	}
	return s
}

// Apply standardises rows in place.
func (s Standardizer) Apply(x []float32) {
	dim := len(s.Mean)
	for i := range x {
		j := i % dim
		x[i] = (x[i] - s.Mean[j]) * s.Scale[j]
	}
}
