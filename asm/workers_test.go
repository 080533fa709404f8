package asm

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// overlap is parts that each hold a slot for a moment and record the most
// held at once.
type overlap struct {
	done      []atomic.Bool
	now, most atomic.Int32
}

func (o *overlap) Part(i int) {
	n := o.now.Add(1)
	for m := o.most.Load(); n > m && !o.most.CompareAndSwap(m, n); m = o.most.Load() {
	}
	time.Sleep(2 * time.Millisecond)
	o.now.Add(-1)
	o.done[i].Store(true)
}

// TestParallelWidth: every part runs once, and a split capped at one
// thread runs its parts one at a time however many threads there are.
func TestParallelWidth(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	defer SetWidth(0)
	threads := runtime.GOMAXPROCS(0) // 1 where the platform has one (js/wasm)
	for _, c := range []struct{ cap, width int }{{0, threads}, {9, threads}, {2, min(2, threads)}, {1, 1}} {
		SetWidth(c.cap)
		if w := Width(); w != c.width {
			t.Errorf("SetWidth(%d) on %d threads: Width() %d, want %d", c.cap, threads, w, c.width)
		}
		o := &overlap{done: make([]atomic.Bool, 16)}
		Parallel(len(o.done), o)
		for i := range o.done {
			if !o.done[i].Load() {
				t.Fatalf("SetWidth(%d): part %d did not run", c.cap, i)
			}
		}
		if most := int(o.most.Load()); most > c.width {
			t.Errorf("SetWidth(%d): %d parts ran at once, want at most %d", c.cap, most, c.width)
		}
	}
}
