package nn

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestReLUChunks checks every element of an array several chunks long,
// on several threads, against the definition.
func TestReLUChunks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	rng := rand.New(rand.NewPCG(1, 2))
	n := 3*reluChunk + 17
	x, g := randVec(rng, n), randVec(rng, n)
	y, dy := append([]float64(nil), x...), append([]float64(nil), g...)
	var r ReLU[float64]
	r.Forward(y)
	r.Backward(y, dy)
	for i := range x {
		wantY, wantDY := max(x[i], 0), g[i]
		if x[i] <= 0 {
			wantDY = 0
		}
		if y[i] != wantY || dy[i] != wantDY {
			t.Fatalf("element %d of x %v: y %v dy %v, want %v %v", i, x[i], y[i], dy[i], wantY, wantDY)
		}
	}
}

// BenchmarkReLU times both passes over 2^20 float32 values, one thread;
// under js/wasm too (BENCHMARKS.md, "Browser").
func BenchmarkReLU(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rng := rand.New(rand.NewPCG(1, 2))
	y, dy := make([]float32, 1<<20), make([]float32, 1<<20)
	for i := range y {
		y[i] = float32(rng.NormFloat64())
	}
	var r ReLU[float32]
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			r.Forward(y)
		}
	})
	b.Run("backward", func(b *testing.B) {
		for b.Loop() {
			r.Backward(y, dy)
		}
	})
}
