package asm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Parts is work cut into independent parts: Part(i) does part i, and no
// part reads what another writes.
type Parts interface{ Part(i int) }

// Parallel runs p.Part(i) for every i in [0, n), on the calling goroutine
// and up to GOMAXPROCS−1 pool workers. Which thread runs a part varies,
// so a result that must not depend on the thread count has to be
// combined from the parts in index order afterwards.
//
// The workers live for the whole process: a split costs a few channel
// operations, not new goroutines, so a training step in steady state
// allocates nothing. Pass a pointer (to a long-lived or pooled value) as
// p, so the interface does not allocate either.
func Parallel(n int, p Parts) {
	helpers := min(n, runtime.GOMAXPROCS(0)) - 1
	if helpers <= 0 {
		for i := range n {
			p.Part(i)
		}
		return
	}
	ensureWorkers(helpers)
	r := runs.Get().(*run)
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
		select {
		case <-r.done:
			left--
		case t := <-tasks:
			t.drain()
			t.done <- struct{}{}
		}
	}
	r.p = nil
	runs.Put(r)
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
	runs      = sync.Pool{New: func() any { return &run{done: make(chan struct{}, 64)} }}
	workersMu sync.Mutex
	workers   int
)

// ensureWorkers starts pool workers until at least n are running.
func ensureWorkers(n int) {
	workersMu.Lock()
	defer workersMu.Unlock()
	for ; workers < n; workers++ {
		go func() {
			for r := range tasks {
				r.drain()
				r.done <- struct{}{}
			}
		}()
	}
}
