package cpc

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/nn"
)

// Workspace holds every activation, gradient and scratch buffer of one
// batch shape, so that a training step allocates nothing.
//
// Each encoder layer runs as one product over the whole batch: window b's
// rows of layer l start at row b·P_l, with P_l = S_{l+1}·P_{l+1} (S: the
// strides) and P_0 the window padded to a multiple of the hop. Then the
// strided im2col view of the batch is one matrix, whose row b·P_l + t is
// output t of window b; rows t ≥ T_l (T_l: the layer's real length) are
// padding. Their forward values are finite junk that no real row reads,
// and their gradients are zero: the top layer's are cleared, and a padding
// row of a lower layer is read by padding rows of the layer above only. So
// the weights are packed once per layer and step instead of once per window.
//
// Encoder activations are channels-last, [B, P_l, C]. The top layer's real
// rows are copied into z time-major, [T, B, C], like the context c
// [T, B, H]: then the rows of step t are one block, the GRU reads them
// directly, and "every t < T−k" or "every t ≥ k" is one contiguous range of
// rows for InfoNCE.
type Workspace[T nn.Float] struct {
	m              *Model[T]
	batch, samples int
	frames         int   // T
	lens           []int // T_l: real steps of each encoder layer's output
	pads           []int // P_l: rows of each layer's output per window
	padded         []T   // [B, P_0]: the windows at their padded offsets, if P_0 > samples
	acts, dacts    [][]T // encoder layers' outputs and their gradients, [B, P_l, C]
	convs          []*nn.ConvScratch[T]
	norms          []*nn.NormCache[T] // with Arch.ChannelNorm, one per layer
	z, dz          []T                // [T, B, C]
	ctx, dctx      []T                // [T, B, H]
	// Below the top GRU layer, each layer's output and its gradient,
	// [T, B, H]; ctx is the top layer's.
	mids, dmids [][]T
	// The global batch's z and its gradient, [T, G, C] for the G windows
	// of every replica; z and dz themselves in one process alone.
	zg, dzg []T
	layout  batchLayout
	group   dist.Group
	comm    []float32         // a replica's: what it gathers (z) and sums (dzg, metrics)
	grus    []*nn.GRUCache[T] // one per GRU layer
	relu    nn.ReLU[T]
	nce     nceScratch[T]
	drop    dropout[T]
	met     Metrics
	// With past augmentation (SetPast), the windows the context network
	// reads, and the encoder-only workspace that encodes them; z stays
	// the encoding of the windows themselves, the targets.
	past []T
	twin *Workspace[T]

	// Times accumulates the time spent in each phase of Step; reset it
	// by assigning the zero value.
	Times [NumPhases]time.Duration
}

// NewWorkspace returns buffers for batches of batch windows of samples each.
func (m *Model[T]) NewWorkspace(batch, samples int) *Workspace[T] {
	return m.newWorkspace(batch, samples, forTraining)
}

// use is what a workspace is for: the buffers it needs.
type use int

const (
	forEmbedding use = iota // encoder and context, forward only
	forTraining             // everything
	forPast                 // the encoder, forward and backward (SetPast's twin)
)

