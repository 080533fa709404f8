//go:build js && (wasmsimd || wasmrelaxed) && !noasm

package asm

// The browser's path: WebAssembly SIMD128 kernels, written in WebAssembly
// text (sgemm_simd128.wat, pack_simd128.wat, lse_simd128.wat and
// elem_simd128.wat) because Go's wasm has no vector instructions. Go
// imports them from modules named after their files; scripts/wasm-simd.sh
// assembles those and merges them into the Go module, which cannot be
// instantiated without them: hence the wasmsimd build tag, without which
// js/wasm builds run the generic path. -tags wasmrelaxed builds the relaxed-SIMD kernels
// too (kernels_wasm_relaxed.go), first in the list.
// Every engine that runs the merged module has SIMD128 (it would not
// compile otherwise), so the path needs no check at run time.
var archPaths = append(relaxedPaths, &kernelPath{
	name: "simd128", needs: "WebAssembly SIMD128", ok: true,
	sgemm: gemm8x4SIMD128.sgemm, logSumExp: rows4SIMD128.logSumExp, softmax: rows4SIMD128.softmax,
	elem: elemSIMD128,
})

var (
	gemm8x4SIMD128 = gemm8x4(sgemmKernel8x4SIMD128, sgemmTiles8x4SIMD128)
	rows4SIMD128   = &rowKernels{w: 4, max: rowMax4SIMD128, sumExp: rowSumExp4SIMD128, expShift: expShift4SIMD128}
	// elem_simd128.wat multiplies nothing: the relaxed path shares it.
	elemSIMD128 = &elemKernels{add: addSIMD128, addTwice: addTwiceSIMD128, sumRows: sumRowsSIMD128, relu: reluSIMD128, keepPos: keepPosSIMD128}
)

// gemm8x4 is the blocking of an 8×4 microkernel over panels packed by
// pack_simd128.wat, the SIMD128 path's and the relaxed one's. Cache
// blocks: a 256×4 B micro-panel (4 KiB) in L1, a 128×256 block of A
// (128 KiB) in L2.
func gemm8x4(kernel microKernel, tiles func(k int, a, b, c *float32, ldc int, alpha, beta float32, mt, nt int)) *packedGemm {
	return &packedGemm{
		mr: 8, nr: 4, kc: 256, mc: 128, nc: 2048,
		kernel: kernel, tiles: tiles, transpose: transposeRowsSIMD128, copy: copyPanelsSIMD128,
	}
}

// The wrappers adapt the imports (wasm*, named by their module and export
// below) to the signatures packedGemm and rowKernels take: the imports
// take int32, as a wasm32 address space holds fewer than 2^31 floats.

func sgemmKernel8x4SIMD128(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	wasmSgemmKernel8x4(int32(k), a, b, c, int32(ldc), alpha, beta)
}

func sgemmTiles8x4SIMD128(k int, a, b, c *float32, ldc int, alpha, beta float32, mt, nt int) {
	wasmSgemmTiles8x4(int32(k), a, b, c, int32(ldc), alpha, beta, int32(mt), int32(nt))
}

// transposeRowsSIMD128 is called for groups of 8 rows and for whole
// 4-row B panels.
func transposeRowsSIMD128(dst *float32, w int, src *float32, ld, kc, rows int) {
	wasmTransposeRows(dst, int32(w), src, int32(ld), int32(kc), int32(rows))
}

func copyPanelsSIMD128(dst *float32, w int, src *float32, ps, kc, panels int) {
	wasmCopyPanels(dst, int32(w), src, int32(ps), int32(kc), int32(panels))
}

func rowMax4SIMD128(x *float32, n int) float32 { return wasmRowMax4(x, int32(n)) }

func rowSumExp4SIMD128(x *float32, n int, shift float32) float32 {
	return wasmRowSumExp4(x, int32(n), shift)
}

func expShift4SIMD128(x, y *float32, n int, shift float32) { wasmExpShift4(x, y, int32(n), shift) }

//go:wasmimport sgemm_simd128 sgemmKernel8x4
//go:noescape
func wasmSgemmKernel8x4(k int32, a, b, c *float32, ldc int32, alpha, beta float32)

//go:wasmimport sgemm_simd128 sgemmTiles8x4
//go:noescape
func wasmSgemmTiles8x4(k int32, a, b, c *float32, ldc int32, alpha, beta float32, mt, nt int32)

//go:wasmimport pack_simd128 transposeRows
//go:noescape
func wasmTransposeRows(dst *float32, w int32, src *float32, ld, kc, rows int32)

//go:wasmimport pack_simd128 copyPanels
//go:noescape
func wasmCopyPanels(dst *float32, w int32, src *float32, ps, kc, panels int32)

//go:wasmimport lse_simd128 rowMax4
//go:noescape
func wasmRowMax4(x *float32, n int32) float32

//go:wasmimport lse_simd128 rowSumExp4
//go:noescape
func wasmRowSumExp4(x *float32, n int32, shift float32) float32

//go:wasmimport lse_simd128 expShift4
//go:noescape
func wasmExpShift4(x, y *float32, n int32, shift float32)

func addSIMD128(d, a, b *float32, n int, neg bool) {
	var sub int32
	if neg {
		sub = 1
	}
	wasmAdd(d, a, b, int32(n), sub)
}

func addTwiceSIMD128(d0, d1, x, bias *float32, n int) { wasmAddTwice(d0, d1, x, bias, int32(n)) }

func sumRowsSIMD128(g, x *float32, rows, n, ld int) {
	wasmSumRows(g, x, int32(rows), int32(n), int32(ld))
}

func reluSIMD128(y *float32, n int) { wasmReLU(y, int32(n)) }

func keepPosSIMD128(y, dy *float32, n int) { wasmKeepPositive(y, dy, int32(n)) }

//go:wasmimport elem_simd128 add
//go:noescape
func wasmAdd(d, a, b *float32, n, neg int32)

//go:wasmimport elem_simd128 addTwice
//go:noescape
func wasmAddTwice(d0, d1, x, bias *float32, n int32)

//go:wasmimport elem_simd128 sumRows
//go:noescape
func wasmSumRows(g, x *float32, rows, n, ld int32)

//go:wasmimport elem_simd128 relu
//go:noescape
func wasmReLU(y *float32, n int32)

//go:wasmimport elem_simd128 keepPositive
//go:noescape
func wasmKeepPositive(y, dy *float32, n int32)
