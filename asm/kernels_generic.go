package asm

import (
	"math"
	"unsafe"
)

// The pure-Go float32 kernels: the fallback on every platform and the
// twin the assembly paths are tested against.

// Sgemm runs the same packed driver as the vector paths, around a Go
// microkernel, the twin of the assembly ones (sgemmKernel6x16AVX2 and
// its siblings): so the driver is built and tested on every platform,
// -tags noasm included, and the pure-Go builds get its cache blocking,
// register tiles and threads. It beat the triple loop it replaced
// (gemmRef) on every shape of BenchmarkSgemmGeneric, natively under
// -tags noasm and under node. The tile is 4×2 because Go's register
// allocator has only 15 float registers on amd64 (16 for float32 on
// wasm): 8 sums leave room for the operands, where the larger tiles
// tried spilled sums to the stack and ran slower.
var gemm4x2Go = &packedGemm{mr: 4, nr: 2, kc: 256, mc: 128, nc: 2048, kernel: sgemmKernel4x2Go}

var sgemmGeneric = gemm4x2Go.sgemm

// sgemmKernel4x2Go is the microKernel contract in Go. It takes two k
// steps an iteration, each sum written c = c + a·b + a'·b' so that it
// still adds in p order, and addresses each step from the panels' start
// so as not to make a pointer past their end.
func sgemmKernel4x2Go(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	p := 0
	for ; p+2 <= k; p += 2 {
		x := (*[8]float32)(unsafe.Add(unsafe.Pointer(a), p*16))
		y := (*[4]float32)(unsafe.Add(unsafe.Pointer(b), p*8))
		c00 = c00 + x[0]*y[0] + x[4]*y[2]
		c01 = c01 + x[0]*y[1] + x[4]*y[3]
		c10 = c10 + x[1]*y[0] + x[5]*y[2]
		c11 = c11 + x[1]*y[1] + x[5]*y[3]
		c20 = c20 + x[2]*y[0] + x[6]*y[2]
		c21 = c21 + x[2]*y[1] + x[6]*y[3]
		c30 = c30 + x[3]*y[0] + x[7]*y[2]
		c31 = c31 + x[3]*y[1] + x[7]*y[3]
	}
	if p < k {
		x := (*[4]float32)(unsafe.Add(unsafe.Pointer(a), p*16))
		y := (*[2]float32)(unsafe.Add(unsafe.Pointer(b), p*8))
		c00, c01 = c00+x[0]*y[0], c01+x[0]*y[1]
		c10, c11 = c10+x[1]*y[0], c11+x[1]*y[1]
		c20, c21 = c20+x[2]*y[0], c21+x[2]*y[1]
		c30, c31 = c30+x[3]*y[0], c31+x[3]*y[1]
	}
	tile := [4][2]float32{{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}}
	cs := unsafe.Slice(c, 3*ldc+2)
	for i, sums := range tile {
		row := cs[i*ldc:][:2]
		for j, v := range sums {
			v *= alpha
			if beta != 0 {
				v += beta * row[j]
			}
			row[j] = v
		}
	}
}

func logSumExpGeneric(m, n int, x []float32, ldx int, out []float32) {
	for i := 0; i < m; i++ {
		row := x[i*ldx : i*ldx+n]
		mx := float32(math.Inf(-1))
		for _, v := range row {
			mx = max(mx, v)
		}
		if math.IsInf(float64(mx), 0) {
			out[i] = mx
			continue
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(float64(v - mx))
		}
		out[i] = mx + float32(math.Log(s))
	}
}

func softmaxGeneric(m, n int, x []float32, ldx int, lse []float32, y []float32, ldy int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			y[i*ldy+j] = float32(math.Exp(float64(x[i*ldx+j] - lse[i])))
		}
	}
}
