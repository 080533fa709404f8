package asm

// gemmRef is the plain triple loop behind Dgemm, written once for both
// precisions: in float32 it was the generic path's Sgemm, and
// BenchmarkSgemmGeneric times that path against it. With transB the
// inner loop is a dot product over contiguous rows of B; otherwise an
// axpy over contiguous rows of B.
func gemmRef[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	opA := func(i, p int) T {
		if transA {
			return a[p*lda+i]
		}
		return a[i*lda+p]
	}
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(crow)
		} else if beta != 1 {
			for j := range crow {
				crow[j] *= beta
			}
		}
		if k == 0 || alpha == 0 {
			continue
		}
		if transB {
			for j := range crow {
				brow := b[j*ldb : j*ldb+k]
				var s T
				for p, bv := range brow {
					s += opA(i, p) * bv
				}
				crow[j] += alpha * s
			}
			continue
		}
		for p := 0; p < k; p++ {
			av := alpha * opA(i, p)
			brow := b[p*ldb : p*ldb+n]
			for j, bv := range brow {
				crow[j] += av * bv
			}
		}
	}
}

// Dgemm is the float64 reference of Sgemm, with the same contract.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	gemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
