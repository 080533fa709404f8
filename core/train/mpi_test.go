//go:build mpi

package train

import (
	"context"
	"math"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/dist/mpi"
	"github.com/gocpc/cpc/core/nn"
)

// TestMain starts MPI: built with the mpi tag, these tests run under
// mpirun (make test-mpi), every process the same tests in the same order.
func TestMain(m *testing.M) { mpi.RunTests(m) }

// TestMPIReplicasTrainAsOneBatch: the processes of the MPI job, each with
// two windows of every batch, train as one process with all of them: the
// same losses and weights after 20 steps, to 1e-5; and their weights are
// bit-identical.
func TestMPIReplicasTrainAsOneBatch(t *testing.T) {
	world := mpi.Tested()
	n := world.Size()
	if n < 2 {
		t.Fatalf("run under mpirun -np 2 or more (size %d)", n)
	}
	opts := testOptions()
	opts.Batch, opts.Negatives, opts.LR = 2*n, 0, 2e-4
	const steps = 20
	one := newTrainer(t, opts, testCorpus(1))
	one.draw = arrangedWindows(opts, 0, 1)
	noReport := func(cpc.Metrics) error { return nil }
	if err := one.Run(context.Background(), Plan{Steps: steps, LogEvery: 1}, noReport); err != nil {
		t.Fatal(err)
	}
	tr, err := newReplica(world, opts)
	if err != nil {
		t.Fatal(err)
	}
	tr.draw = arrangedWindows(opts, world.Rank(), n)
	if err := tr.Run(context.Background(), Plan{Steps: steps, LogEvery: 1}, noReport); err != nil {
		t.Fatal(err)
	}
	for i, m := range tr.History {
		if d := math.Abs(m.Loss - one.History[i].Loss); d > 1e-5 {
			t.Fatalf("rank %d, step %d: loss %v, one process %v", world.Rank(), i+1, m.Loss, one.History[i].Loss)
		}
	}
	worst := 0.0
	for i, p := range tr.Model.Params() {
		for j, w := range p.W {
			worst = max(worst, math.Abs(float64(w-one.Model.Params()[i].W[j])))
		}
	}
	t.Logf("rank %d: weights within %g of one process's", world.Rank(), worst)
	if worst > 1e-5 {
		t.Errorf("rank %d: weights differ from one process's by %g", world.Rank(), worst)
	}
	if err := dist.CheckSame(world, nn.Checksum(tr.Model.Params())); err != nil {
		t.Error(err)
	}
}
