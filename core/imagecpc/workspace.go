package imagecpc

import (
	"fmt"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/nn"
)

// Workspace holds the activations and scratch of one batch size. Patches
// are rows of every array in the order (i, b, j): grid row i, image b,
// grid column j. Row i of the grid is then one contiguous block of
// G = batch·grid rows, so the GRU runs down the columns with the rows as
// its time steps and the B·grid columns as its batch, and the patches
// k rows below a block start k·G rows further on.
type Workspace[T nn.Float] struct {
	m            *Model[T]
	batch, grid  int
	n, g, pooled int // patches, patches a grid row, pixels a pooled map

	x          []T   // [n, Patch, Patch, 1]: the patches, pixels scaled to [0, 1]
	acts, dact [][]T // each convolution's output after ReLU, and its gradient
	convs      []*nn.Conv2dCache[T]
	relu       nn.ReLU[T]
	z, dz      []T // [n, D]
	ctx, dctx  []T // [n, H]
	gru        *nn.GRUCache[T]
	pred, dprd []T // [rows, D]: W_k c of the predicting rows, and its gradient
	scores     []T // [rows, rows]
	lse        []T // [rows]
}

// NewWorkspace returns a workspace for batches of batch images.
func (m *Model[T]) NewWorkspace(batch int) *Workspace[T] {
	a := m.Arch
	grid := a.Grid()
	w := &Workspace[T]{m: m, batch: batch, grid: grid, g: batch * grid}
	w.n = grid * w.g
	w.x = make([]T, w.n*a.Patch*a.Patch)
	side := a.Patch
	for _, c := range m.Convs {
		cache := c.NewCache(w.n, side, side)
		side = cache.OH
		w.convs = append(w.convs, cache)
		w.acts = append(w.acts, make([]T, w.n*cache.OH*cache.OW*c.Out))
		w.dact = append(w.dact, make([]T, w.n*cache.OH*cache.OW*c.Out))
	}
	w.pooled = side * side
	w.z, w.dz = make([]T, w.n*a.Dim), make([]T, w.n*a.Dim)
	w.ctx, w.dctx = make([]T, w.n*a.Hidden), make([]T, w.n*a.Hidden)
	w.gru = m.GRU.NewCache(grid, w.g)
	rows := (grid - 1) * w.g
	w.pred, w.dprd = make([]T, rows*a.Dim), make([]T, rows*a.Dim)
	w.scores, w.lse = make([]T, rows*rows), make([]T, rows)
	return w
}

// Z is the encoder's output of the last batch, [grid, batch, grid, D] (see
// Workspace for the order).
func (w *Workspace[T]) Z() []T { return w.z }

// Context is the GRU's output of the last batch, [grid, batch, grid, H].
func (w *Workspace[T]) Context() []T { return w.ctx }

// setPatches cuts the batch's images (Image² bytes each) into patches.
func (w *Workspace[T]) setPatches(imgs [][]byte) error {
	a := w.m.Arch
	if len(imgs) != w.batch {
		return fmt.Errorf("imagecpc: %d images for a workspace of batch %d", len(imgs), w.batch)
	}
	for b, img := range imgs {
		if len(img) != a.Image*a.Image {
			return fmt.Errorf("imagecpc: image %d has %d pixels, want %d×%d", b, len(img), a.Image, a.Image)
		}
	}
	P := a.Patch
	for i := range w.grid {
		for b, img := range imgs {
			for j := range w.grid {
				p := w.x[((i*w.batch+b)*w.grid+j)*P*P:][:P*P]
				y0, x0 := i*a.Step-a.Pad, j*a.Step-a.Pad
				for y := range P {
					for x := range P {
						iy, ix := y0+y, x0+x
						v := T(0)
						if iy >= 0 && iy < a.Image && ix >= 0 && ix < a.Image {
							v = T(img[iy*a.Image+ix]) / 255
						}
						p[y*P+x] = v
					}
				}
			}
		}
	}
	return nil
}

// Encode runs the encoder and the context network over a batch of images:
// Z and Context hold the result.
func (w *Workspace[T]) Encode(imgs [][]byte) error {
	if err := w.setPatches(imgs); err != nil {
		return err
	}
	in := w.x
	for l, c := range w.m.Convs {
		c.Forward(in, w.acts[l], w.convs[l])
		w.relu.Forward(w.acts[l])
		in = w.acts[l]
	}
	D, S := w.m.Arch.Dim, w.pooled
	for p := range w.n { // z = mean of the last map over its pixels
		zp, maps := w.z[p*D:][:D], in[p*S*D:][:S*D]
		clear(zp)
		for q, v := range maps {
			zp[q%D] += v
		}
		for c := range zp {
			zp[c] /= T(S)
		}
	}
	w.m.GRU.Forward(w.z, w.ctx, w.gru)
	return nil
}

