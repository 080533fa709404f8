package asm

import "math"

// The pure-Go float32 kernels: the fallback on every platform and the
// twin the assembly paths are tested against.

func sgemmGeneric(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func logSumExpGeneric(m, n int, x []float32, ldx int, out []float32) {
	for i := 0; i < m; i++ {
		row := x[i*ldx : i*ldx+n]
		mx := float32(math.Inf(-1))
		for _, v := range row {
			mx = max(mx, v)
		}
		if math.IsInf(float64(mx), 0) {
			out[i] = mx
			continue
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(float64(v - mx))
		}
		out[i] = mx + float32(math.Log(s))
	}
}

func softmaxGeneric(m, n int, x []float32, ldx int, lse []float32, y []float32, ldy int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			y[i*ldy+j] = float32(math.Exp(float64(x[i*ldx+j] - lse[i])))
		}
	}
}
