package cpc

import (
	"fmt"

	"github.com/gocpc/cpc/core/nn"
)

// Dropout on the predictions, as CPC_audio's --dropout: while training,
// each value of ŷ = W_k c_t is zeroed with probability p and the others
// scaled by 1/(1−p) (PyTorch's nn.Dropout) before it is scored, so no
// channel of a prediction can carry the score alone. Evaluation (Loss,
// Embed) never drops.
//
// Whether value (k, row, channel) is kept depends on a key the trainer
// sets each step (from the seed and the step) and on the row's place in
// the global batch only: one process and the replicas of a group sharing
// its batch drop the same values, the thread count changes nothing, and
// a resumed run drops what the straight one did. The keep factors of the
// k being scored stay in keep for its backward.
type dropout[T nn.Float] struct {
	p    float64
	key  uint64 // DropKey's
	on   bool   // the current run drops (Gradients with p > 0)
	keep []T    // [rows, C]: 0 or 1/(1−p) for each value of step k's predictions
}

// SetDropout makes Gradients drop each value of the predictions with
// probability p (0 ≤ p < 1; 0: none, the paper's model). Dropping needs
// the predictions themselves, so with p > 0 InfoNCE projects them (see
// infonce.go) whatever the costs say.
func (w *Workspace[T]) SetDropout(p float64) error {
	if !(p >= 0 && p < 1) {
		return fmt.Errorf("dropout must be at least 0 and below 1 (got %g)", p)
	}
	w.drop.p = p
	if p > 0 && w.nce.scores != nil && !w.nce.predict {
		w.newNCE(w.frames*w.layout.global, true)
	}
	if p > 0 && w.drop.keep == nil {
		w.drop.keep = make([]T, w.frames*w.batch*w.m.Arch.Channels)
	}
	return nil
}

// DropKey sets the key that, with the rows' places in the global batch,
// decides which values the next Gradients drops.
func (w *Workspace[T]) DropKey(key uint64) { w.drop.key = key }

// forward drops values of step k's predictions pred, rows of C; row i
// is global row layout.globalRow(i).
func (d *dropout[T]) forward(pred []T, k, rows, C int, layout batchLayout) {
	threshold := uint64(d.p * (1 << 53)) // kept when the hash's top 53 bits reach it
	scale := T(1 / (1 - d.p))
	for i := range rows {
		h := mix64(d.key ^ mix64(uint64(k)<<40|uint64(layout.globalRow(i))))
		keep, row := d.keep[i*C:(i+1)*C], pred[i*C:(i+1)*C]
		for c := range row {
			keep[c] = 0
			if mix64(h+uint64(c)*0x9e3779b97f4a7c15)>>11 >= threshold {
				keep[c] = scale
			}
			row[c] *= keep[c]
		}
	}
}

// backward takes the gradient of forward's output, rows of C, to its
// input's, in place.
func (d *dropout[T]) backward(dpred []T) {
	for i, f := range d.keep[:len(dpred)] {
		dpred[i] *= f
	}
}

// mix64 is SplitMix64's finaliser: a bijection of uint64 whose outputs
// for nearby inputs look independent.
func mix64(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
