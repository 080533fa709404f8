package asm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
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

// TestSgemmKernel4x2Go checks the Go microkernel against the microKernel
// contract to the bit: each sum taken in p order, then alpha·sum +
// beta·C, C not read when beta is 0 (it starts as NaN), nothing written
// outside the tile. The reference is written as the kernel's sums are,
// s + a·b, so that both are fused into FMAs or neither.
func TestSgemmKernel4x2Go(t *testing.T) {
	const mr, nr, ldc = 4, 2, 5
	rng := rand.New(rand.NewPCG(4, 2))
	for _, k := range []int{1, 2, 3, 8, 37} {
		for _, beta := range []float32{0, -0.5} {
			a, b := randMatrix(rng, k, mr, mr), randMatrix(rng, k, nr, nr)
			buf, c := guarded(mr, nr, ldc)
			for i := range mr {
				for j := range nr {
					c[i*ldc+j] = float32(math.NaN())
					if beta != 0 {
						c[i*ldc+j] = 2*rng.Float32() - 1
					}
				}
			}
			want := slices.Clone(c)
			for i := range mr {
				for j := range nr {
					var s float32
					for p := range k {
						s = s + a[p*mr+i]*b[p*nr+j]
					}
					s *= 1.5
					if beta != 0 {
						s += beta * want[i*ldc+j]
					}
					want[i*ldc+j] = s
				}
			}
			sgemmKernel4x2Go(k, &a[0], &b[0], &c[0], ldc, 1.5, beta)
			checkGuards(t, buf, mr, nr, ldc)
			sameBits(t, c, want)
		}
	}
}
