package probe

import (
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/mfcc"
)

// Features turn an utterance into one row of Dim values per frame. Frame t
// covers samples [t·Hop, t·Hop + Width), which decides its label (LabelFor).
type Features struct {
	Name       string
	Dim        int
	Width, Hop int
	// Compute returns the rows of x, row-major, in a slice of its own
	// that the caller may overwrite; it must be safe for concurrent use.
	Compute func(x []float32) []float32
}

// MFCC are 13 cepstra with deltas and delta-deltas (package mfcc).
func MFCC() Features {
	return Features{Name: "mfcc", Dim: mfcc.Dim, Width: mfcc.FrameLen, Hop: mfcc.Hop, Compute: mfcc.Compute}
}

// ModelFeatures are a CPC model's z_t (layer "z", the encoder's output) or
// c_t (layer "c", the GRU's), as cpc.Embed places them: c_t has seen every
// sample up to the end of z_t's field, so z_t's span is the newest it
// holds whole. Audio shorter than one frame has no rows.
func ModelFeatures(name string, m *cpc.Model[float32], layer string) (Features, error) {
	l, err := cpc.ParseLayer(layer)
	if err != nil {
		return Features{}, err
	}
	a := m.Arch
	return Features{Name: name, Dim: a.Dim(l), Width: a.ReceptiveField(), Hop: a.Hop(),
		Compute: func(x []float32) []float32 {
			e, _ := cpc.Embed(m, x, l) // too short: no rows, as before
			return e.Data
		}}, nil
}
