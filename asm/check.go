package asm

// Argument checks shared by the float32 kernels and their float64 twins.
// They panic, as slice indexing would: a bad shape is a programming error.

func checkGemm(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("asm: gemm: negative dimension")
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	// A and B are only read, so their rows may overlap (ld smaller than
	// the row): a strided convolution reads its input as such a matrix.
	checkMatrix(ar, ac, la, lda, 1, "A")
	checkMatrix(br, bc, lb, ldb, 1, "B")
	checkMatrix(m, n, lc, ldc, max(n, 1), "C")
}

func checkRows(m, n, l, ld int, name string) {
	if m < 0 || n < 0 {
		panic("asm: negative dimension")
	}
	checkMatrix(m, n, l, ld, max(n, 1), name)
}

func checkMatrix(rows, cols, l, ld, minLd int, name string) {
	if ld < minLd {
		panic("asm: leading dimension of " + name + " smaller than its row")
	}
	if rows > 0 && cols > 0 && l < (rows-1)*ld+cols {
		panic("asm: " + name + " shorter than its shape")
	}
}
