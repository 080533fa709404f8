package nn

// clampAtZero sets y = max(y, 0); NaN stays NaN. Under js/wasm Go's float
// max is a slow sequence, and a branch, even mispredicted, costs less
// (BenchmarkReLU under node).
func clampAtZero[T Float](y []T) {
	for j, v := range y {
		if v <= 0 {
			y[j] = 0
		}
	}
}
