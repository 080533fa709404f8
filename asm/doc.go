// Package asm holds the numeric kernels the CPC step spends its time in:
// single-precision matrix multiply (Sgemm) and row-wise log-sum-exp/softmax.
//
// Every kernel has a pure-Go twin, which is what runs where no assembly
// exists and is also the oracle in tests. The float64 kernels (Dgemm,
// DLogSumExp, DSoftmax) are plain reference implementations: the model code
// runs on them in its float64 gradient checks.
//
// Matrices are row-major with explicit leading dimensions, as in BLAS.
package asm