// newWorkspace leaves out what its use does not need: for embedding, the
// gradients' buffers and InfoNCE's score matrix, which grows with the
// square of the frames; for the past, the context network and InfoNCE.
func (m *Model[T]) newWorkspace(batch, samples int, u use) *Workspace[T] {
	cfg := m.Arch
	w := &Workspace[T]{m: m, batch: batch, samples: samples, frames: cfg.Frames(samples)}
	n := samples
	for _, c := range m.Convs {
		n = c.OutLen(n)
		w.lens = append(w.lens, n)
	}
	// The fewest top rows per window under which every layer's real rows
	// and the window itself fit.
	top, span := 1, 1 // span: input rows of a layer per top row
	for l := len(m.Convs) - 1; l >= 0; l-- {
		top = max(top, (w.lens[l]+span-1)/span)
		span *= m.Convs[l].Stride
	}
	top = max(top, (samples+span-1)/span)
	top += top % 2 // even: whole block pairs for the convolutions' fast path
	w.pads = make([]int, len(m.Convs))
	for l, rows := len(m.Convs)-1, top; l >= 0; l-- {
		w.pads[l] = rows
		rows *= m.Convs[l].Stride
	}
	if span*top > samples {
		w.padded = make([]T, batch*span*top)
	}
	for l, p := range w.pads {
		w.acts = append(w.acts, make([]T, batch*p*cfg.Channels))
		w.convs = append(w.convs, m.Convs[l].NewScratch(batch*p*m.Convs[l].Stride))
	}
	for l, n := range m.Norms {
		w.norms = append(w.norms, n.NewCache(batch*w.pads[l]))
	}
	rows := w.frames * batch
	w.z = make([]T, rows*cfg.Channels)
	if u == forPast {
		w.encoderGradients()
		return w
	}
	w.ctx = make([]T, rows*cfg.Hidden)
	for l, g := range m.GRUs {
		w.grus = append(w.grus, g.NewCache(w.frames, batch))
		if l > 0 {
			w.mids = append(w.mids, make([]T, rows*cfg.Hidden))
		}
	}
	w.zg, w.layout, w.group = w.z, batchLayout{batch, batch, 0}, dist.Single
	w.met = NewMetrics(cfg.Predict)
	if u == forTraining {
		w.encoderGradients()
		w.dctx = make([]T, rows*cfg.Hidden)
		for range w.mids {
			w.dmids = append(w.dmids, make([]T, rows*cfg.Hidden))
		}
		w.dzg = w.dz
		w.newNCE(rows, false)
	}
	return w
}

// encoderGradients allocates the encoder's gradient buffers: each layer's
// output's and z's.
func (w *Workspace[T]) encoderGradients() {
	C := w.m.Arch.Channels
	for _, p := range w.pads {
		w.dacts = append(w.dacts, make([]T, w.batch*p*C))
	}
	w.dz = make([]T, w.frames*w.batch*C)
}

// Join makes the workspace one replica of group g: its batch is its share
// of a global batch of g.Size() such shares, the replica of rank r holding
// windows [r·B, (r+1)·B). InfoNCE then scores its predictions against the
// candidates of the whole global batch (z is gathered from every replica,
// and the candidates' gradients summed back), so the replicas' losses and
// gradients add up to those of one process with the global batch. Only
// float32 workspaces join groups of more than one.
func (w *Workspace[T]) Join(g dist.Group) error {
	n := g.Size()
	if n == 1 {
		return nil
	}
	if _, ok := any(w.z).([]float32); !ok {
		return fmt.Errorf("only float32 workspaces train in groups")
	}
	arch, G := w.m.Arch, w.batch*n
	rows, grows := w.frames*w.batch, w.frames*G
	w.group, w.layout = g, batchLayout{w.batch, G, g.Rank() * w.batch}
	w.zg = make([]T, grows*arch.Channels)
	// dzg and the metrics' sums travel in one buffer: a loss sum as two
	// float32s (dist.SplitFloat64) and the correct count, for each k.
	w.comm = make([]float32, max(n*rows*arch.Channels, grows*arch.Channels+3*arch.Predict))
	w.dzg = any(w.comm[:grows*arch.Channels]).([]T)
	w.newNCE(grows, predictCheaper(arch, rows, grows))
	return nil
}

// gatherZ fills the global z from every replica's z.
func (w *Workspace[T]) gatherZ() error {
	if w.group.Size() == 1 {
		return nil
	}
	t := time.Now()
	defer w.lap(Communication, &t)
	C, B, G, frames := w.m.Arch.Channels, w.batch, w.layout.global, w.frames
	if err := w.group.AllGather(any(w.z).([]float32), w.comm[:len(w.z)*w.group.Size()]); err != nil {
		return err
	}
	zg := any(w.zg).([]float32)
	for r := range w.group.Size() { // [replica][t][b] → [t][replica·B + b]
		from := w.comm[r*frames*B*C:]
		for t := range frames {
			copy(zg[(t*G+r*B)*C:(t*G+(r+1)*B)*C], from[t*B*C:(t+1)*B*C])
		}
	}
	return nil
}

