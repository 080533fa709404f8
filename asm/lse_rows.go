//go:build !noasm && (amd64 || arm64 || (js && (wasmsimd || wasmrelaxed)))

package asm

import (
	"math"
)

// rowKernels are the vector halves of LogSumExp and Softmax for one ISA.
// Each works on n elements, n a positive multiple of w; the row's last
// n mod w elements go through a w-element copy padded with −Inf, which
// leaves the max unchanged and adds exp(−Inf) = 0 to the sum.
type rowKernels struct {
	w        int // at most maxRowW
	max      func(x *float32, n int) float32
	sumExp   func(x *float32, n int, shift float32) float32 // Σ exp(x − shift)
	expShift func(x, y *float32, n int, shift float32)      // y = exp(x − shift)
	// tails recycles the padded tail buffers: one on the stack would
	// escape to the heap through the kernels' function values.
	tails freeList[[maxRowW]float32]
}

const maxRowW = 64

func (r *rowKernels) getTail() *[maxRowW]float32 {
	if buf := r.tails.get(); buf != nil {
		return buf
	}
	return new([maxRowW]float32)
}

// tail copies the last len(x) mod w elements of x into buf, padded with
// −Inf, and returns where the vector body ends.
func (r *rowKernels) tail(buf *[maxRowW]float32, x []float32) (body int) {
	body = len(x) - len(x)%r.w
	if body == len(x) {
		return body
	}
	n := copy(buf[:], x[body:])
	for i := n; i < r.w; i++ {
		buf[i] = float32(math.Inf(-1))
	}
	return body
}

func (r *rowKernels) logSumExp(m, n int, x []float32, ldx int, out []float32) {
	buf := r.getTail()
	defer r.tails.put(buf)
	for i := 0; i < m; i++ {
		row := x[i*ldx:][:n]
		body := r.tail(buf, row)
		mx := float32(math.Inf(-1))
		if body > 0 {
			mx = r.max(&row[0], body)
		}
		if body < n {
			mx = max(mx, r.max(&buf[0], r.w))
		}
		if math.IsInf(float64(mx), 0) {
			// All −Inf gives −Inf, any +Inf gives +Inf, unless a NaN
			// hides among them (the vector max may skip it).
			out[i] = mx
			for _, v := range row {
				if v != v {
					out[i] = v
				}
			}
			continue
		}
		var s float32
		if body > 0 {
			s = r.sumExp(&row[0], body, mx)
		}
		if body < n {
			s += r.sumExp(&buf[0], r.w, mx)
		}
		out[i] = mx + float32(math.Log(float64(s)))
	}
}

func (r *rowKernels) softmax(m, n int, x []float32, ldx int, lse []float32, y []float32, ldy int) {
	buf := r.getTail()
	defer r.tails.put(buf)
	for i := 0; i < m; i++ {
		xr, yr := x[i*ldx:][:n], y[i*ldy:][:n]
		body := r.tail(buf, xr)
		if body > 0 {
			r.expShift(&xr[0], &yr[0], body, lse[i])
		}
		if body < n {
			r.expShift(&buf[0], &buf[0], r.w, lse[i])
			copy(yr[body:], buf[:])
		}
	}
}
