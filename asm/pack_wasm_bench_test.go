//go:build js && (wasmsimd || wasmrelaxed) && !noasm

package asm

import (
	"fmt"
	"testing"
)

// BenchmarkPackSIMD128 times the SIMD128 packing routines on panels of
// the small step's products (B's 4 wide, A's 8), in Gfloat/s packed,
// after calls enough for V8 to optimise them (its first tier is slower).
func BenchmarkPackSIMD128(b *testing.B) {
	g := gemm8x4SIMD128
	for _, s := range [][4]int{{8, 128, 256, 16}, {4, 512, 256, 128}, {4, 2048, 128, 512}} {
		w, ps, kc, panels := s[0], s[1], s[2], s[3]
		src, dst := make([]float32, ps*kc), alignedFloats(w*kc*panels)
		b.Run(fmt.Sprintf("copy/w=%d/ld=%d/kc=%d", w, ps, kc), func(b *testing.B) {
			for range 200 {
				g.copy(&dst[0], w, &src[0], ps, kc, panels)
			}
			for b.Loop() {
				g.copy(&dst[0], w, &src[0], ps, kc, panels)
			}
			b.ReportMetric(float64(w*kc*panels)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfloat/s")
		})
	}
	for _, s := range [][3]int{{8, 128, 256}, {8, 1000, 256}, {4, 512, 256}} {
		w, ld, kc := s[0], s[1], s[2]
		const rows = 128
		src, dst := make([]float32, ld*rows), alignedFloats(rows*kc+8)
		pack := func() {
			for r := 0; r < rows; r += w {
				g.transpose(&dst[r*kc], w, &src[r*ld], ld, kc, w)
			}
		}
		b.Run(fmt.Sprintf("transpose/w=%d/ld=%d/kc=%d", w, ld, kc), func(b *testing.B) {
			for range 200 {
				pack()
			}
			for b.Loop() {
				pack()
			}
			b.ReportMetric(float64(rows*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfloat/s")
		})
	}
}
