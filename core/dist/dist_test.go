package dist

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

// onEach runs f on every replica of a Local group of n, concurrently.
func onEach(n int, f func(g Group) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r, g := range Local(n) {
		wg.Go(func() { errs[r] = f(g) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func TestLocal(t *testing.T) {
	const n = 3
	err := onEach(n, func(g Group) error {
		r := float32(g.Rank())
		sum := []float32{r, 10 * r, 1, 2, 3}
		if err := g.AllReduceSum(sum); err != nil {
			return err
		}
		if !slices.Equal(sum, []float32{3, 30, 3, 6, 9}) {
			t.Errorf("rank %d: sum %v", g.Rank(), sum)
		}
		out := make([]float32, 2*n)
		if err := g.AllGather([]float32{r, -r}, out); err != nil {
			return err
		}
		if !slices.Equal(out, []float32{0, 0, 1, -1, 2, -2}) {
			t.Errorf("rank %d: gathered %v", g.Rank(), out)
		}
		var msg []byte
		if g.Rank() == 1 {
			msg = []byte("hello, replicas")
		}
		got, err := BroadcastBytes(g, msg, 1)
		if err != nil {
			return err
		}
		if string(got) != "hello, replicas" {
			t.Errorf("rank %d: broadcast %q", g.Rank(), got)
		}
		if err := CheckSame(g, 42); err != nil {
			return err
		}
		if err := CheckSame(g, uint64(g.Rank()/2)); !errors.Is(err, ErrDrift) {
			t.Errorf("rank %d: differing sums gave %v", g.Rank(), err)
		}
		if err := g.AllReduceSum(make([]float32, 1+g.Rank())); err == nil {
			t.Errorf("rank %d: buffers of different lengths were summed", g.Rank())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBlocks reduces and gathers 7 values over 3 replicas (blocks of 2,
// 2 and 3).
func TestBlocks(t *testing.T) {
	const n = 3
	err := onEach(n, func(g Group) error {
		r := float32(g.Rank())
		buf := []float32{r, 2 * r, 3 * r, 4 * r, 5 * r, 6 * r, 7*r + 1}
		if err := g.ReduceScatterSum(buf); err != nil {
			return err
		}
		want := []float32{3, 6, 9, 12, 15, 18, 24} // r summed is 3; the last adds three ones
		lo, hi := Block(len(buf), n, g.Rank())
		if !slices.Equal(buf[lo:hi], want[lo:hi]) {
			t.Errorf("rank %d: block [%d, %d) summed to %v, want %v", g.Rank(), lo, hi, buf[lo:hi], want[lo:hi])
		}
		for i := range buf {
			if i < lo || i >= hi {
				buf[i] = -1 // what the gather must replace
			}
		}
		if err := g.AllGatherBlocks(buf); err != nil {
			return err
		}
		if !slices.Equal(buf, want) {
			t.Errorf("rank %d: gathered %v, want %v", g.Rank(), buf, want)
		}
		if err := g.ReduceScatterSum(make([]float32, 3+g.Rank())); err == nil {
			t.Errorf("rank %d: buffers of different lengths were reduced", g.Rank())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ n, size, rank, lo, hi int }{{7, 3, 0, 0, 2}, {7, 3, 2, 4, 7}, {2, 4, 0, 0, 0}, {2, 4, 3, 1, 2}, {0, 2, 1, 0, 0}} {
		if lo, hi := Block(c.n, c.size, c.rank); lo != c.lo || hi != c.hi {
			t.Errorf("Block(%d, %d, %d) = [%d, %d), want [%d, %d)", c.n, c.size, c.rank, lo, hi, c.lo, c.hi)
		}
	}
}

func TestSplitFloat64(t *testing.T) {
	x := 1234.56789012345
	if d := JoinFloat64(SplitFloat64(x)) - x; d > 1e-9 || d < -1e-9 {
		t.Errorf("split and joined, %v is off by %g", x, d)
	}
}
