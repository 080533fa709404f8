//go:build js && wasmsimd && !wasmrelaxed && !noasm

package asm

// The SIMD128 module has no relaxed-SIMD path (kernels_wasm_relaxed.go).
var relaxedPaths []*kernelPath
