package asm

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float32
// matrices, where op(X) is X or Xᵀ as transA/transB say. op(A) is m×k,
// op(B) is k×n and C is m×n; lda, ldb and ldc are the row strides.
// With beta == 0, C is not read (NaNs in C do not propagate).
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// LogSumExp writes out[i] = log Σ_j exp(x[i·ldx+j]) for each of m rows of
// length n. A row of only −Inf gives −Inf; n must be at least 1.
func LogSumExp(m, n int, x []float32, ldx int, out []float32) {
	checkRows(m, n, len(x), ldx, "x")
	if len(out) < m {
		panic("asm: LogSumExp: out shorter than m")
	}
	if m == 0 {
		return
	}
	if n < 1 {
		panic("asm: LogSumExp: empty rows")
	}
	logSumExp(m, n, x, ldx, out)
}

// Softmax writes y[i·ldy+j] = exp(x[i·ldx+j] − lse[i]) for m rows of length
// n, where lse comes from LogSumExp on the same rows. y may alias x when
// ldy == ldx.
func Softmax(m, n int, x []float32, ldx int, lse []float32, y []float32, ldy int) {
	checkRows(m, n, len(x), ldx, "x")
	checkRows(m, n, len(y), ldy, "y")
	if len(lse) < m {
		panic("asm: Softmax: lse shorter than m")
	}
	if m == 0 || n == 0 {
		return
	}
	softmax(m, n, x, ldx, lse, y, ldy)
}
