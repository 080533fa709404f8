package cpc

import (
	"errors"
	"fmt"
)

// Layer names the features an embedding holds.
type Layer string

const (
	Context Layer = "c" // c_t, the GRU's output: H values a frame
	Encoded Layer = "z" // z_t, the encoder's output: C values a frame
)

// ParseLayer reads a layer's name, c or z.
func ParseLayer(s string) (Layer, error) {
	switch l := Layer(s); l {
	case Context, Encoded:
		return l, nil
	}
	return "", fmt.Errorf("layer %q: want c or z", s)
}

// Dim is the number of values a frame of layer l has in architecture a.
func (a Arch) Dim(l Layer) int {
	if l == Encoded {
		return a.Channels
	}
	return a.Hidden
}

// Embedding is one utterance's features: Frames rows of Dim values,
// row-major. Row t describes samples [t·Hop, t·Hop + Span) (Arch's
// ReceptiveField); a pooled embedding is one row, the mean of the frames.
type Embedding struct {
	Layer       Layer
	Frames, Dim int
	Hop, Span   int
	Data        []float32
}

// ErrTooShort is wrapped by the error of audio shorter than one frame.
var ErrTooShort = errors.New("too short")

// Embed runs the encoder and the GRU over one whole utterance x (16 kHz,
// samples in [−1, 1)) and returns the frames of layer. Every face embeds
// audio through here.
func Embed(m *Model[float32], x []float32, layer Layer) (Embedding, error) {
	a := m.Arch
	frames := a.Frames(len(x))
	if frames < 1 {
		return Embedding{}, fmt.Errorf("%w: %d samples; the encoder needs at least %d", ErrTooShort, len(x), a.ReceptiveField())
	}
	ws := m.newWorkspace(1, len(x), forEmbedding)
	ws.Encode(x)
	data := ws.Context()
	if layer == Encoded {
		data = ws.Z()
	}
	return Embedding{Layer: layer, Frames: frames, Dim: a.Dim(layer), Hop: a.Hop(), Span: a.ReceptiveField(), Data: data}, nil
}

// Mean returns the embedding pooled to one row, the mean of its frames.
// The sums are kept in float64 so that long utterances lose no precision.
func (e Embedding) Mean() Embedding {
	sum := make([]float64, e.Dim)
	for r := range e.Frames {
		for j, v := range e.Data[r*e.Dim : (r+1)*e.Dim] {
			sum[j] += float64(v)
		}
	}
	mean := make([]float32, e.Dim)
	for j, s := range sum {
		mean[j] = float32(s / float64(e.Frames))
	}
	e.Frames, e.Data = 1, mean
	return e
}
