package imagecpc

// StepFLOPs counts the floating-point operations of one training step
// (forward and backward) on batch images: 2·m·n·k for every matrix product
// of the step, as cpc.Arch.StepFLOPs counts the speech model's. A backward
// pass costs two products of its forward's size (input and weight
// gradient), except the first convolution's, whose input needs no
// gradient. With N = batch·G² patches and R_k = (G−k)·batch·G prediction
// rows at step k:
//
//	convolution l:   N·OH_l·OW_l · C_out · 9·C_in
//	GRU:             N · 3H · (D + H)          (input and recurrent)
//	predictor k:     R_k · H · D               (W_k c of the predicting rows)
//	InfoNCE at k:    R_k² · D                  (their scores against every candidate)
func (a Arch) StepFLOPs(batch int) float64 {
	G := a.Grid()
	n := float64(batch * G * G)
	var f float64
	side, in := a.Patch, 1
	for l, s := range a.Strides {
		side = (side+2-3)/s + 1 // 3×3, padding 1
		out := a.Channels
		if l == len(a.Strides)-1 {
			out = a.Dim
		}
		fwd := 2 * n * float64(side*side) * float64(out) * float64(9*in)
		f += 2 * fwd // forward and weight gradient
		if l > 0 {
			f += fwd // input gradient
		}
		in = out
	}
	f += 3 * 2 * n * float64(3*a.Hidden) * float64(a.Dim+a.Hidden)
	for k := 1; k <= a.Predict; k++ {
		r := float64((G - k) * batch * G)
		f += 3 * 2 * r * float64(a.Hidden) * float64(a.Dim)
		f += 3 * 2 * r * r * float64(a.Dim)
	}
	return f
}
