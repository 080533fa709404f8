//go:build mpi

package mpi

import (
	"slices"
	"testing"
)

// TestMain starts MPI for the tests, which run under mpirun (make
// test-mpi): every process runs every test, in the same order.
func TestMain(m *testing.M) { RunTests(m) }

func TestCollectives(t *testing.T) {
	world := Tested()
	if world.Size() < 2 {
		t.Fatalf("run under mpirun -np 2 or more (size %d)", world.Size())
	}
	r, n := float32(world.Rank()), world.Size()
	sum := []float32{r, 1}
	if err := world.AllReduceSum(sum); err != nil {
		t.Fatal(err)
	}
	if want := float32(n * (n - 1) / 2); sum[0] != want || sum[1] != float32(n) {
		t.Errorf("rank %d: sum %v", world.Rank(), sum)
	}
	out := make([]float32, 2*n)
	if err := world.AllGather([]float32{r, -r}, out); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if !slices.Equal(out[2*i:2*i+2], []float32{float32(i), -float32(i)}) {
			t.Errorf("rank %d: gathered %v", world.Rank(), out)
		}
	}
	b := []float32{r + 7}
	if err := world.Broadcast(b, n-1); err != nil || b[0] != float32(n-1)+7 {
		t.Errorf("rank %d: broadcast %v, %v", world.Rank(), b, err)
	}
	if err := world.Barrier(); err != nil {
		t.Fatal(err)
	}
}
