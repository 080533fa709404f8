package cpc

import (
	"math/rand/v2"
	"time"

	"github.com/gocpc/cpc/core/nn"
)

// Workspace holds every activation, gradient and scratch buffer of one
// batch shape, so that a training step allocates nothing.
//
// Encoder activations are channels-last and batch-major, [B, T_l, C], except
// the last layer's output z, which is written time-major, [T, B, C], like
// the context c [T, B, H]: then the rows of step t are one block, the GRU
// reads them directly, and "every t < T−k" or "every t ≥ k" is one
// contiguous range of rows for the predictors and InfoNCE.
type Workspace[T nn.Float] struct {
	m              *Model[T]
	batch, samples int
	frames         int   // T
	lens           []int // steps of each encoder layer's output
	acts, dacts    [][]T // encoder layers before the last, [B, T_l, C]
	z, dz          []T   // [T, B, C]
	ctx, dctx      []T   // [T, B, H]
	gru            *nn.GRUCache[T]
	relu           nn.ReLU[T]
	nce            nceScratch[T]
	met            Metrics

	// Times accumulates the time spent in each phase of Step; reset it
	// by assigning the zero value.
	Times [NumPhases]time.Duration
}

// NewWorkspace returns buffers for batches of batch windows of samples each.
func (m *Model[T]) NewWorkspace(batch, samples int) *Workspace[T] {
	cfg := m.Config
	w := &Workspace[T]{m: m, batch: batch, samples: samples, frames: cfg.Frames(samples)}
	n := samples
	for _, c := range m.Convs {
		n = c.OutLen(n)
		w.lens = append(w.lens, n)
	}
	for _, l := range w.lens[:len(w.lens)-1] {
		w.acts = append(w.acts, make([]T, batch*l*cfg.Channels))
		w.dacts = append(w.dacts, make([]T, batch*l*cfg.Channels))
	}
	rows := w.frames * batch
	w.z, w.dz = make([]T, rows*cfg.Channels), make([]T, rows*cfg.Channels)
	w.ctx, w.dctx = make([]T, rows*cfg.Hidden), make([]T, rows*cfg.Hidden)
	w.gru = m.GRU.NewCache(w.frames, batch)
	w.nce = newNCEScratch[T](rows, cfg.Hidden)
	w.met = newMetrics(cfg.Predict)
	return w
}

// Frames is T, the number of z_t (and c_t) per window.
func (w *Workspace[T]) Frames() int { return w.frames }

// Z is the encoder output of the last Encode, [T, B, C] time-major.
func (w *Workspace[T]) Z() []T { return w.z }

// Context is the GRU output of the last Encode, [T, B, H] time-major.
func (w *Workspace[T]) Context() []T { return w.ctx }

// Encode runs the encoder and the GRU on audio, B windows of the
// workspace's length one after the other.
func (w *Workspace[T]) Encode(audio []T) {
	t := time.Now()
	C, B, last := w.m.Config.Channels, w.batch, len(w.m.Convs)-1
	for b := 0; b < B; b++ {
		x, n := audio[b*w.samples:(b+1)*w.samples], w.samples
		for l, conv := range w.m.Convs[:last] {
			y := w.acts[l][b*w.lens[l]*C : (b+1)*w.lens[l]*C]
			conv.Forward(x, n, y, C)
			w.relu.Forward(y)
			x, n = y, w.lens[l]
		}
		w.m.Convs[last].Forward(x, n, w.z[b*C:], B*C)
	}
	w.relu.Forward(w.z)
	w.lap(EncoderForward, &t)
	w.m.GRU.Forward(w.z, w.ctx, w.gru)
	w.lap(GRUForward, &t)
}

// encoderBackward propagates dz (consumed) down to the first layer's
// parameters.
func (w *Workspace[T]) encoderBackward(audio []T) {
	C, B, last := w.m.Config.Channels, w.batch, len(w.m.Convs)-1
	w.relu.Backward(w.z, w.dz)
	for b := 0; b < B; b++ {
		dy, ldy := w.dz[b*C:], B*C
		for l := last; l >= 0; l-- {
			x, n := audio[b*w.samples:(b+1)*w.samples], w.samples
			var dx []T
			if l > 0 {
				x = w.acts[l-1][b*w.lens[l-1]*C : (b+1)*w.lens[l-1]*C]
				n = w.lens[l-1]
				dx = w.dacts[l-1][b*w.lens[l-1]*C : (b+1)*w.lens[l-1]*C]
			}
			w.m.Convs[l].Backward(x, n, dy, ldy, dx)
			if dx != nil {
				w.relu.Backward(x, dx)
			}
			dy, ldy = dx, C
		}
	}
}

// Step computes the InfoNCE loss of one batch (B windows, back to back in
// audio) and, if backward is set, adds its gradient to the parameters'.
// neg is the number of sampled negatives per prediction, or 0 for every
// other position of the batch; rng draws them. The per-k slices of the
// result belong to the workspace and change with the next Step.
func (w *Workspace[T]) Step(audio []T, neg int, rng *rand.Rand, backward bool) Metrics {
	K := w.m.Config.Predict
	w.Encode(audio)
	met := &w.met
	met.reset()
	if backward {
		clear(w.dz)
		clear(w.dctx)
	}
	count := 0
	for k := 1; k <= K; k++ {
		count += (w.frames - k) * w.batch
	}
	for k := 1; k <= K; k++ {
		w.infoNCE(k, neg, rng, 1/float64(count), backward, met)
	}
	met.finish()
	if !backward {
		return *met
	}
	t := time.Now()
	w.m.GRU.Backward(w.z, w.ctx, w.dctx, w.dz, w.gru)
	w.lap(GRUBackward, &t)
	w.encoderBackward(audio)
	w.lap(EncoderBackward, &t)
	return *met
}
