package asm

import (
	"cmp"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemmGeneric times the generic path's Sgemm (the packed
// driver around sgemmKernel4x2Go) beside the triple loop it replaced
// (gemmRef in float32), in one run, on a few of the project's shapes
// (bench/kernels): go test -tags noasm -run - -bench SgemmGeneric -cpu 1
// ./asm, or the same under node with GOOS=js GOARCH=wasm and -exec.
func BenchmarkSgemmGeneric(b *testing.B) {
	shapes := []struct {
		name           string
		transA, transB bool
		m, n, k        int
		lda, ldb       int // 0: the operand's row length
	}{
		{"256³", false, false, 256, 256, 256, 0, 0},
		{"256³NT", false, true, 256, 256, 256, 0, 0},
		{"256³TN", true, false, 256, 256, 256, 0, 0},
		{"conv1fwd", false, true, 4095, 512, 10, 5, 0},
		{"conv1dW", true, false, 512, 10, 4095, 0, 5},
		{"GRUh·Whh", false, true, 8, 768, 256, 0, 0},
	}
	impls := []struct {
		name string
		f    func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	}{
		{"loop", gemmRef[float32]},
		{"packed", sgemmGeneric},
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range shapes {
		ar, ac, br, bc := s.m, s.k, s.k, s.n
		if s.transA {
			ar, ac = ac, ar
		}
		if s.transB {
			br, bc = bc, br
		}
		lda, ldb := cmp.Or(s.lda, ac), cmp.Or(s.ldb, bc)
		a, bb, c := randMatrix(rng, ar, ac, lda), randMatrix(rng, br, bc, ldb), make([]float32, s.m*s.n)
		for _, im := range impls {
			b.Run(s.name+"/"+im.name, func(b *testing.B) {
				for b.Loop() {
					im.f(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
