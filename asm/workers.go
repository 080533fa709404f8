package asm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Parts is work cut into independent parts: Part(i) does part i, and no
// part reads what another writes.
type Parts interface{ Part(i int) }

// Parallel runs p.Part(i) for every i in [0, n), on the calling goroutine
// and up to Width()−1 pool workers. Which thread runs a part varies,
// so a result that must not depend on the thread count has to be
// combined from the parts in index order afterwards.
//
// The workers live for the whole process: a split costs a few channel
// operations, not new goroutines, so a training step in steady state
// allocates nothing. Pass a pointer (to a long-lived or pooled value) as
// p, so the interface does not allocate either.
func Parallel(n int, p Parts) {
	helpers := min(n, Width()) - 1
	if helpers <= 0 {
		for i := range n {
			p.Part(i)
		}
		return
	}
	ensureWorkers(helpers)
	r := runs.get()
	if r == nil {
		r = &run{done: make(chan struct{}, 64)}
	}
	r.p, r.n = p, int64(n)
	r.next.Store(0)
	for range helpers {
		tasks <- r
	}
	r.drain()
	// Until every helper has checked in, run queued work (this call's
	// helpers that no worker has picked up yet, or another caller's)
	// rather than sleep: concurrent callers never wait on a busy pool.
	for left := helpers; left > 0; {
		if t := wait(r.done); t != nil {
			t.drain()
			t.done <- struct{}{}
		} else {
			left--
		}
	}
	r.p = nil
	runs.put(r)
}

// widthCap is SetWidth's cap; 0: none.
var widthCap atomic.Int32

// SetWidth caps the threads one split (a Parallel call, a product) uses at
// n; 0 removes the cap. Replicas of a data-parallel group that run in one
// process share its threads: with R replicas on T threads, each split
// taking T/R lets them run side by side instead of queueing for the pool.
func SetWidth(n int) { widthCap.Store(int32(max(n, 0))) }

// Width is how many threads a split may use: GOMAXPROCS, or SetWidth's
// cap where that is lower.
func Width() int {
	w := runtime.GOMAXPROCS(0)
	if c := int(widthCap.Load()); c > 0 && c < w {
		return c
	}
	return w
}

// run is one Parallel call: parts are claimed in index order from next.
type run struct {
	p    Parts
	n    int64
	next atomic.Int64
	done chan struct{} // one value per helper that has finished
}

func (r *run) drain() {
	for i := r.next.Add(1) - 1; i < r.n; i = r.next.Add(1) - 1 {
		r.p.Part(int(i))
	}
}

var (
	tasks     = make(chan *run, 64)
	runs      freeList[run]
	workersMu sync.Mutex
	workers   int
)

// spinFor is how long a waiting thread polls for work before it parks.
// A training step makes hundreds of splits a few hundred microseconds
// apart or less, and a worker still polling takes the next one at once,
// where waking a parked thread costs tens of microseconds per split (more
// on a virtual machine, whose idle CPU the host may have descheduled).
// The clock is read once every pollsPerClock polls (a poll costs a few
// nanoseconds, reading the clock tens).
const (
	spinFor       = 200 * time.Microsecond
	pollsPerClock = 64
)

// work is a pool worker's loop.
func work() {
	for {
		r := wait(nil)
		r.drain()
		r.done <- struct{}{}
	}
}

// wait returns the next queued run, or nil once done (never, if nil)
// delivers. It polls both for spinFor before it blocks.
func wait(done chan struct{}) *run {
	start := time.Now()
	for i := 1; i%pollsPerClock != 0 || time.Since(start) < spinFor; i++ {
		if i%pollsPerClock == 0 {
			// Let a goroutine that waits for a thread have this one:
			// after a larger GOMAXPROCS the pool has more workers than
			// threads, and their polling would starve the caller.
			runtime.Gosched()
		}
		select {
		case <-done:
			return nil
		default:
		}
		select {
		case r := <-tasks:
			return r
		default:
		}
	}
	select {
	case <-done:
		return nil
	case r := <-tasks:
		return r
	}
}

// ensureWorkers starts pool workers until at least n are running.
func ensureWorkers(n int) {
	workersMu.Lock()
	defer workersMu.Unlock()
	for ; workers < n; workers++ {
		go work()
	}
}
