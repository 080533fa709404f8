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

func TestSplitFloat64(t *testing.T) {
	x := 1234.56789012345
	if d := JoinFloat64(SplitFloat64(x)) - x; d > 1e-9 || d < -1e-9 {
		t.Errorf("split and joined, %v is off by %g", x, d)
	}
}
