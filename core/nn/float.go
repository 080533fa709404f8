// Package nn holds the layers of the CPC model, each with its forward and
// backward pass side by side.
//
// Layers are generic over the float type: training runs in float32 on the
// asm kernels, and the gradient checks run the very same code in float64 on
// the asm float64 references, where finite differences are precise.
package nn

import (
	"math"

	"github.com/gocpc/cpc/asm"
)

// Float is the element type of a model: float32 to train, float64 to check.
type Float interface{ float32 | float64 }

// Gemm computes C = alpha·op(A)·op(B) + beta·C (row-major, as asm.Sgemm).
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		asm.Sgemm(transA, transB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		asm.Dgemm(transA, transB, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// LogSumExp writes the log-sum-exp of each of m rows of length n.
func LogSumExp[T Float](m, n int, x []T, ldx int, out []T) {
	switch x := any(x).(type) {
	case []float32:
		asm.LogSumExp(m, n, x, ldx, any(out).([]float32))
	case []float64:
		asm.DLogSumExp(m, n, x, ldx, any(out).([]float64))
	}
}

// Softmax writes y = exp(x − lse) row by row.
func Softmax[T Float](m, n int, x []T, ldx int, lse []T, y []T, ldy int) {
	switch x := any(x).(type) {
	case []float32:
		asm.Softmax(m, n, x, ldx, any(lse).([]float32), any(y).([]float32), ldy)
	case []float64:
		asm.DSoftmax(m, n, x, ldx, any(lse).([]float64), any(y).([]float64), ldy)
	}
}

func sigmoid[T Float](x T) T { return T(1 / (1 + math.Exp(-float64(x)))) }

func tanh[T Float](x T) T { return T(math.Tanh(float64(x))) }
