package train

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
)

// BenchmarkTrainBatch times whole training steps (batch drawn from memory,
// forward, backward, Adam) for each preset with batch negatives. Run with
// -benchmem: a step in steady state allocates nothing. It reports the
// time of each phase too.
func BenchmarkTrainBatch(b *testing.B) {
	for _, name := range []string{"small", "paper"} {
		b.Run(name, func(b *testing.B) {
			arch, _ := cpc.Preset(name)
			opts := Defaults()
			rng := rand.New(rand.NewPCG(2, 2))
			c := &data.Corpus{}
			for u := range 4 {
				a := make([]float32, 2*opts.Window)
				for i := range a {
					a[i] = float32(0.1 * rng.NormFloat64())
				}
				c.Utterances = append(c.Utterances, data.Utterance{ID: string(rune('a' + u)), Speaker: "s", Audio: a})
			}
			m, err := NewModel(arch, opts.Seed)
			if err != nil {
				b.Fatal(err)
			}
			tr, err := New(m, opts, c)
			if err != nil {
				b.Fatal(err)
			}
			for range 5 { // warm-up: the kernels' buffers and workers, the pools filled
				if _, err := tr.TrainBatch(); err != nil {
					b.Fatal(err)
				}
			}
			tr.ResetTiming()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tr.TrainBatch(); err != nil {
					b.Fatal(err)
				}
			}
			// Where the time went, in ms per step, for targets that
			// cpc bench train cannot run on (js/wasm under node).
			tm := tr.Timing()
			for p := range cpc.NumPhases {
				b.ReportMetric(float64(tm.Model[p].Microseconds())/1000/float64(b.N), strings.ReplaceAll(p.String(), " ", "-")+"-ms/op")
			}
			b.ReportMetric(float64(tm.Optimizer.Microseconds())/1000/float64(b.N), "optimizer-ms/op")
		})
	}
}
