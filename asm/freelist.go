package asm

import "sync"

// freeList keeps values for reuse, so steady-state calls allocate nothing.
// Unlike sync.Pool it keeps them through garbage collections and changes
// of GOMAXPROCS: sync.Pool drops its per-thread caches when the thread
// count changes, and cpc bench train changes it every step (to time each
// count under the same load), which made each step re-allocate its
// packing buffers.
type freeList[T any] struct {
	mu    sync.Mutex
	items []*T
}

// get returns a kept value, or nil if there is none.
func (f *freeList[T]) get() *T {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.items)
	if n == 0 {
		return nil
	}
	x := f.items[n-1]
	f.items = f.items[:n-1]
	return x
}

// put keeps x for a later get.
func (f *freeList[T]) put(x *T) {
	f.mu.Lock()
	f.items = append(f.items, x)
	f.mu.Unlock()
}
