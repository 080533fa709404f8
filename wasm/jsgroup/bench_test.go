//go:build js && wasm

package jsgroup

import (
	"fmt"
	"testing"
	"time"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/sample"
	"github.com/gocpc/cpc/core/train"
)

func init() { parts["step"] = func(g dist.Group) error { _, err := timeSteps(g); return err } }

// benchWarmup and benchSteps are the steps each replica trains untimed,
// then timed.
const benchWarmup, benchSteps = 3, 6

// timeSteps trains the small config at the default batch and window on
// the bundled sample, as replica g.Rank() of g, and returns the timed
// steps' timing.
func timeSteps(g dist.Group) (train.Timing, error) {
	c, err := data.Scan(sample.FS, nil)
	if err == nil {
		err = c.Load(sample.FS)
	}
	if err != nil {
		return train.Timing{}, err
	}
	arch, _ := cpc.Preset("small")
	opts := train.Defaults()
	m, err := train.NewModel(arch, opts.Seed)
	if err != nil {
		return train.Timing{}, err
	}
	tr, err := train.NewReplica(g, m, opts, c)
	if err != nil {
		return train.Timing{}, err
	}
	for i := range benchWarmup + benchSteps {
		if i == benchWarmup {
			tr.ResetTiming()
		}
		if _, err := tr.TrainBatch(); err != nil {
			return train.Timing{}, err
		}
	}
	return tr.Timing(), nil
}

// BenchmarkSmallStep times the small config's step (batch 8, window
// 20480) on one replica and on 2 sharing memory (the others in
// worker_threads), reporting ms a step and the part of it spent
// exchanging data (and waiting for the others): GOOS=js GOARCH=wasm go
// test -tags wasmrelaxed -run - -bench SmallStep -exec
// "$PWD/scripts/wasm-simd.sh exec" ./wasm/jsgroup (BENCHMARKS.md,
// "Browser").
func BenchmarkSmallStep(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			var total, comm time.Duration
			for range b.N {
				g, wait := dist.Single, func() []int { return nil }
				if n > 1 {
					var jg *Group
					jg, wait = start(b, n, true, "step")
					g = jg
				}
				tm, err := timeSteps(g)
				if codes := wait(); err != nil || len(codes) > 0 && codes[0] != 0 {
					b.Fatalf("%v; the other replicas exited with %v", err, codes)
				}
				total += tm.Total()
				comm += tm.Model[cpc.Communication]
			}
			steps := float64(b.N * benchSteps)
			b.ReportMetric(total.Seconds()*1000/steps, "ms/step")
			b.ReportMetric(comm.Seconds()*1000/steps, "comm-ms/step")
			b.ReportMetric(0, "ns/op")
		})
	}
}
