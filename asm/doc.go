// Package asm holds the numeric kernels the CPC step spends its time in:
// single-precision matrix multiply (Sgemm) and row-wise log-sum-exp and
// softmax, elementwise passes that only the browser's paths vectorise
// (elementwise.go), and Parallel, which shares work between threads.
//
// Every kernel has a pure-Go twin (kernels_generic.go), which is what
// runs where no vector code exists (js/wasm without the SIMD build, other
// GOARCHes, -tags noasm) and is the "generic" path. The vector paths are
// "avx2" (with FMA) and "avx512" on amd64, "neon" on arm64 (Go
// assembly) and "simd128" in the browser's js/wasm build with -tags
// wasmsimd (WebAssembly text merged into Go's module, kernels_wasm.go),
// and "relaxed" beside it with -tags wasmrelaxed (relaxed-SIMD fused
// multiply-add, kernels_wasm_relaxed.go);
// one is chosen at start-up from the CPU's features, and CPC_KERNEL or
// Use forces another (see Use, UseEnv, Paths). The float64 kernels (Dgemm, DLogSumExp, DSoftmax) are
// plain reference implementations: the tests compare every path with
// them, and the model code runs its float64 gradient checks on them.
//
// Sgemm packs op(A) and op(B) into panels and runs a register-blocked
// microkernel over them (sgemm_packed.go), on every path: the generic
// path's microkernel is written in Go. Large products are split over
// GOMAXPROCS threads (workers.go) by blocks of C, never along k, so every element
// of C is computed the same way whatever the number of threads: results
// are bit-identical run to run and across thread counts.
//
// Matrices are row-major with explicit leading dimensions, as in BLAS.
package asm
