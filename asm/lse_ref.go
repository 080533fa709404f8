package asm

import "math"

// DLogSumExp is the float64 reference of LogSumExp.
func DLogSumExp(m, n int, x []float64, ldx int, out []float64) {
	checkRows(m, n, len(x), ldx, "x")
	for i := 0; i < m; i++ {
		row := x[i*ldx : i*ldx+n]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, v)
		}
		if math.IsInf(mx, 0) {
			out[i] = mx // all −Inf gives −Inf; any +Inf gives +Inf
			continue
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(v - mx)
		}
		out[i] = mx + math.Log(s)
	}
}

// DSoftmax is the float64 reference of Softmax.
func DSoftmax(m, n int, x []float64, ldx int, lse []float64, y []float64, ldy int) {
	checkRows(m, n, len(x), ldx, "x")
	checkRows(m, n, len(y), ldy, "y")
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			y[i*ldy+j] = math.Exp(x[i*ldx+j] - lse[i])
		}
	}
}
