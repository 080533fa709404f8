//go:build js && wasm

// Package jsgroup is the Web Workers transport of data-parallel training:
// a dist.Group over a group object of www/group.js, so that Go programs
// in several workers of a page (or worker_threads under node), one
// replica each, train as one. The object does the collectives, over a
// SharedArrayBuffer (SharedGroup: synchronous) or messages through rank 0
// (HubGroup and SpokeGroup: each collective returns a Promise, which the
// calling goroutine waits for while the event loop delivers the
// messages); this package only copies the buffers in and out.
package jsgroup

import (
	"errors"
	"fmt"
	"syscall/js"
	"unsafe"

	"github.com/gocpc/cpc/core/dist"
)

// Group is one replica's view of a JavaScript group.
type Group struct {
	v          js.Value
	rank, size int
	in         js.Value // a Uint8Array the inputs are copied into, reused
}

var _ dist.Group = (*Group)(nil)

// New wraps v, an object with rank, size and the collectives
// allReduceSum(bytes), allGather(bytes), broadcast(bytes, root),
// reduceScatterSum(bytes) and allGatherBlocks(bytes), each
// answering a Uint8Array or a Promise of one. The input's buffer is
// reused after the collective returns, and so may the result's be.
func New(v js.Value) (*Group, error) {
	if v.Type() != js.TypeObject {
		return nil, fmt.Errorf("a group must be an object, not %s", v.Type())
	}
	for _, f := range []string{"allReduceSum", "allGather", "broadcast", "reduceScatterSum", "allGatherBlocks"} {
		if v.Get(f).Type() != js.TypeFunction {
			return nil, fmt.Errorf("the group object has no %s function", f)
		}
	}
	rank, size := v.Get("rank"), v.Get("size")
	if rank.Type() != js.TypeNumber || size.Type() != js.TypeNumber || size.Int() < 1 || rank.Int() < 0 || rank.Int() >= size.Int() {
		return nil, fmt.Errorf("a group's rank and size must be numbers, 0 ≤ rank < size (got %v and %v)", rank, size)
	}
	return &Group{v: v, rank: rank.Int(), size: size.Int(), in: js.Global().Get("Uint8Array").New(0)}, nil
}

func (g *Group) Rank() int { return g.rank }
func (g *Group) Size() int { return g.size }

// Transport names how the replicas exchange data ("shared memory" or
// "messages").
func (g *Group) Transport() string { return g.v.Get("transport").String() }

func (g *Group) AllReduceSum(buf []float32) error {
	return g.run(buf, "allReduceSum", buf)
}

func (g *Group) AllGather(in, out []float32) error {
	if len(out) != g.size*len(in) {
		return fmt.Errorf("allgather: %d values out for %d replicas of %d", len(out), g.size, len(in))
	}
	return g.run(out, "allGather", in)
}

func (g *Group) Broadcast(buf []float32, root int) error {
	if root < 0 || root >= g.size {
		return fmt.Errorf("broadcast from replica %d of %d", root, g.size)
	}
	return g.run(buf, "broadcast", buf, root)
}

// ReduceScatterSum sends the whole buffer and takes back its block.
func (g *Group) ReduceScatterSum(buf []float32) error {
	lo, hi := dist.Block(len(buf), g.size, g.rank)
	return g.call("reduceScatterSum", buf, 0, len(buf), buf, lo, hi)
}

// AllGatherBlocks sends its block and takes back the whole buffer.
func (g *Group) AllGatherBlocks(buf []float32) error {
	lo, hi := dist.Block(len(buf), g.size, g.rank)
	return g.call("allGatherBlocks", buf, lo, hi, buf, 0, len(buf))
}

// run calls the collective op on the bytes of in (and args) and copies
// its result into out.
func (g *Group) run(out []float32, op string, in []float32, args ...any) error {
	return g.call(op, in, 0, len(in), out, 0, len(out), args...)
}

// call calls the collective op (with args) on a byte buffer as long as
// in, of which only in[inLo:inHi] is copied in (the rest is not read),
// and copies values [outLo, outHi) of its result into out, whose length
// the result must have.
func (g *Group) call(op string, in []float32, inLo, inHi int, out []float32, outLo, outHi int, args ...any) (err error) {
	defer func() {
		// A collective that throws (the group aborted) panics in Call.
		if r := recover(); r != nil {
			e, ok := r.(js.Error)
			if !ok {
				panic(r)
			}
			err = errors.New(e.Get("message").String())
		}
	}()
	if g.in.Length() < 4*len(in) {
		g.in = js.Global().Get("Uint8Array").New(max(4*len(in), 2*g.in.Length()))
	}
	b := g.in.Call("subarray", 0, 4*len(in))
	js.CopyBytesToJS(b.Call("subarray", 4*inLo, 4*inHi), bytesOf(in[inLo:inHi]))
	res := g.v.Call(op, append([]any{b}, args...)...)
	if res.InstanceOf(js.Global().Get("Promise")) {
		if res, err = await(res); err != nil {
			return err
		}
	}
	if n := res.Get("length").Int(); n != 4*len(out) {
		return fmt.Errorf("%s: %d bytes back, want %d", op, n, 4*len(out))
	}
	js.CopyBytesToGo(bytesOf(out[outLo:outHi]), res.Call("subarray", 4*outLo, 4*outHi))
	return nil
}

// bytesOf is x's memory as bytes (wasm is little-endian, as are typed
// arrays on every platform a browser runs on).
func bytesOf(x []float32) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x))
}

// await waits for p to settle: this goroutine blocks, and the event loop
// runs until a callback wakes it.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, a []js.Value) any {
		ch <- result{v: a[0]}
		return nil
	})
	defer then.Release()
	catch := js.FuncOf(func(_ js.Value, a []js.Value) any {
		msg := a[0].String()
		if a[0].Type() == js.TypeObject && a[0].Get("message").Type() == js.TypeString {
			msg = a[0].Get("message").String()
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	defer catch.Release()
	p.Call("then", then, catch)
	r := <-ch
	return r.v, r.err
}