// Loss runs the model on a batch and returns its InfoNCE loss and accuracy.
func (w *Workspace[T]) Loss(imgs [][]byte) (cpc.Metrics, error) { return w.run(imgs, false) }

// Gradients is Loss that also adds the loss's gradient to every parameter's
// G (clear them first: Model.ZeroGrad).
func (w *Workspace[T]) Gradients(imgs [][]byte) (cpc.Metrics, error) { return w.run(imgs, true) }

func (w *Workspace[T]) run(imgs [][]byte, grads bool) (cpc.Metrics, error) {
	K := w.m.Arch.Predict
	met := cpc.NewMetrics(K)
	if err := w.Encode(imgs); err != nil {
		return met, err
	}
	total := 0
	for k := 1; k <= K; k++ {
		total += (w.grid - k) * w.g
	}
	if grads {
		clear(w.dz)
		clear(w.dctx)
	}
	for k := 1; k <= K; k++ {
		rows := (w.grid - k) * w.g
		loss, correct := w.infoNCE(k, rows, grads, 1/float64(total))
		met.Loss += loss
		met.Accuracy += float64(correct)
		met.LossK[k-1], met.AccuracyK[k-1] = loss/float64(rows), float64(correct)/float64(rows)
	}
	met.Loss /= float64(total)
	met.Accuracy /= float64(total)
	if grads {
		w.backward()
	}
	return met, nil
}

// infoNCE scores step k: prediction row r (the patch at grid row i < grid−k)
// against every patch of the batch at rows k and below, its positive being
// the patch k rows below it, candidate r. It returns the summed loss
// (log-sum-exp of the row's scores minus the positive's) and the rows whose
// positive scored strictly highest (ties are wrong: a collapsed model
// scores 0 %, not 100 %). With grads it adds scale times the loss's
// gradient to the predictor's weights, dctx and dz.
func (w *Workspace[T]) infoNCE(k, rows int, grads bool, scale float64) (float64, int) {
	D, H := w.m.Arch.Dim, w.m.Arch.Hidden
	p := w.m.Predictors[k-1]
	pred, s, cand := w.pred[:rows*D], w.scores[:rows*rows], w.z[k*w.g*D:][:rows*D]
	p.Forward(rows, w.ctx, H, pred, D)
	nn.Gemm(false, true, rows, rows, D, 1, pred, D, cand, D, 0, s, rows)
	lse := w.lse[:rows]
	nn.LogSumExp(rows, rows, s, rows, lse)
	loss, correct := 0.0, 0
	for r := range rows {
		row := s[r*rows:][:rows]
		pos := row[r]
		loss += float64(lse[r]) - float64(pos)
		best := true
		for c, v := range row {
			if c != r && v >= pos {
				best = false
				break
			}
		}
		if best {
			correct++
		}
	}
	if !grads {
		return loss, correct
	}
	// ∂loss/∂s = softmax(s) − the positive's indicator, row by row.
	nn.Softmax(rows, rows, s, rows, lse, s, rows)
	for r := range rows {
		s[r*rows+r]--
	}
	a := T(scale)
	dpred := w.dprd[:rows*D]
	nn.Gemm(false, false, rows, D, rows, a, s, rows, cand, D, 0, dpred, D)
	nn.Gemm(true, false, rows, D, rows, a, s, rows, pred, D, 1, w.dz[k*w.g*D:], D)
	p.Backward(rows, w.ctx, H, dpred, D, w.dctx)
	return loss, correct
}

// backward takes dctx and dz back through the GRU, the pooling and the
// convolutions to the parameters' gradients.
func (w *Workspace[T]) backward() {
	w.m.GRU.Backward(w.z, w.ctx, w.dctx, w.dz, w.gru)
	D, S, last := w.m.Arch.Dim, w.pooled, len(w.m.Convs)-1
	for p := range w.n {
		g, maps := w.dz[p*D:][:D], w.dact[last][p*S*D:][:S*D]
		for q := range maps {
			maps[q] = g[q%D] / T(S)
		}
	}
	for l := last; l >= 0; l-- {
		w.relu.Backward(w.acts[l], w.dact[l])
		in, din := w.x, []T(nil)
		if l > 0 {
			in, din = w.acts[l-1], w.dact[l-1]
		}
		w.m.Convs[l].Backward(in, w.dact[l], din, w.convs[l])
	}
}
