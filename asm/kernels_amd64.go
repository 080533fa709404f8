//go:build !noasm

package asm

import "github.com/klauspost/cpuid/v2"

// The amd64 paths, best first. cpuid reports AVX2 and AVX-512F only when
// the OS also saves their registers. The AVX-512 path packs with the AVX2
// routines, as every AVX-512 CPU has AVX2.
var archPaths = []*kernelPath{
	{
		name: "avx512", needs: "AVX-512F, AVX2 and FMA",
		ok:    cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX2, cpuid.FMA3),
		sgemm: gemm8x32AVX512.sgemm, logSumExp: rows64AVX512.logSumExp, softmax: rows64AVX512.softmax,
	},
	{
		name: "avx2", needs: "AVX2 and FMA",
		ok:    cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3),
		sgemm: gemm6x16AVX2.sgemm, logSumExp: rows32AVX2.logSumExp, softmax: rows32AVX2.softmax,
	},
}

// Cache blocks: a kc×nr B micro-panel (16 KiB for AVX2, 32 KiB for
// AVX-512) stays in L1 while an mc×kc block of A (240 KiB, 128 KiB) sits
// in L2; nc bounds the packed B block (3 MiB for kc = 256).
var (
	gemm6x16AVX2 = &packedGemm{
		mr: 6, nr: 16, kc: 256, mc: 240, nc: 3072,
		kernel: sgemmKernel6x16AVX2, transpose: transposeRows8AVX2, copy: copyPanelsAVX2,
	}
	gemm8x32AVX512 = &packedGemm{
		mr: 8, nr: 32, kc: 256, mc: 128, nc: 3072,
		kernel: sgemmKernel8x32AVX512, transpose: transposeRows8AVX2, copy: copyPanelsAVX2,
	}
	rows32AVX2   = &rowKernels{w: 32, max: rowMax32AVX2, sumExp: rowSumExp32AVX2, expShift: expShift32AVX2}
	rows64AVX512 = &rowKernels{w: 64, max: rowMax64AVX512, sumExp: rowSumExp64AVX512, expShift: expShift64AVX512}
)

//go:noescape
func sgemmKernel6x16AVX2(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel8x32AVX512(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func transposeRows8AVX2(dst *float32, w int, src *float32, ld int, kc int, rows int)

//go:noescape
func copyPanelsAVX2(dst *float32, w int, src *float32, ps int, kc int, panels int)

//go:noescape
func rowMax32AVX2(x *float32, n int) float32

//go:noescape
func rowSumExp32AVX2(x *float32, n int, shift float32) float32

//go:noescape
func expShift32AVX2(x, y *float32, n int, shift float32)

//go:noescape
func rowMax64AVX512(x *float32, n int) float32

//go:noescape
func rowSumExp64AVX512(x *float32, n int, shift float32) float32

//go:noescape
func expShift64AVX512(x, y *float32, n int, shift float32)
