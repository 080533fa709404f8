//go:build !noasm && (amd64 || arm64)

package asm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestSgemmThreads checks that the result does not depend on the number
// of threads: the work is split over M and N only, on tile boundaries.
func TestSgemmThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(w int) { minWorkerFlops = w }(minWorkerFlops)
	minWorkerFlops = 1 << 16 // split even this small product
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		m, n, k := 203, 301, 300
		a, b := randMatrix(rng, m, k, k), randMatrix(rng, n, k, k)
		var first []float32
		for _, threads := range []int{1, 2, 3, 7} {
			runtime.GOMAXPROCS(threads)
			c := make([]float32, m*n)
			Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
			if first == nil {
				first = c
				continue
			}
			for i := range c {
				if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
					t.Fatalf("%d threads: C[%d] = %v, one thread gave %v", threads, i, c[i], first[i])
				}
			}
		}
	})
}
