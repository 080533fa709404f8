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

// Ahead returns f read d frames later: row t holds f's row t+d, labelled
// as frame t still, so a causal feature (c_t) has seen d hops more audio
// past its labelled span; an utterance's last d rows have no later row
// and are dropped. MFCC's deltas and delta-deltas see 4 frames ahead
// (45 ms past a frame's labelled span): c_{t+4} of the paper's encoder
// sees 49 ms past it, where c_t sees 9 ms.
func Ahead(f Features, d int) Features {
	g := f
	g.Compute = func(x []float32) []float32 {
		rows := f.Compute(x)
		return rows[min(len(rows), d*f.Dim):]
	}
	return g
}
