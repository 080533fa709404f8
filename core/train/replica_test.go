package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/nn"
)

// arrangedWindows returns a draw function for replica r of n that gives
// it its share of the same global batches, step after step.
func arrangedWindows(opts Options, r, n int) func([]float32) {
	step := uint64(0)
	return func(batch []float32) {
		step++
		rng := rand.New(rand.NewPCG(step, 99))
		global := make([]float32, opts.Batch*opts.Window)
		for i := range global {
			global[i] = float32(0.5*math.Sin(float64(i)*0.03*float64(1+i/opts.Window)) + 0.1*rng.NormFloat64())
		}
		share := len(global) / n
		copy(batch, global[r*share:(r+1)*share])
	}
}

// runReplicas starts n replicas of a Local group with start and runs
// each to plan.Steps, rank 0 alone writing into plan.Out; it returns
// their trainers.
func runReplicas(t *testing.T, n int, plan Plan, start func(g dist.Group) (*Trainer, error)) []*Trainer {
	t.Helper()
	trs, err := StartLocal(n, start)
	if err == nil {
		err = OnEach(n, func(r int) error {
			p := plan
			if r > 0 {
				p.Out = ""
			}
			return trs[r].Run(context.Background(), p, func(cpc.Metrics) error { return nil })
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	return trs
}

// newReplica starts replica g.Rank() with weights of its own (rank 0's
// must win).
func newReplica(g dist.Group, opts Options) (*Trainer, error) {
	m, err := NewModel(testArch(), opts.Seed+uint64(g.Rank()))
	if err != nil {
		return nil, err
	}
	return NewReplica(g, m, opts, testCorpus(1))
}

// TestReplicasTrainAsOneBatch: two replicas with two windows each train
// as one process with the four: the same losses and weights after 20
// steps, to 1e-5; on windows a test arranges, and on the sampler's (every
// replica draws the global batch and keeps its share); with dropout, the
// same values dropped; and with every step clipped, which takes the
// norm of the gradients summed over the replicas' blocks.
func TestReplicasTrainAsOneBatch(t *testing.T) {
	for _, c := range []struct {
		sampled bool
		dropout float64
		augment *Augment
		clip    float64
	}{{false, 0, nil, 5}, {true, 0, nil, 5}, {false, 0.3, nil, 5}, {false, 0, testAugment(), 5}, {false, 0, nil, 1e-3}} {
		sampled := c.sampled
		opts := testOptions()
		opts.Batch, opts.Negatives, opts.LR, opts.Dropout = 4, 0, 2e-4, c.dropout // the paper's rate
		opts.Clip = c.clip
		opts.AugmentPast = c.augment
		if sampled {
			opts.Speakers = 2 // a sampler of the global batch
		}
		const steps = 20
		one := newTrainer(t, opts, testCorpus(1))
		if !sampled {
			one.draw = arrangedWindows(opts, 0, 1)
		}
		if err := one.Run(context.Background(), Plan{Steps: steps, LogEvery: 1}, func(cpc.Metrics) error { return nil }); err != nil {
			t.Fatal(err)
		}
		trs := runReplicas(t, 2, Plan{Steps: steps, LogEvery: 1}, func(g dist.Group) (*Trainer, error) {
			tr, err := newReplica(g, opts)
			if err == nil && !sampled {
				tr.draw = arrangedWindows(opts, g.Rank(), g.Size())
			}
			return tr, err
		})
		for r, tr := range trs {
			for i, m := range tr.History {
				if d := math.Abs(m.Loss - one.History[i].Loss); d > 1e-5 {
					t.Fatalf("sampled %v, replica %d, step %d: loss %v, one process %v", sampled, r, i+1, m.Loss, one.History[i].Loss)
				}
				if want := one.History[i].GradNorm; math.Abs(m.GradNorm-want) > 1e-5*want {
					t.Fatalf("replica %d, step %d: gradient norm %v, one process %v", r, i+1, m.GradNorm, want)
				}
			}
			worst := 0.0
			for i, p := range tr.Model.Params() {
				for j, w := range p.W {
					worst = max(worst, math.Abs(float64(w-one.Model.Params()[i].W[j])))
				}
			}
			t.Logf("sampled %v, replica %d: weights within %g of one process's", sampled, r, worst)
			if worst > 1e-5 {
				t.Errorf("sampled %v, replica %d: weights differ from one process's by %g after %d steps", sampled, r, worst, steps)
			}
		}
		if nn.Checksum(trs[0].Model.Params()) != nn.Checksum(trs[1].Model.Params()) {
			t.Error("the replicas' weights are not identical")
		}
	}
}

// TestReplicaErrors: a batch that does not split, and replicas that
// disagree on the options, are refused on every replica.
func TestReplicaErrors(t *testing.T) {
	for name, change := range map[string]func(r int, o *Options){
		"uneven batch":        func(_ int, o *Options) { o.Batch = 3 },
		"different options":   func(r int, o *Options) { o.LR *= float64(1 + r) },
		"different negatives": func(r int, o *Options) { o.Negatives = r },
	} {
		groups := dist.Local(2)
		errs := make([]error, 2)
		OnEach(2, func(r int) error {
			o := testOptions()
			o.Batch = 4
			change(r, &o)
			m, _ := NewModel(testArch(), 1)
			_, errs[r] = NewReplica(groups[r], m, o, testCorpus(1))
			return nil
		})
		if errs[0] == nil || errs[1] == nil {
			t.Errorf("%s: errors %v and %v, want both", name, errs[0], errs[1])
		}
	}
}

// TestReplicasResumeExactly: replicas that stop and resume write the
// files of replicas that did not stop (every replica's generators are
// saved), and a run saved by two replicas does not resume on three.
func TestReplicasResumeExactly(t *testing.T) {
	opts := testOptions()
	opts.Batch = 4
	straight, split := t.TempDir(), t.TempDir()
	fresh := func(g dist.Group) (*Trainer, error) { return newReplica(g, opts) }
	runReplicas(t, 2, Plan{Steps: 12, Out: straight, SaveEvery: 4, LogEvery: 1}, fresh)
	runReplicas(t, 2, Plan{Steps: 5, Out: split, SaveEvery: 4, LogEvery: 1}, fresh)
	resume := func(g dist.Group) (*Trainer, error) { return ResumeReplica(g, split, testCorpus(1)) }
	runReplicas(t, 2, Plan{Steps: 12, Out: split, SaveEvery: 4, LogEvery: 1}, resume)
	for _, f := range []string{cpc.ModelFile, StateFile} {
		if !bytes.Equal(read(t, straight, f), read(t, split, f)) {
			t.Errorf("%s differs between 12 steps and 5 + resume + 7", f)
		}
	}
	groups := dist.Local(3)
	errs := make([]error, 3)
	OnEach(3, func(r int) error {
		_, errs[r] = ResumeReplica(groups[r], split, testCorpus(1))
		return nil
	})
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "saved by 2 replicas") || errs[1] == nil {
		t.Errorf("resuming on 3: %v, %v", errs[0], errs[1])
	}
}

// TestReplicaStopStopsAll: a replica whose context is cancelled stops
// every replica at the same step, and rank 0 saves.
func TestReplicaStopStopsAll(t *testing.T) {
	opts := testOptions()
	opts.Batch = 4
	dir := t.TempDir()
	groups := dist.Local(2)
	errs := make([]error, 2)
	steps := make([]int, 2)
	OnEach(2, func(r int) error {
		tr, err := newReplica(groups[r], opts)
		if err != nil {
			errs[r] = err
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		plan := Plan{Steps: 100, LogEvery: 1}
		if r == 0 {
			plan.Out = dir
		}
		errs[r] = tr.Run(ctx, plan, func(m cpc.Metrics) error {
			if r == 1 && m.Step == 3 {
				cancel()
			}
			return nil
		})
		steps[r] = tr.Step
		return nil
	})
	for r, err := range errs {
		if !errors.Is(err, ErrInterrupted) || steps[r] != steps[0] {
			t.Errorf("replica %d: stopped at step %d with %v", r, steps[r], err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, StateFile)); err != nil {
		t.Errorf("rank 0 saved nothing: %v", err)
	}
}

// failingGather is a group whose gathers of blocks fail from call fail
// on: a transport that broke while Adam's steps were on their way.
type failingGather struct {
	dist.Group
	calls, fail int
}

func (g *failingGather) AllGatherBlocks(buf []float32) error {
	if g.calls++; g.calls >= g.fail {
		return errors.New("the link went down")
	}
	return g.Group.AllGatherBlocks(buf)
}

// TestFailedGatherKeepsModel: a step whose gather of Adam's steps fails
// is an error on every replica, and leaves each model as it was before
// the step.
func TestFailedGatherKeepsModel(t *testing.T) {
	opts := testOptions()
	opts.Batch = 4
	groups := dist.Local(2)
	err := OnEach(2, func(r int) error {
		g := &failingGather{Group: groups[r], fail: 3}
		tr, err := newReplica(g, opts)
		if err != nil {
			return err
		}
		for range 2 {
			if _, err := tr.TrainBatch(); err != nil {
				return err
			}
		}
		before := nn.Checksum(tr.Model.Params())
		if _, err := tr.TrainBatch(); err == nil || !strings.Contains(err.Error(), "the link went down") {
			t.Errorf("replica %d: the third step gave %v", r, err)
		}
		if nn.Checksum(tr.Model.Params()) != before || tr.Step != 2 {
			t.Errorf("replica %d: the failed step changed the model (step %d)", r, tr.Step)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
