//go:build mpi

package mpi

import (
	"slices"
	"testing"

	"github.com/gocpc/cpc/core/dist"
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
	// 2n+1 values: blocks of 2, the last of 3.
	blocks := make([]float32, 2*n+1)
	for i := range blocks {
		blocks[i] = r + float32(i)
	}
	if err := world.ReduceScatterSum(blocks); err != nil {
		t.Fatal(err)
	}
	lo, hi := dist.Block(len(blocks), n, world.Rank())
	for i := range blocks {
		if i < lo || i >= hi {
			blocks[i] = -1 // what the gather must replace
		} else if want := float32(n*(n-1)/2 + n*i); blocks[i] != want {
			t.Errorf("rank %d: value %d summed to %v, want %v", world.Rank(), i, blocks[i], want)
		}
	}
	if err := world.AllGatherBlocks(blocks); err != nil {
		t.Fatal(err)
	}
	for i, v := range blocks {
		if want := float32(n*(n-1)/2 + n*i); v != want {
			t.Errorf("rank %d: gathered %v, want %v at %d", world.Rank(), blocks, want, i)
			break
		}
	}
	if err := world.Barrier(); err != nil {
		t.Fatal(err)
	}
}
