package nn

import (
	"runtime"

	"github.com/gocpc/cpc/asm"
)

// asmElementwise sends float32 elementwise passes to package asm's
// kernels under wasm, where Go has no vector instructions and checks
// every index (the browser build's SIMD128 kernels there ran the small
// step's passes several times faster than these loops). Natively the Go
// loops stay: they need no call and no new kernels to be as fast.
const asmElementwise = runtime.GOARCH == "wasm"

// vecAdd sets d[j] = a[j] + b[j], or a[j] − b[j] if sub, for j < len(d).
func vecAdd[T Float](d, a, b []T, sub bool) {
	if asmElementwise {
		if d32, ok := any(d).([]float32); ok {
			if sub {
				asm.Sub(d32, any(a).([]float32), any(b).([]float32))
			} else {
				asm.Add(d32, any(a).([]float32), any(b).([]float32))
			}
			return
		}
	}
	a, b = a[:len(d)], b[:len(d)]
	if sub {
		for j := range d {
			d[j] = a[j] - b[j]
		}
		return
	}
	for j := range d {
		d[j] = a[j] + b[j]
	}
}

// vecAddTwice adds x[j] + bias[j] (x[j] where bias is nil) to d0[j] and
// d1[j] for j < len(x).
func vecAddTwice[T Float](d0, d1, x, bias []T) {
	if asmElementwise {
		if x32, ok := any(x).([]float32); ok {
			asm.AddTwice(any(d0).([]float32), any(d1).([]float32), x32, any(bias).([]float32))
			return
		}
	}
	d0, d1 = d0[:len(x)], d1[:len(x)]
	for j, v := range x {
		if bias != nil {
			v += bias[j]
		}
		d0[j] += v
		d1[j] += v
	}
}

// vecSumRows adds the rows of the rows×len(g) matrix x (row stride ld)
// to g, one row after another.
func vecSumRows[T Float](g []T, rows int, x []T, ld int) {
	if asmElementwise {
		if g32, ok := any(g).([]float32); ok {
			asm.SumRows(g32, rows, any(x).([]float32), ld)
			return
		}
	}
	for r := range rows {
		for j, v := range x[r*ld:][:len(g)] {
			g[j] += v
		}
	}
}
