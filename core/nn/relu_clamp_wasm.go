package nn

import "github.com/gocpc/cpc/asm"

// clampAtZero sets y = max(y, 0); NaN stays NaN. Under js/wasm Go's float
// max is a slow sequence, and a branch, even mispredicted, costs less
// (BenchmarkReLU under node); float32 goes to asm.ReLU, a SIMD128 kernel
// in the browser build.
func clampAtZero[T Float](y []T) {
	if y32, ok := any(y).([]float32); ok {
		asm.ReLU(y32)
		return
	}
	for j, v := range y {
		if v <= 0 {
			y[j] = 0
		}
	}
}
