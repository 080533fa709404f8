package cpc

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkStep times one training step's forward and backward pass (no
// optimizer, no data loading) for each preset, on random audio.
func BenchmarkStep(b *testing.B) {
	for _, name := range []string{"small", "paper"} {
		b.Run(name, func(b *testing.B) {
			cfg, _ := Preset(name)
			m, _ := New[float32](cfg, rand.New(rand.NewPCG(1, 1)))
			rng := rand.New(rand.NewPCG(2, 2))
			audio := make([]float32, cfg.Batch*cfg.Window)
			for i := range audio {
				audio[i] = float32(0.1 * rng.NormFloat64())
			}
			ws := m.NewWorkspace(cfg.Batch, cfg.Window)
			b.ReportAllocs()
			for b.Loop() {
				ws.Step(audio, 0, rng, true)
			}
		})
	}
}