// sumMetrics adds the replicas' per-k loss sums and correct counts in
// met, and with grads their candidates' gradients in dzg, then takes this
// replica's rows of dzg into dz.
func (w *Workspace[T]) sumMetrics(met *Metrics, grads bool) error {
	if w.group.Size() == 1 {
		return nil
	}
	t := time.Now()
	defer w.lap(Communication, &t)
	buf := w.comm[len(w.zg):][:3*len(met.LossK)]
	if grads {
		buf = w.comm[:len(w.zg)+len(buf)]
	}
	tail := buf[len(buf)-3*len(met.LossK):]
	for k := range met.LossK {
		tail[3*k], tail[3*k+1] = dist.SplitFloat64(met.LossK[k])
		tail[3*k+2] = float32(met.AccuracyK[k])
	}
	if err := w.group.AllReduceSum(buf); err != nil {
		return err
	}
	for k := range met.LossK {
		met.LossK[k], met.AccuracyK[k] = dist.JoinFloat64(tail[3*k], tail[3*k+1]), float64(tail[3*k+2])
		met.counts[k] = (w.frames - k - 1) * w.layout.global
	}
	if grads {
		for i := range w.frames * w.batch {
			copy(w.dz[i*w.m.Arch.Channels:(i+1)*w.m.Arch.Channels], w.dzg[w.layout.globalRow(i)*w.m.Arch.Channels:])
		}
	}
	return nil
}

// Frames is T, the number of z_t (and c_t) per window.
func (w *Workspace[T]) Frames() int { return w.frames }

// Z is the encoder output of the last Encode, [T, B, C] time-major.
func (w *Workspace[T]) Z() []T { return w.z }

// Context is the GRU output of the last Encode, [T, B, H] time-major.
func (w *Workspace[T]) Context() []T { return w.ctx }

// input returns layer l's input, the whole batch: rows, one sample
// (l = 0) or C channels each, and the number of rows.
func (w *Workspace[T]) input(l int, audio []T) ([]T, int) {
	if l > 0 {
		return w.acts[l-1], w.batch * w.pads[l-1]
	}
	if w.padded != nil {
		audio = w.padded
	}
	return audio, len(audio)
}

// Encode runs the encoder and the GRU on audio, B windows of the
// workspace's length one after the other (the GRU on the encoding of the
// past windows instead, if SetPast gave some).
func (w *Workspace[T]) Encode(audio []T) {
	w.encode(audio)
	if w.past != nil {
		w.twin.encode(w.past)
	}
	t := time.Now()
	for l, g := range w.m.GRUs {
		x, h := w.gruIO(l)
		g.Forward(x, h, w.grus[l])
	}
	w.lap(GRUForward, &t)
}

// encode runs the encoder on audio into z.
func (w *Workspace[T]) encode(audio []T) {
	t := time.Now()
	C, B := w.m.Arch.Channels, w.batch
	if w.padded != nil {
		p := len(w.padded) / B
		for b := 0; b < B; b++ {
			copy(w.padded[b*p:], audio[b*w.samples:(b+1)*w.samples])
		}
	}
	for l, conv := range w.m.Convs {
		x, n := w.input(l, audio)
		conv.Forward(x, n, w.acts[l], C, w.convs[l])
		if w.norms != nil {
			w.m.Norms[l].Forward(w.acts[l], w.norms[l])
		}
		if l < len(w.m.Convs)-1 {
			w.relu.Forward(w.acts[l])
		}
	}
	w.moveTopRows(w.z, w.acts[len(w.acts)-1], false)
	w.relu.Forward(w.z)
	w.lap(EncoderForward, &t)
}

// gruIO returns GRU layer l's input and output: z (the past's, with
// SetPast) or the layer below's output, and ctx or the buffer the layer
// above reads.
func (w *Workspace[T]) gruIO(l int) (x, h []T) {
	x, h = w.z, w.ctx
	if w.past != nil {
		x = w.twin.z
	}
	if l > 0 {
		x = w.mids[l-1]
	}
	if l < len(w.mids) {
		h = w.mids[l]
	}
	return x, h
}

