package train

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"runtime/debug"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/nn"
)

// Data-parallel training: each replica of a group trains on its share of
// the global batch (Options.Batch, split evenly): every replica draws the
// global batch from the same data stream, one process's, and reads only
// its share of the windows (data.Sampler.FillShare), so that N replicas at
// batch b train on the windows one process at batch N·b would. Each draws
// its sampled negatives from a stream of its own (derived from the seed
// and its rank; rank 0's is one process's), and scores its predictions
// against the whole global batch (see cpc.Workspace.Join). Once a step the replicas
// sum their gradients in one buffer (the trainer's Reduce), so every
// replica applies the same Adam step and the weights stay identical,
// which a checksum confirms every DriftCheckEvery steps.

// DriftCheckEvery is how often, in steps, the replicas compare a checksum
// of their weights.
const DriftCheckEvery = 100

// replicaState is what a replica's trainer keeps between steps.
type replicaState struct {
	ctx  context.Context // Run's: a replica asked to stop tells the others
	stop bool            // some replica was asked to stop
	flat []float32       // every gradient and the stop votes, summed at once
}

// NewReplica is New for replica g.Rank() of g. Every replica must pass
// the same options and a model of the same architecture (both are
// checked); rank 0's weights are sent to the others.
func NewReplica(g dist.Group, model *cpc.Model[float32], opts Options, c *data.Corpus) (*Trainer, error) {
	if err := checkAgreement(g, model.Arch, opts); err != nil {
		return nil, err
	}
	if err := broadcastWeights(g, model); err != nil {
		return nil, err
	}
	r := uint64(g.Rank())
	t, err := build(g, model, opts, 0, rand.NewPCG(opts.Seed, 2), rand.NewPCG(opts.Seed, 3+2*r), c)
	if err := agree(g, err); err != nil {
		return nil, err
	}
	return t, nil
}

// checkAgreement returns an error unless every replica runs the same
// build with the same architecture and options.
func checkAgreement(g dist.Group, arch cpc.Arch, opts Options) error {
	h := fnv.New64a()
	if info, ok := debug.ReadBuildInfo(); ok {
		h.Write([]byte(info.Main.Version + info.GoVersion))
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" || s.Key == "-tags" {
				h.Write([]byte(s.Key + "=" + s.Value))
			}
		}
	}
	h.Write([]byte(arch.JSON() + opts.JSON()))
	if err := dist.CheckSame(g, h.Sum64()); err != nil {
		return fmt.Errorf("the replicas differ in build, architecture or options: %w", err)
	}
	return nil
}

// broadcastWeights sends rank 0's weights to every replica.
func broadcastWeights(g dist.Group, m *cpc.Model[float32]) error {
	if g.Size() == 1 {
		return nil
	}
	flat := flatten(nil, m.Params(), func(p *nn.Param[float32]) []float32 { return p.W }, 0)
	if err := g.Broadcast(flat, 0); err != nil {
		return err
	}
	unflatten(flat, m.Params(), func(p *nn.Param[float32]) []float32 { return p.W })
	return nil
}

// sumGradients is a replica's Reduce: one sum over the replicas of every
// gradient, with each replica's vote to stop; and every DriftCheckEvery
// steps, the weights' checksums compared.
func (t *Trainer) sumGradients(params []*nn.Param[float32], _ *cpc.Metrics) error {
	grad := func(p *nn.Param[float32]) []float32 { return p.G }
	t.replica.flat = flatten(t.replica.flat, params, grad, 1)
	flat := t.replica.flat
	flat[len(flat)-1] = 0
	if t.replica.ctx != nil && t.replica.ctx.Err() != nil {
		flat[len(flat)-1] = 1
	}
	if err := t.group.AllReduceSum(flat); err != nil {
		return err
	}
	unflatten(flat, params, grad)
	t.replica.stop = flat[len(flat)-1] > 0
	if t.Step%DriftCheckEvery == 0 {
		return dist.CheckSame(t.group, nn.Checksum(params))
	}
	return nil
}

// flatten copies each parameter's field into one buffer, with extra
// values after them, reusing buf if it has room.
func flatten(buf []float32, params []*nn.Param[float32], field func(*nn.Param[float32]) []float32, extra int) []float32 {
	n := extra
	for _, p := range params {
		n += len(field(p))
	}
	if cap(buf) < n {
		buf = make([]float32, n)
	}
	flat := buf[:0]
	for _, p := range params {
		flat = append(flat, field(p)...)
	}
	return flat[:n]
}

func unflatten(flat []float32, params []*nn.Param[float32], field func(*nn.Param[float32]) []float32) {
	for _, p := range params {
		flat = flat[copy(field(p), flat):]
	}
}

// agree returns err on every replica if any replica had one (each passes
// its own, nil if none): a replica that cannot go on takes the others
// with it instead of leaving them waiting.
func agree(g dist.Group, err error) error {
	vote := []float32{0}
	if err != nil {
		vote[0] = 1
	}
	if e := g.AllReduceSum(vote); e != nil {
		return e
	}
	switch {
	case err != nil:
		return err
	case vote[0] > 0:
		return errors.New("another replica failed to start; see its message")
	}
	return nil
}
