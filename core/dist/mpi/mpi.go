//go:build mpi

// Package mpi is the MPI transport of dist.Group: Open MPI's
// MPI_COMM_WORLD through a small cgo binding, for training over processes
// and machines started by mpirun or srun. It is built only with the mpi
// tag (pkg-config ompi-c: Debian's libopenmpi-dev), so the default build
// stays pure Go.
package mpi

/*
#cgo pkg-config: ompi-c
#include <mpi.h>

// Open MPI's handles are macros over global structs, which cgo cannot
// name: these return them.
static MPI_Comm world(void) { return MPI_COMM_WORLD; }
static MPI_Datatype float32(void) { return MPI_FLOAT; }
static MPI_Op sum(void) { return MPI_SUM; }
static void *inPlace(void) { return MPI_IN_PLACE; }

// Errors are returned, not fatal, so that the binding can name them.
static int returnErrors(void) { return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN); }
*/
import "C"

import (
	"fmt"
	"math"
	"os"
	"unsafe"

	"github.com/gocpc/cpc/core/dist"
)

// World is this process's view of MPI_COMM_WORLD: a dist.Group.
type World struct{ rank, size int }

var _ dist.Group = (*World)(nil)

// Init starts MPI (once a process) with calls allowed from any thread,
// one at a time: Go moves goroutines between threads.
func Init() (*World, error) {
	var provided C.int
	if err := check("MPI_Init_thread", C.MPI_Init_thread(nil, nil, C.MPI_THREAD_SERIALIZED, &provided)); err != nil {
		return nil, err
	}
	if provided < C.MPI_THREAD_SERIALIZED {
		return nil, fmt.Errorf("MPI provides thread level %d, not MPI_THREAD_SERIALIZED", int(provided))
	}
	if err := check("MPI_Comm_set_errhandler", C.returnErrors()); err != nil {
		return nil, err
	}
	var rank, size C.int
	if err := check("MPI_Comm_rank", C.MPI_Comm_rank(C.world(), &rank)); err != nil {
		return nil, err
	}
	if err := check("MPI_Comm_size", C.MPI_Comm_size(C.world(), &size)); err != nil {
		return nil, err
	}
	return &World{rank: int(rank), size: int(size)}, nil
}

// Finalize ends MPI; no call may follow.
func (w *World) Finalize() error { return check("MPI_Finalize", C.MPI_Finalize()) }

// Abort ends every process of the job with code.
func (w *World) Abort(code int) { C.MPI_Abort(C.world(), C.int(code)) }

// Barrier returns when every process has called it.
func (w *World) Barrier() error { return check("MPI_Barrier", C.MPI_Barrier(C.world())) }

func (w *World) Rank() int { return w.rank }
func (w *World) Size() int { return w.size }

func (w *World) AllReduceSum(buf []float32) error {
	n, err := count(len(buf))
	if err != nil || n == 0 {
		return err
	}
	return check("MPI_Allreduce", C.MPI_Allreduce(C.inPlace(), unsafe.Pointer(&buf[0]), n, C.float32(), C.sum(), C.world()))
}

func (w *World) AllGather(in, out []float32) error {
	if len(out) != w.size*len(in) {
		return fmt.Errorf("allgather: %d values out for %d processes of %d", len(out), w.size, len(in))
	}
	n, err := count(len(in))
	if err != nil || n == 0 {
		return err
	}
	return check("MPI_Allgather", C.MPI_Allgather(unsafe.Pointer(&in[0]), n, C.float32(), unsafe.Pointer(&out[0]), n, C.float32(), C.world()))
}

func (w *World) Broadcast(buf []float32, root int) error {
	n, err := count(len(buf))
	if err != nil || n == 0 {
		return err
	}
	return check("MPI_Bcast", C.MPI_Bcast(unsafe.Pointer(&buf[0]), n, C.float32(), C.int(root), C.world()))
}

// ReduceScatterSum sums the blocks with MPI_Reduce_scatter, which leaves
// this process's block at the start of buf, and moves it into place.
func (w *World) ReduceScatterSum(buf []float32) error {
	counts, _, err := w.blocks(len(buf))
	if err != nil || len(buf) == 0 {
		return err
	}
	if err := check("MPI_Reduce_scatter", C.MPI_Reduce_scatter(C.inPlace(), unsafe.Pointer(&buf[0]), &counts[0], C.float32(), C.sum(), C.world())); err != nil {
		return err
	}
	lo, hi := dist.Block(len(buf), w.size, w.rank)
	copy(buf[lo:hi], buf[:hi-lo])
	return nil
}

func (w *World) AllGatherBlocks(buf []float32) error {
	counts, offsets, err := w.blocks(len(buf))
	if err != nil || len(buf) == 0 {
		return err
	}
	return check("MPI_Allgatherv", C.MPI_Allgatherv(C.inPlace(), 0, C.float32(), unsafe.Pointer(&buf[0]), &counts[0], &offsets[0], C.float32(), C.world()))
}

// blocks returns the lengths and offsets of n values' blocks
// (dist.Block), as MPI's counts and displacements.
func (w *World) blocks(n int) (counts, offsets []C.int, err error) {
	if _, err := count(n); err != nil {
		return nil, nil, err
	}
	for r := range w.size {
		lo, hi := dist.Block(n, w.size, r)
		counts, offsets = append(counts, C.int(hi-lo)), append(offsets, C.int(lo))
	}
	return counts, offsets, nil
}

// count is n as MPI's element count.
func count(n int) (C.int, error) {
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("%d values are more than one MPI call carries", n)
	}
	return C.int(n), nil
}

// check turns an MPI return code into an error naming the call.
func check(call string, code C.int) error {
	if code == C.MPI_SUCCESS {
		return nil
	}
	var buf [C.MPI_MAX_ERROR_STRING]C.char
	var n C.int
	C.MPI_Error_string(code, &buf[0], &n)
	return fmt.Errorf("%s: %s", call, C.GoStringN(&buf[0], n))
}

var tested *World

// RunTests runs a test binary's tests (m is its *testing.M) as one process
// of an MPI job that mpirun started, between Init and Finalize, and exits
// with their status. The tests get this process's World from Tested.
func RunTests(m interface{ Run() int }) {
	w, err := Init()
	if err != nil {
		panic(err)
	}
	tested = w
	code := m.Run()
	w.Finalize()
	os.Exit(code)
}

// Tested is the World of a test binary run by RunTests.
func Tested() *World { return tested }
