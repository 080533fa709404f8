//go:build js && wasmrelaxed && !noasm

package asm

// The browser's fastest path: the relaxed-SIMD kernels, which
// scripts/wasm-simd.sh derives from sgemm_simd128.wat and lse_simd128.wat
// (scripts/wasm-relaxed.js: each multiply feeding an add becomes one
// f32x4.relaxed_madd, fused where the CPU has FMA) and merges into the
// module when Go imports them, that is under -tags wasmrelaxed. They
// share the SIMD128 path's tile, packing and row maximum. An engine
// without relaxed SIMD cannot compile the module (the page then loads the
// SIMD128 one), so this path too needs no check at run time.
var relaxedPaths = []*kernelPath{{
	name: "relaxed", needs: "WebAssembly relaxed SIMD", ok: true,
	sgemm: gemm8x4Relaxed.sgemm, logSumExp: rows4Relaxed.logSumExp, softmax: rows4Relaxed.softmax,
	elem: elemSIMD128,
}}

var (
	gemm8x4Relaxed = gemm8x4(sgemmKernel8x4Relaxed, sgemmTiles8x4Relaxed)
	rows4Relaxed   = &rowKernels{w: 4, max: rowMax4SIMD128, sumExp: rowSumExp4Relaxed, expShift: expShift4Relaxed}
)

func sgemmKernel8x4Relaxed(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	wasmSgemmKernel8x4Relaxed(int32(k), a, b, c, int32(ldc), alpha, beta)
}

func sgemmTiles8x4Relaxed(k int, a, b, c *float32, ldc int, alpha, beta float32, mt, nt int) {
	wasmSgemmTiles8x4Relaxed(int32(k), a, b, c, int32(ldc), alpha, beta, int32(mt), int32(nt))
}

func rowSumExp4Relaxed(x *float32, n int, shift float32) float32 {
	return wasmRowSumExp4Relaxed(x, int32(n), shift)
}

func expShift4Relaxed(x, y *float32, n int, shift float32) {
	wasmExpShift4Relaxed(x, y, int32(n), shift)
}

//go:wasmimport sgemm_relaxed sgemmKernel8x4Relaxed
//go:noescape
func wasmSgemmKernel8x4Relaxed(k int32, a, b, c *float32, ldc int32, alpha, beta float32)

//go:wasmimport sgemm_relaxed sgemmTiles8x4Relaxed
//go:noescape
func wasmSgemmTiles8x4Relaxed(k int32, a, b, c *float32, ldc int32, alpha, beta float32, mt, nt int32)

//go:wasmimport lse_relaxed rowSumExp4Relaxed
//go:noescape
func wasmRowSumExp4Relaxed(x *float32, n int32, shift float32) float32

//go:wasmimport lse_relaxed expShift4Relaxed
//go:noescape
func wasmExpShift4Relaxed(x, y *float32, n int32, shift float32)
