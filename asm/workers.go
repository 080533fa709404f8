//go:build !noasm && (amd64 || arm64)

package asm

import (
	"runtime"
	"sync"
)

// gemmTask is one block of C for a worker; done gets one value when the
// block is written.
type gemmTask struct {
	job            gemmJob
	i0, i1, j0, j1 int
	done           chan struct{}
}

// Worker goroutines live for the whole process, so a product that is
// split costs two channel operations per block rather than a new
// goroutine (and its allocations) per block: a training step in steady
// state allocates nothing.
var (
	tasks     = make(chan gemmTask, 64)
	workersMu sync.Mutex
	workers   int
	// doneChans recycles the per-call completion channels.
	doneChans = make(chan chan struct{}, 64)
)

// ensureWorkers starts workers until n are running.
func ensureWorkers(n int) {
	workersMu.Lock()
	defer workersMu.Unlock()
	for ; workers < n; workers++ {
		go func() {
			for t := range tasks {
				t.job.run(t.i0, t.i1, t.j0, t.j1)
				t.done <- struct{}{}
			}
		}()
	}
}

// runSplit computes C block by block: block(w) gives the bounds of block
// w of count. The caller computes the last block itself, then, until the
// others are done, takes queued blocks (its own or another caller's)
// rather than sleep, so concurrent callers never wait on a busy pool.
func (job *gemmJob) runSplit(count int, block func(w int) (i0, i1, j0, j1 int)) {
	ensureWorkers(min(count-1, runtime.GOMAXPROCS(0)))
	var done chan struct{}
	select {
	case done = <-doneChans:
	default:
		done = make(chan struct{}, cap(tasks))
	}
	for w := 0; w < count-1; w++ {
		i0, i1, j0, j1 := block(w)
		tasks <- gemmTask{*job, i0, i1, j0, j1, done}
	}
	job.run(block(count - 1))
	for left := count - 1; left > 0; {
		select {
		case <-done:
			left--
		case t := <-tasks:
			t.job.run(t.i0, t.i1, t.j0, t.j1)
			t.done <- struct{}{}
		}
	}
	select {
	case doneChans <- done:
	default:
	}
}
