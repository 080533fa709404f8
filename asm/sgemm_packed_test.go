//go:build !noasm && (amd64 || arm64 || (js && wasmsimd))

package asm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// TestSgemmThreads checks that the result does not depend on the number
// of threads: the work is split over M and N only, on tile boundaries.
func TestSgemmThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(w int) { minWorkerFlops = w }(minWorkerFlops)
	minWorkerFlops = 1 << 16 // split even this small product
	forEachPath(t, func(t *testing.T) {
		a, b, first := threadsProblem(1)
		for _, threads := range []int{2, 3, 7} {
			runtime.GOMAXPROCS(threads)
			sameBits(t, threadsProduct(a, b), first)
		}
	})
}

// TestSgemmConcurrentCallers runs split products from several goroutines
// at once, more than there are workers: callers share the worker pool
// and must each get exactly their own result.
func TestSgemmConcurrentCallers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	defer func(w int) { minWorkerFlops = w }(minWorkerFlops)
	minWorkerFlops = 1 << 16
	forEachPath(t, func(t *testing.T) {
		var wg sync.WaitGroup
		for g := range 6 {
			a, b, want := threadsProblem(uint64(g))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					sameBits(t, threadsProduct(a, b), want)
				}
			}()
		}
		wg.Wait()
	})
}

const threadsM, threadsN, threadsK = 203, 301, 300

// threadsProblem returns random operands and their product computed
// on one thread.
func threadsProblem(seed uint64) (a, b, c []float32) {
	rng := rand.New(rand.NewPCG(3, seed))
	a, b = randMatrix(rng, threadsM, threadsK, threadsK), randMatrix(rng, threadsN, threadsK, threadsK)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	return a, b, threadsProduct(a, b)
}

func threadsProduct(a, b []float32) []float32 {
	c := make([]float32, threadsM*threadsN)
	Sgemm(false, true, threadsM, threadsN, threadsK, 1, a, threadsK, b, threadsK, 0, c, threadsN)
	return c
}

func sameBits(t *testing.T, got, want []float32) {
	t.Helper()
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("C[%d] = %v, one thread gave %v", i, got[i], want[i])
			return
		}
	}
}
