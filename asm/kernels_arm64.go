//go:build !noasm

package asm

// The arm64 path: NEON (Advanced SIMD) is part of every arm64 CPU.
var archPaths = []*kernelPath{
	{
		name: "neon", needs: "NEON", ok: true,
		sgemm: gemm8x8NEON.sgemm, logSumExp: rows16NEON.logSumExp, softmax: rows16NEON.softmax,
	},
}

// Cache blocks: a 256×8 B micro-panel (8 KiB) in L1, a 128×256 block of
// A (128 KiB) in L2. Packing is plain Go here.
var (
	gemm8x8NEON = &packedGemm{mr: 8, nr: 8, kc: 256, mc: 128, nc: 2048, kernel: sgemmKernel8x8NEON}
	rows16NEON  = &rowKernels{w: 16, max: rowMax16NEON, sumExp: rowSumExp16NEON, expShift: expShift16NEON}
)

//go:noescape
func sgemmKernel8x8NEON(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func rowMax16NEON(x *float32, n int) float32

//go:noescape
func rowSumExp16NEON(x *float32, n int, shift float32) float32

//go:noescape
func expShift16NEON(x, y *float32, n int, shift float32)