// contextBackward propagates dctx (consumed) down the GRU layers, adding
// the bottom layer's input gradient to dz (the past's, with SetPast).
func (w *Workspace[T]) contextBackward() {
	dh := w.dctx
	if w.past != nil {
		clear(w.twin.dz)
	}
	for l := len(w.m.GRUs) - 1; l >= 0; l-- {
		x, h := w.gruIO(l)
		dx := w.dz
		if w.past != nil {
			dx = w.twin.dz
		}
		if l > 0 {
			dx = w.dmids[l-1]
			clear(dx) // Backward adds to it
		}
		w.m.GRUs[l].Backward(x, h, dh, dx, w.grus[l])
		dh = dx
	}
}

// moveTopRows copies the real rows of the top layer's output top into z
// (time-major), or with back the rows of z into top.
func (w *Workspace[T]) moveTopRows(z, top []T, back bool) {
	C, B, P := w.m.Arch.Channels, w.batch, w.pads[len(w.pads)-1]
	for b := 0; b < B; b++ {
		for t := 0; t < w.frames; t++ {
			zr, tr := z[(t*B+b)*C:][:C], top[(b*P+t)*C:][:C]
			if back {
				copy(tr, zr)
			} else {
				copy(zr, tr)
			}
		}
	}
}

// encoderBackward propagates dz (consumed) down to the first layer's
// parameters.
func (w *Workspace[T]) encoderBackward(audio []T) {
	C, last := w.m.Arch.Channels, len(w.m.Convs)-1
	w.relu.Backward(w.z, w.dz)
	dy := w.dacts[last]
	clear(dy) // padding rows carry no gradient
	w.moveTopRows(w.dz, dy, true)
	for l := last; l >= 0; l-- {
		if w.norms != nil {
			w.m.Norms[l].Backward(dy, w.norms[l])
		}
		x, n := w.input(l, audio)
		var dx []T
		if l > 0 {
			dx = w.dacts[l-1]
		}
		w.m.Convs[l].Backward(x, n, dy, C, dx, w.convs[l])
		if dx != nil {
			w.relu.Backward(x, dx)
		}
		dy = dx
	}
}

// Loss returns the InfoNCE loss and accuracy of one batch (B windows, back
// to back in audio; a replica's share of the global batch if the workspace
// joined a group). neg is the number of sampled negatives per prediction,
// or 0 for every other position of the batch; rng draws them. The per-k
// slices of the result belong to the workspace and change with the next
// call.
func (w *Workspace[T]) Loss(audio []T, neg int, rng *rand.Rand) (Metrics, error) {
	return w.run(audio, neg, rng, false, false)
}

// Gradients is Loss that also adds the loss's gradient to the parameters'
// (this replica's share of it: the replicas' gradients sum to the
// global batch's).
func (w *Workspace[T]) Gradients(audio []T, neg int, rng *rand.Rand) (Metrics, error) {
	return w.run(audio, neg, rng, true, true)
}

// run computes the loss, and with grads its gradients; with training,
// the loss of training: values of the predictions dropped (SetDropout,
// DropKey).
func (w *Workspace[T]) run(audio []T, neg int, rng *rand.Rand, grads, training bool) (Metrics, error) {
	K := w.m.Arch.Predict
	w.drop.on = training && w.drop.p > 0
	defer w.foldTwinTimes()
	w.Encode(audio)
	if err := w.gatherZ(); err != nil {
		return Metrics{}, err
	}
	w.met.reset()
	if grads {
		clear(w.dzg)
		clear(w.dctx)
	}
	count := 0
	for k := 1; k <= K; k++ {
		count += (w.frames - k) * w.layout.global
	}
	for k := 1; k <= K; k++ {
		// The scratch holds one k at a time: each k's backward follows
		// its forward.
		st := w.infoNCEForward(k, neg, rng, &w.met)
		if grads {
			w.infoNCEBackward(st, 1/float64(count))
		}
	}
	if err := w.sumMetrics(&w.met, grads); err != nil {
		return Metrics{}, err
	}
	w.met.finish()
	if !grads {
		return w.met, nil
	}
	t := time.Now()
	w.contextBackward()
	w.lap(GRUBackward, &t)
	w.encoderBackward(audio)
	if w.past != nil {
		w.twin.encoderBackward(w.past)
	}
	w.lap(EncoderBackward, &t)
	return w.met, nil
}
