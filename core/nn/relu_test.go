package nn

import (
	"math"
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

// TestKeepWherePositive checks the backward mask, which works on the bits,
// on the floats where that could go wrong: signed zeros, the smallest
// denormals, infinities and the extremes, in both float types.
func TestKeepWherePositive(t *testing.T) {
	negZero := math.Copysign(0, -1)
	y := []float64{0, negZero, 5e-324, -5e-324, 1e-45, -1e-45, 1.5e-45, math.Inf(1), math.Inf(-1),
		math.MaxFloat32, -math.MaxFloat32, 1, -1, 0.5, -0.5}
	testKeepWherePositive(t, y)
	y32 := make([]float32, len(y))
	for i, v := range y {
		y32[i] = float32(v)
	}
	testKeepWherePositive(t, y32)
}

func testKeepWherePositive[T Float](t *testing.T, y []T) {
	t.Helper()
	dy := make([]T, len(y))
	for i := range dy {
		dy[i] = T(i + 1)
	}
	keepWherePositive(y, dy)
	for i, v := range y {
		want := T(i + 1)
		if !(v > 0) {
			want = 0
		}
		if dy[i] != want {
			t.Errorf("%T y %v: dy %v, want %v", v, v, dy[i], want)
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
