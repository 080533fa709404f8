package nn

import (
	"unsafe"

	"github.com/gocpc/cpc/asm"
)

// ReLU applies max(y, 0) and its gradient to whole arrays, cut into
// chunks the threads share. Keep one per workspace: its pointer goes to
// asm.Parallel, so it must outlive the call without being allocated
// for it.
type ReLU[T Float] struct {
	y, dy []T // dy == nil: forward
}

// reluChunk is 256 KiB of float32: many chunks for a layer's output,
// few enough that handing them out costs nothing.
const reluChunk = 1 << 16

// Forward clamps y at zero, in place.
func (r *ReLU[T]) Forward(y []T) {
	r.y, r.dy = y, nil
	asm.Parallel((len(y)+reluChunk-1)/reluChunk, r)
	r.y = nil
}

// Backward zeroes dy where the ReLU output y was not positive.
func (r *ReLU[T]) Backward(y, dy []T) {
	r.y, r.dy = y, dy[:len(y)]
	asm.Parallel((len(y)+reluChunk-1)/reluChunk, r)
	r.y, r.dy = nil, nil
}

// Part does chunk i of the pass set up by Forward or Backward.
func (r *ReLU[T]) Part(i int) {
	lo, hi := i*reluChunk, min((i+1)*reluChunk, len(r.y))
	y := r.y[lo:hi]
	if r.dy == nil {
		clampAtZero(y)
		return
	}
	keepWherePositive(y, r.dy[lo:hi])
}

// keepWherePositive zeroes dy where y is not above zero. It works on the
// bits: a float is above zero exactly when its bits, read as a signed
// integer, are (NaN: by its sign bit). On activations of random sign a
// branch per element mispredicts half the time; this has none
// (BenchmarkReLU: 7× faster natively).
func keepWherePositive[T Float](y, dy []T) {
	switch y := any(y).(type) {
	case []float32:
		if asmElementwise {
			asm.KeepWherePositive(y, any(dy).([]float32))
			return
		}
		keepWhereIntPositive(asInts[int32](y), asInts[int32](any(dy).([]float32)), 31)
	case []float64:
		keepWhereIntPositive(asInts[int64](y), asInts[int64](any(dy).([]float64)), 63)
	}
}

// keepWhereIntPositive zeroes dy where y ≤ 0; top is the sign bit's index.
// -b &^ b has its sign bit set exactly when b > 0 (b = MinInt: -b = b).
func keepWhereIntPositive[I int32 | int64](y, dy []I, top int) {
	dy = dy[:len(y)]
	for j, b := range y {
		dy[j] &= (-b &^ b) >> top
	}
}

func asInts[I int32 | int64, F float32 | float64](x []F) []I {
	return unsafe.Slice((*I)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}
