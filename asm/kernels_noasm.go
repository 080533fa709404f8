//go:build noasm || !(amd64 || arm64 || (js && (wasmsimd || wasmrelaxed)))

package asm

// No assembly is built here: only the generic path exists.
var archPaths []*kernelPath
