// Package dist is data-parallel training's one reduction: a Group of
// replicas, each computing the gradients of its share of the batch, that
// sum buffers, gather them and broadcast them. Transports implement Group:
// Single (one process alone), Local (goroutines in one process, for tests
// and many cores), MPI (processes and machines; package dist/mpi, built
// with the mpi tag) and Web Workers (a page's workers, one Go program
// each; package wasm/jsgroup).
//
// Every operation is collective: every replica of the group calls it, in
// the same order, with buffers of the same length.
package dist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Group is one replica's view of its group.
type Group interface {
	Rank() int // this replica's index, 0 ≤ Rank() < Size()
	Size() int
	// AllReduceSum replaces buf by the element-wise sum over the
	// replicas' bufs; every replica gets the same bits.
	AllReduceSum(buf []float32) error
	// AllGather sets out, of Size()·len(in) values, to every replica's
	// in, in rank order.
	AllGather(in, out []float32) error
	// Broadcast copies root's buf into every replica's buf.
	Broadcast(buf []float32, root int) error
	// ReduceScatterSum sets this replica's block of buf (Block) to the
	// element-wise sum of that block over the replicas' bufs; the rest of
	// buf is left undefined. With AllGatherBlocks after it, it moves
	// what AllReduceSum moves, and in between each replica can work on
	// its block alone (its share of the optimizer's step).
	ReduceScatterSum(buf []float32) error
	// AllGatherBlocks sets every block of buf to the owning replica's.
	AllGatherBlocks(buf []float32) error
}

// Block is replica rank's block [lo, hi) of n values split over size
// replicas, in rank order, the first blocks no longer than the last.
func Block(n, size, rank int) (lo, hi int) {
	return rank * n / size, (rank + 1) * n / size
}

// Single is a group of one: every operation leaves the buffers as they
// are (AllGather copies in to out).
var Single Group = single{}

type single struct{}

func (single) Rank() int                        { return 0 }
func (single) Size() int                        { return 1 }
func (single) AllReduceSum([]float32) error     { return nil }
func (single) Broadcast([]float32, int) error   { return nil }
func (single) ReduceScatterSum([]float32) error { return nil }
func (single) AllGatherBlocks([]float32) error  { return nil }
func (single) AllGather(in, out []float32) error {
	if len(out) != len(in) {
		return fmt.Errorf("allgather: %d values out for %d in", len(out), len(in))
	}
	copy(out, in)
	return nil
}

// BroadcastBytes returns root's b on every replica (others pass nil):
// bytes travel as float32 bit patterns, four a value, which no transport
// changes.
func BroadcastBytes(g Group, b []byte, root int) ([]byte, error) {
	n := []float32{math.Float32frombits(uint32(len(b)))}
	if err := g.Broadcast(n, root); err != nil {
		return nil, err
	}
	size := int(math.Float32bits(n[0]))
	buf := packBytes(b, size)
	if err := g.Broadcast(buf, root); err != nil {
		return nil, err
	}
	return unpackBytes(buf, size), nil
}

// AllGatherBytes returns every replica's b, in rank order. Each must pass
// the same number of bytes.
func AllGatherBytes(g Group, b []byte) ([][]byte, error) {
	in := packBytes(b, len(b))
	out := make([]float32, g.Size()*len(in))
	if err := g.AllGather(in, out); err != nil {
		return nil, err
	}
	all := make([][]byte, g.Size())
	for r := range all {
		all[r] = unpackBytes(out[r*len(in):(r+1)*len(in)], len(b))
	}
	return all, nil
}

func packBytes(b []byte, size int) []float32 {
	padded := make([]byte, (size+3)/4*4)
	copy(padded, b)
	out := make([]float32, len(padded)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(padded[4*i:]))
	}
	return out
}

func unpackBytes(x []float32, size int) []byte {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b[:size]
}

// ErrDrift is wrapped by the error of replicas whose weights differ.
var ErrDrift = errors.New("replicas drifted apart")

// CheckSame returns an error wrapping ErrDrift, naming the first replica
// whose sum differs from rank 0's, unless every replica passes the same
// sum (a checksum of its weights, say).
func CheckSame(g Group, sum uint64) error {
	b := binary.LittleEndian.AppendUint64(nil, sum)
	all, err := AllGatherBytes(g, b)
	if err != nil {
		return err
	}
	for r, s := range all {
		if string(s) != string(all[0]) {
			return fmt.Errorf("%w: rank %d's checksum %x is not rank 0's %x", ErrDrift, r, s, all[0])
		}
	}
	return nil
}

// SplitFloat64 writes x as two float32s whose sum is x to about 48 bits:
// sums of such pairs over replicas keep float64 sums (losses, say) close
// to what one process would have.
func SplitFloat64(x float64) (hi, lo float32) {
	hi = float32(x)
	return hi, float32(x - float64(hi))
}

// JoinFloat64 is the inverse of SplitFloat64.
func JoinFloat64(hi, lo float32) float64 { return float64(hi) + float64(lo) }
