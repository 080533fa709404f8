package cpc

import "github.com/gocpc/cpc/core/nn"

// StepFLOPs counts the floating-point operations of one training step
// (forward and backward) on batch windows of samples each, with negatives
// from the whole batch: 2·m·n·k for every matrix product of the step, which
// is where all but a fraction of a percent of the work is. A backward pass
// costs two products of its forward's size (input and weight gradient),
// except the first convolution, whose input needs no gradient. A
// convolution on the fast path (nn.ConvPairs) does three quarters of it.
//
//	convolution l:   T_l · C_out · (K_l · C_in)         per window
//	GRU layer:       T·B · 3H · C  (input; H above the first)  +  T·B · 3H · H  (recurrent)
//	predictor k:     (T−k)·B · C · H    (W_kᵀ z of every candidate)
//	InfoNCE at k:    ((T−k)·B)² · H     (scores c_t·W_kᵀz, see infonce.go)
//
// A feed-forward head of D units predicts instead: (T−k)·B · (H·D + D·C)
// for the head, ((T−k)·B)² · C for the scores ŷ·z.
func (c Arch) StepFLOPs(batch, samples int) float64 {
	var f float64
	n, in := samples, 1
	for i, k := range c.Kernels {
		n = (n-k)/c.Strides[i] + 1
		fwd := 2 * float64(batch) * float64(n) * float64(c.Channels) * float64(k*in)
		if nn.ConvPairs(in, k, c.Strides[i]) {
			fwd *= 0.75
		}
		f += fwd * 2 // forward and weight gradient
		if i > 0 {
			f += fwd // input gradient
		}
		in = c.Channels
	}
	rows := float64(n * batch)
	for l, in := 0, c.Channels; l < c.Layers(); l, in = l+1, c.Hidden {
		f += 3 * 2 * rows * float64(3*c.Hidden) * float64(in+c.Hidden)
	}
	for k := 1; k <= c.Predict; k++ {
		r, C, H, D := float64((n-k)*batch), float64(c.Channels), float64(c.Hidden), float64(c.PredictorHidden)
		if D > 0 {
			f += 3*2*r*(H*D+D*C) + 3*2*r*r*C
			continue
		}
		f += 3 * 2 * r * C * H
		f += 3 * 2 * r * r * H
	}
	return f
}
