package cpc

import "github.com/gocpc/cpc/core/nn"

// Embed runs the encoder and the GRU over one whole utterance x and returns
// its z_t, [frames, C], and c_t, [frames, H], row-major; frame t covers
// samples [t·Hop(), t·Hop() + ReceptiveField()). Both are nil when x is
// shorter than ReceptiveField().
func (m *Model[T]) Embed(x []T) (z, c []T) {
	if m.Config.Frames(len(x)) < 1 {
		return nil, nil
	}
	ws := m.NewWorkspace(1, len(x))
	ws.Encode(x)
	return ws.Z(), ws.Context()
}

// MeanRow averages the rows of dim values in x: an utterance's frames
// pooled into one vector (x holds at least one row). The sums are kept in
// float64 so that long utterances lose no precision.
func MeanRow[T nn.Float](x []T, dim int) []T {
	sum := make([]float64, dim)
	rows := len(x) / dim
	for r := 0; r < rows; r++ {
		for j, v := range x[r*dim : (r+1)*dim] {
			sum[j] += float64(v)
		}
	}
	mean := make([]T, dim)
	for j, s := range sum {
		mean[j] = T(s / float64(rows))
	}
	return mean
}
