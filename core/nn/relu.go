package nn

import "github.com/gocpc/cpc/asm"

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
	dy := r.dy[lo:hi]
	for j, v := range y {
		if v <= 0 {
			dy[j] = 0
		}
	}
}
