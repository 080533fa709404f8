package asm

import (
	"math"
	"unsafe"
)

// The Go twins of the elementwise kernels: the generic path's, and every
// native path's.
var elemGeneric = &elemKernels{add: addGo, addTwice: addTwiceGo, sumRows: sumRowsGo, relu: reluGo, keepPos: keepPosGo}

func addGo(d, a, b *float32, n int, neg bool) {
	ds, as, bs := unsafe.Slice(d, n), unsafe.Slice(a, n), unsafe.Slice(b, n)
	if neg {
		for i := range ds {
			ds[i] = as[i] - bs[i]
		}
		return
	}
	for i := range ds {
		ds[i] = as[i] + bs[i]
	}
}

func addTwiceGo(d0, d1, x, bias *float32, n int) {
	d0s, d1s, xs := unsafe.Slice(d0, n), unsafe.Slice(d1, n), unsafe.Slice(x, n)
	var bs []float32
	if bias != nil {
		bs = unsafe.Slice(bias, n)
	}
	for i, t := range xs {
		if bs != nil {
			t += bs[i]
		}
		d0s[i] += t
		d1s[i] += t
	}
}

func sumRowsGo(g, x *float32, rows, n, ld int) {
	gs, xs := unsafe.Slice(g, n), unsafe.Slice(x, (rows-1)*ld+n)
	for r := range rows {
		for j, v := range xs[r*ld:][:n] {
			gs[j] += v
		}
	}
}

func reluGo(y *float32, n int) {
	ys := unsafe.Slice(y, n)
	for i, v := range ys {
		if v <= 0 {
			ys[i] = 0
		}
	}
}

func keepPosGo(y, dy *float32, n int) {
	ys, dys := unsafe.Slice(y, n), unsafe.Slice(dy, n)
	for i, v := range ys {
		if b := int32(math.Float32bits(v)); b <= 0 {
			dys[i] = 0
		}
	}
}
