package asm

import (
	"cmp"
	"errors"
	"os"
	"slices"
	"strings"
)

// EnvVar names the environment variable that forces a kernel path.
const EnvVar = "CPC_KERNEL"

// kernelPath is one complete set of kernels and what the CPU needs for it.
type kernelPath struct {
	name      string
	needs     string // CPU features, for the error when they are missing
	ok        bool   // this CPU has them
	sgemm     func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	logSumExp func(m, n int, x []float32, ldx int, out []float32)
	softmax   func(m, n int, x []float32, ldx int, lse []float32, y []float32, ldy int)
	elem      *elemKernels // nil: the Go loops
}

// knownPaths are all path names on any platform, for error messages.
var knownPaths = []string{"avx512", "avx2", "neon", "relaxed", "simd128", "generic"}

// allPaths lists the paths built into this binary, best first; archPaths
// comes from the per-architecture file and is empty under -tags noasm.
var allPaths = append(archPaths, &kernelPath{
	name: "generic", ok: true,
	sgemm: sgemmGeneric, logSumExp: logSumExpGeneric, softmax: softmaxGeneric,
})

// The kernels in use.
var (
	sgemm     func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	logSumExp func(m, n int, x []float32, ldx int, out []float32)
	softmax   func(m, n int, x []float32, ldx int, lse []float32, y []float32, ldy int)
	path      string
)

// init takes the path CPC_KERNEL names, or the best this CPU runs when it
// is unset or names a path that cannot run here. Init cannot report that
// error; a program reports it by calling Use(os.Getenv(EnvVar)) (or
// UseEnv) at start-up, which fails the same way.
func init() {
	if UseEnv() != nil {
		_ = Use("")
	}
}

// Path names the kernel path in use.
func Path() string { return path }

// Paths lists the kernel paths this CPU can run, best first; "generic"
// is always last.
func Paths() []string {
	var names []string
	for _, p := range allPaths {
		if p.ok {
			names = append(names, p.name)
		}
	}
	return names
}

// Use switches every kernel to the named path: "avx512", "avx2" (with
// FMA), "neon", "relaxed" (WebAssembly relaxed SIMD), "simd128" or
// "generic"; "" picks the best path this CPU runs. It fails, leaving
// the path unchanged, for an unknown name, for a path not built into this
// binary (another GOARCH, or -tags noasm) and for one whose instructions
// this CPU lacks. Call it at start-up, never while kernels run.
func Use(name string) error {
	for _, p := range allPaths {
		if name == "" && p.ok || name == p.name {
			if !p.ok {
				return errors.New("asm: kernel path " + name + " needs " + p.needs + ", which this CPU lacks; it can run " + strings.Join(Paths(), ", "))
			}
			sgemm, logSumExp, softmax, path = p.sgemm, p.logSumExp, p.softmax, p.name
			elem = cmp.Or(p.elem, elemGeneric)
			return nil
		}
	}
	if slices.Contains(knownPaths, name) {
		return errors.New("asm: kernel path " + name + " is not built into this binary; it has " + strings.Join(Paths(), ", "))
	}
	return errors.New("asm: unknown kernel path " + `"` + name + `"` + "; known paths are " + strings.Join(knownPaths, ", "))
}

// UseEnv applies Use to the value of CPC_KERNEL, so a command can report
// a bad value at start-up: if err := asm.UseEnv(); err != nil { … }.
func UseEnv() error { return Use(os.Getenv(EnvVar)) }
