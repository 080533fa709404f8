package asm

// Elementwise float32 passes the model code runs between products: sums
// and differences of rows, bias rows, the ReLU. Natively Go compiles its
// own loops well enough (package nn keeps them there); Go's wasm has no
// vector instructions and checks every index, so the browser's paths run
// these as SIMD128 kernels (elem_simd128.wat). Every path computes each
// element with the same single roundings as the Go loops here, so all
// paths give identical bits.

// elemKernels are one path's elementwise kernels, on n ≥ 1 elements.
type elemKernels struct {
	add      func(d, a, b *float32, n int, neg bool) // d = a + b, or a − b
	addTwice func(d0, d1, x, bias *float32, n int)   // t = x (+ bias); d0 += t; d1 += t
	sumRows  func(g, x *float32, rows, n, ld int)    // g[j] += Σ_r x[r·ld + j], r in order
	relu     func(y *float32, n int)
	keepPos  func(y, dy *float32, n int)
}

// elem is the path in use's (Use sets it); paths without their own run
// the Go loops.
var elem = elemGeneric

// Add sets d[i] = a[i] + b[i] for i < len(d); d may be a or b.
func Add(d, a, b []float32) {
	if len(a) < len(d) || len(b) < len(d) {
		panic("asm: Add: operand shorter than d")
	}
	if len(d) > 0 {
		elem.add(&d[0], &a[0], &b[0], len(d), false)
	}
}

// Sub sets d[i] = a[i] − b[i] for i < len(d); d may be a or b.
func Sub(d, a, b []float32) {
	if len(a) < len(d) || len(b) < len(d) {
		panic("asm: Sub: operand shorter than d")
	}
	if len(d) > 0 {
		elem.add(&d[0], &a[0], &b[0], len(d), true)
	}
}

// AddTwice adds t = x[i] + bias[i] (x[i] where bias is nil) to d0[i] and
// d1[i] for i < len(x). Neither d0 nor d1 may overlap x or bias.
func AddTwice(d0, d1, x, bias []float32) {
	n := len(x)
	if len(d0) < n || len(d1) < n || bias != nil && len(bias) < n {
		panic("asm: AddTwice: operand shorter than x")
	}
	if n == 0 {
		return
	}
	var b *float32
	if bias != nil {
		b = &bias[0]
	}
	elem.addTwice(&d0[0], &d1[0], &x[0], b, n)
}

// SumRows adds to each g[j] the column j of the rows×len(g) matrix x (row
// stride ld), row after row: the gradient of a bias added to every row.
func SumRows(g []float32, rows int, x []float32, ld int) {
	checkRows(rows, len(g), len(x), ld, "x")
	if rows > 0 && len(g) > 0 {
		elem.sumRows(&g[0], &x[0], rows, len(g), ld)
	}
}

// ReLU sets y[i] = 0 where y[i] ≤ 0 (−0 included); NaN stays NaN.
func ReLU(y []float32) {
	if len(y) > 0 {
		elem.relu(&y[0], len(y))
	}
}

// KeepWherePositive zeroes dy[i] unless y[i] > 0, for i < len(y); a NaN
// in y counts as positive when its sign bit is clear.
func KeepWherePositive(y, dy []float32) {
	if len(dy) < len(y) {
		panic("asm: KeepWherePositive: dy shorter than y")
	}
	if len(y) > 0 {
		elem.keepPos(&y[0], &dy[0], len(y))
	}
}
