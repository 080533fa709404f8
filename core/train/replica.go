package train

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/nn"
	"github.com/gocpc/cpc/core/optim"
)

// Data-parallel training: each replica of a group trains on its share of
// the global batch (Options.Batch, split evenly): every replica draws the
// global batch from the same data stream, one process's, and reads only
// its share of the windows (data.Sampler.FillShare), so that N replicas at
// batch b train on the windows one process at batch N·b would. Each draws
// its sampled negatives from a stream of its own (derived from the seed
// and its rank; rank 0's is one process's), and scores its predictions
// against the whole global batch (see cpc.Workspace.Join).
//
// Adam's step is shared out too: the parameters, taken end to end, are
// cut into one block per replica (dist.Block). Once a step the replicas
// sum their gradients, each getting its block's sums (ReduceScatterSum);
// they add their blocks' squares into the gradient norm, with their votes
// to stop; each computes Adam's step of its block; the blocks of the step
// go to every replica (AllGatherBlocks), and each subtracts the whole
// step. The weights stay identical, which a checksum confirms every
// DriftCheckEvery steps; a replica's moments are current only in its
// block, and checkpoints gather them first.

// DriftCheckEvery is how often, in steps, the replicas compare a checksum
// of their weights.
const DriftCheckEvery = 100

// replicaState is what a replica's trainer keeps between steps.
type replicaState struct {
	ctx  context.Context // Run's: a replica asked to stop tells the others
	stop bool            // some replica was asked to stop

	// Set by shard for groups of more than one: the parameters'
	// gradients, and this replica's block [lo, hi) of the parameters end
	// to end.
	grads  [][]float32
	lo, hi int
	flat   []float32 // the parameters end to end: gradients, then Adam's steps
	votes  []float32 // each replica's sum of squares (as two values), then the votes
}

// shard gives this replica its block of params, and Adam's step on it,
// in a group of more than one.
func (r *replicaState) shard(g dist.Group, adam *optim.Adam, params []*nn.Param[float32]) {
	if g.Size() == 1 {
		return
	}
	for _, p := range params {
		r.grads = append(r.grads, p.G)
		r.hi += len(p.W)
	}
	r.flat = make([]float32, r.hi)
	r.lo, r.hi = dist.Block(r.hi, g.Size(), g.Rank())
	r.votes = make([]float32, 2*g.Size()+2)
	adam.Shard(r.lo, r.hi)
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

// reduceGradients leaves the sums over the replicas of this replica's
// block of the gradients in place.
func (t *Trainer) reduceGradients() error {
	r := &t.replica
	if t.group.Size() == 1 {
		return nil
	}
	defer t.communication(time.Now())
	copyBlock(r.flat, r.grads, 0, len(r.flat), toFlat)
	if err := t.group.ReduceScatterSum(r.flat); err != nil {
		return err
	}
	copyBlock(r.flat, r.grads, r.lo, r.hi, fromFlat)
	return nil
}

// gradNorm returns the norm of the gradients summed over the replicas
// and whether every other replica's loss was finite. Replicas add
// their blocks' sums of squares, each carried as two float32s so that
// the sum keeps about float64's precision, with their votes to stop and
// whether their losses were finite.
func (t *Trainer) gradNorm(loss float64) (norm float64, othersFinite bool, err error) {
	n, r := t.group.Size(), t.group.Rank()
	if n == 1 {
		return t.adam.GradNorm(), true, nil
	}
	v := t.replica.votes
	clear(v)
	v[2*r], v[2*r+1] = dist.SplitFloat64(t.adam.SumSquares())
	if t.replica.ctx != nil && t.replica.ctx.Err() != nil {
		v[2*n] = 1
	}
	mine := float32(0) // this replica's count of non-finite losses
	if !finite(loss) {
		mine = 1
	}
	v[2*n+1] = mine
	start := time.Now()
	err = t.group.AllReduceSum(v)
	t.communication(start)
	if err != nil {
		return 0, false, err
	}
	sum := 0.0
	for q := range n {
		sum += dist.JoinFloat64(v[2*q], v[2*q+1])
	}
	t.replica.stop = v[2*n] > 0
	othersFinite = v[2*n+1] == mine
	return math.Sqrt(sum), othersFinite, nil
}

// applyStep applies Adam's step. In a group each replica computes the
// step of its block, the blocks are gathered, and every replica
// subtracts the whole step from its weights: a gather that fails leaves
// the weights as they were (Adam's moments of the block have moved on,
// but a group whose transport failed trains no further; a face restarts
// from the weights or a checkpoint). Every DriftCheckEvery steps the
// replicas compare checksums of the weights.
func (t *Trainer) applyStep(norm float64) error {
	r := &t.replica
	if t.group.Size() == 1 {
		t.adam.Update(norm)
		return nil
	}
	t.adam.UpdateSteps(norm, r.flat)
	start := time.Now()
	err := t.group.AllGatherBlocks(r.flat)
	t.communication(start)
	if err != nil {
		return err
	}
	steps := r.flat
	for _, p := range t.Model.Params() {
		asm.Sub(p.W, p.W, steps)
		steps = steps[len(p.W):]
	}
	if t.Step%DriftCheckEvery == 0 {
		start := time.Now()
		defer t.communication(start)
		return dist.CheckSame(t.group, nn.Checksum(t.Model.Params()))
	}
	return nil
}

// gatherMoments makes Adam's moments current on every replica, each
// block from its replica: what a checkpoint saves.
func (t *Trainer) gatherMoments() error {
	r := &t.replica
	if t.group.Size() == 1 {
		return nil
	}
	for _, m := range [][][]float32{t.adam.M, t.adam.V} {
		copyBlock(r.flat, m, r.lo, r.hi, toFlat)
		if err := t.group.AllGatherBlocks(r.flat); err != nil {
			return err
		}
		copyBlock(r.flat, m, 0, len(r.flat), fromFlat)
	}
	return nil
}

// communication adds the time since start to the step's communication.
func (t *Trainer) communication(start time.Time) {
	t.ws.Times[cpc.Communication] += time.Since(start)
}

const (
	toFlat   = true
	fromFlat = false
)

// copyBlock copies elements [lo, hi) of parts, taken end to end, to the
// same places of flat (toFlat) or back (fromFlat).
func copyBlock(flat []float32, parts [][]float32, lo, hi int, dir bool) {
	start := 0 // of part i, end to end
	for _, p := range parts {
		from, to := max(lo-start, 0), min(hi-start, len(p))
		if from < to {
			if dir == toFlat {
				copy(flat[start+from:start+to], p[from:to])
			} else {
				copy(p[from:to], flat[start+from:start+to])
			}
		}
		start += len(p)
	}
}

// broadcastWeights sends rank 0's weights to every replica.
func broadcastWeights(g dist.Group, m *cpc.Model[float32]) error {
	if g.Size() == 1 {
		return nil
	}
	var weights [][]float32
	n := 0
	for _, p := range m.Params() {
		weights, n = append(weights, p.W), n+len(p.W)
	}
	flat := make([]float32, n)
	copyBlock(flat, weights, 0, n, toFlat)
	if err := g.Broadcast(flat, 0); err != nil {
		return err
	}
	copyBlock(flat, weights, 0, n, fromFlat)
	return nil
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
