//go:build !wasm

package nn

// clampAtZero sets y = max(y, 0); NaN stays NaN. Natively Go compiles the
// float max without a branch, which activations of random sign need
// (BenchmarkReLU: several times the time of a branch per element).
func clampAtZero[T Float](y []T) {
	for j, v := range y {
		y[j] = max(v, 0)
	}
}
