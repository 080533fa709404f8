package asm

import (
	"fmt"
	"testing"
)

// BenchmarkSplitProducts times small products, always split over the
// threads GOMAXPROCS allows: with -cpu 1,2 it shows what handing half a
// product to a pool worker costs or saves (BENCHMARKS.md, "Training step").
func BenchmarkSplitProducts(b *testing.B) {
	defer func(w int) { minWorkerFlops = w }(minWorkerFlops)
	minWorkerFlops = 1 << 16
	for _, s := range [][3]int{{64, 128, 128}, {256, 256, 256}} {
		m, n, k := s[0], s[1], s[2]
		a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			for b.Loop() {
				Sgemm(false, false, m, n, k, 1, a, k, bb, n, 0, c, n)
			}
		})
	}
}
