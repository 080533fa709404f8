package dist

import (
	"fmt"
	"sync"
)

// Local returns a group of n replicas that run as goroutines of one
// process, one Group each. Sums run in rank order, so every replica gets
// the same bits and a run is deterministic.
func Local(n int) []Group {
	s := &localShared{n: n, bufs: make([][]float32, n)}
	s.cond = sync.NewCond(&s.mu)
	gs := make([]Group, n)
	for r := range gs {
		gs[r] = &localGroup{s: s, rank: r}
	}
	return gs
}

type localShared struct {
	n          int
	mu         sync.Mutex
	cond       *sync.Cond
	arrived    int
	generation int
	bufs       [][]float32 // each replica's buffer of the operation under way
	sum        []float32
}

// barrier returns when all n replicas have called it.
func (s *localShared) barrier() {
	s.mu.Lock()
	defer s.mu.Unlock()
	gen := s.generation
	s.arrived++
	if s.arrived == s.n {
		s.arrived = 0
		s.generation++
		s.cond.Broadcast()
		return
	}
	for gen == s.generation {
		s.cond.Wait()
	}
}

type localGroup struct {
	s    *localShared
	rank int
}

func (g *localGroup) Rank() int { return g.rank }
func (g *localGroup) Size() int { return g.s.n }

// exchange publishes buf, runs f once every replica has, and returns
// once every replica has finished its f.
func (g *localGroup) exchange(buf []float32, f func(bufs [][]float32)) error {
	s := g.s
	s.bufs[g.rank] = buf
	s.barrier()
	for r, b := range s.bufs {
		if len(b) != len(buf) {
			s.barrier()
			return fmt.Errorf("rank %d passed %d values, rank %d %d", g.rank, len(buf), r, len(b))
		}
	}
	f(s.bufs)
	s.barrier()
	return nil
}

func (g *localGroup) AllReduceSum(buf []float32) error { return g.reduce(buf, true) }

func (g *localGroup) ReduceScatterSum(buf []float32) error { return g.reduce(buf, false) }

// reduce sums the replicas' bufs, each replica its block of them into
// the same block of a shared sum, in rank order; then it copies its block
// back into buf (which no other replica reads), or with all, once every
// block is summed, the whole sum.
func (g *localGroup) reduce(buf []float32, all bool) error {
	s := g.s
	if g.rank == 0 && len(s.sum) < len(buf) {
		s.sum = make([]float32, len(buf))
	}
	return g.exchange(buf, func(bufs [][]float32) {
		lo, hi := Block(len(buf), s.n, g.rank)
		sum := s.sum[lo:hi]
		copy(sum, bufs[0][lo:hi])
		for _, b := range bufs[1:] {
			for i, v := range b[lo:hi] {
				sum[i] += v
			}
		}
		if !all {
			copy(buf[lo:hi], sum)
			return
		}
		s.barrier()
		copy(buf, s.sum[:len(buf)])
	})
}

func (g *localGroup) AllGatherBlocks(buf []float32) error {
	return g.exchange(buf, func(bufs [][]float32) {
		for r, b := range bufs {
			if r != g.rank {
				lo, hi := Block(len(buf), g.s.n, r)
				copy(buf[lo:hi], b[lo:hi])
			}
		}
	})
}

func (g *localGroup) AllGather(in, out []float32) error {
	if len(out) != g.s.n*len(in) {
		return fmt.Errorf("allgather: %d values out for %d replicas of %d", len(out), g.s.n, len(in))
	}
	return g.exchange(in, func(bufs [][]float32) {
		for r, b := range bufs {
			copy(out[r*len(in):], b)
		}
	})
}

func (g *localGroup) Broadcast(buf []float32, root int) error {
	return g.exchange(buf, func(bufs [][]float32) {
		if g.rank != root {
			copy(buf, bufs[root])
		}
	})
}
