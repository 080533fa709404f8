package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmCase is one Sgemm call: shape, transposes, extra leading-dimension
// padding and scalars.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	pad            int // added to every leading dimension
	alpha, beta    float32
	lda, ldb       int // if not 0, override the strides of A and B
}

func (c gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d pad=%d alpha=%v beta=%v lda=%d ldb=%d", c.transA, c.transB, c.m, c.n, c.k, c.pad, c.alpha, c.beta, c.lda, c.ldb)
}

// checkGemmCase runs one case on the current path and compares it with Dgemm
// within the float32 rounding bound (k+2)·ε·Σ|terms| for every element,
// checking that nothing outside C changed. The bound holds whether a path
// fuses its multiply-adds (avx2, avx512, neon; relaxed where the engine
// and CPU fuse f32x4.relaxed_madd) or not (simd128, generic; relaxed
// elsewhere), as a fused step rounds once where an unfused one rounds
// twice. With beta == 0, C starts as NaN
// to show that it is not read.
func checkGemmCase(t *testing.T, rng *rand.Rand, tc gemmCase) {
	t.Helper()
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = ac, ar
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = bc, br
	}
	lda, ldb, ldc := max(ac, 1)+tc.pad, max(bc, 1)+tc.pad, max(tc.n, 1)+tc.pad
	if tc.lda != 0 {
		lda = tc.lda
	}
	if tc.ldb != 0 {
		ldb = tc.ldb
	}
	a, b := randMatrix(rng, ar, ac, lda), randMatrix(rng, br, bc, ldb)
	buf, c := guarded(tc.m, tc.n, ldc)
	for i := range c {
		if i%ldc < tc.n {
			c[i] = 2*rng.Float32() - 1
			if tc.beta == 0 {
				c[i] = float32(math.NaN())
			}
		}
	}
	want, bound := widen(c), widen(c)
	Dgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, float64(tc.alpha), widen(a), lda, widen(b), ldb, float64(tc.beta), want, ldc)
	absA, absB := widen(a), widen(b)
	for i := range absA {
		absA[i] = math.Abs(absA[i])
	}
	for i := range absB {
		absB[i] = math.Abs(absB[i])
	}
	for i := range bound {
		bound[i] = math.Abs(bound[i])
	}
	Dgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, math.Abs(float64(tc.alpha)), absA, lda, absB, ldb, math.Abs(float64(tc.beta)), bound, ldc)

	Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	checkGuards(t, buf, tc.m, tc.n, ldc)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			got, w := float64(c[i*ldc+j]), want[i*ldc+j]
			tol := float64(tc.k+2)*eps32*bound[i*ldc+j] + 1e-45
			if !(math.Abs(got-w) <= tol) {
				t.Fatalf("%v: C[%d,%d] = %v, want %v ± %.3g", tc, i, j, got, w, tol)
			}
		}
	}
}

var gemmScalars = [][2]float32{{1, 0}, {1, 1}, {-0.75, 0}, {1.5, -0.5}, {0, 2}, {2, 1}}

// gemmCases lists the shapes every path is checked on: all small shapes
// around the tile sizes, the project's shapes scaled down, and shapes
// crossing every cache block (kc ≤ 256, mc ≤ 144, nc = 3072).
func gemmCases(short bool) []gemmCase {
	dims := []int{0, 1, 2, 3, 5, 6, 7, 8, 9, 13, 16, 17, 31, 33, 48}
	kdims := []int{0, 1, 2, 4, 7, 16, 37}
	if short {
		dims = []int{0, 1, 3, 6, 8, 9, 17, 33}
		kdims = []int{0, 1, 5, 16}
	}
	var cases []gemmCase
	i := 0
	for _, m := range dims {
		for _, n := range dims {
			for _, k := range kdims {
				s := gemmScalars[i%len(gemmScalars)]
				cases = append(cases, gemmCase{transA: i&1 != 0, transB: i&2 != 0, m: m, n: n, k: k, pad: i % 3 * 2, alpha: s[0], beta: s[1]})
				i++
			}
		}
	}
	big := []gemmCase{
		{transB: true, m: 8, n: 768, k: 256, alpha: 1, beta: 1},
		{m: 255, n: 130, k: 10, pad: 1, alpha: 1},
		{transA: true, m: 97, n: 64, k: 300, pad: 3, alpha: 1},
		{transB: true, m: 301, n: 65, k: 513, alpha: 1, beta: 1},
		{transA: true, transB: true, m: 150, n: 151, k: 263, pad: 5, alpha: -1, beta: 0.5},
		{m: 7, n: 3100, k: 19, pad: 2, alpha: 1},
		{m: 333, n: 257, k: 129, alpha: 0.5, beta: 2},
		{transA: true, m: 64, n: 96, k: 700, pad: 1, alpha: 1, beta: 1},
		// Convolutions: overlapping rows of the input (ld < row), the
		// forward product and the weight gradient with a narrow N.
		{transB: true, m: 255, n: 40, k: 10, alpha: 1, lda: 5},
		{transA: true, m: 64, n: 10, k: 300, alpha: 1, beta: 1, ldb: 5},
		{transA: true, m: 512, n: 3, k: 50, alpha: 2, ldb: 1},
	}
	if short {
		big = big[:4]
	}
	return append(cases, big...)
}

func TestSgemm(t *testing.T) {
	cases := gemmCases(testing.Short())
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, tc := range cases {
			checkGemmCase(t, rng, tc)
		}
	})
}

// TestSgemmAlphaZero checks that alpha == 0 reads neither A nor B, and
// that beta == 0 clears C even where it held NaN.
func TestSgemmAlphaZero(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		a := []float32{float32(math.NaN()), float32(math.Inf(1)), 1, 2}
		c := []float32{1, 2, float32(math.NaN()), 4}
		Sgemm(false, false, 2, 2, 2, 0, a, 2, a, 2, 3, c, 2)
		if c[0] != 3 || c[1] != 6 || !math.IsNaN(float64(c[2])) || c[3] != 12 {
			t.Fatalf("alpha=0, beta=3: got %v", c)
		}
		Sgemm(true, true, 2, 2, 2, 0, a, 2, a, 2, 0, c, 2)
		for _, v := range c {
			if v != 0 {
				t.Fatalf("alpha=0, beta=0: got %v", c)
			}
		}
	})
}

func FuzzSgemm(f *testing.F) {
	f.Add(false, false, uint8(5), uint8(17), uint8(9), uint8(0), uint8(0), uint64(1))
	f.Add(true, false, uint8(6), uint8(16), uint8(1), uint8(1), uint8(1), uint64(2))
	f.Add(false, true, uint8(8), uint8(33), uint8(40), uint8(2), uint8(3), uint64(3))
	f.Add(true, true, uint8(13), uint8(1), uint8(0), uint8(3), uint8(4), uint64(4))
	f.Fuzz(func(t *testing.T, transA, transB bool, m, n, k, pad, scalars uint8, seed uint64) {
		s := gemmScalars[int(scalars)%len(gemmScalars)]
		tc := gemmCase{transA: transA, transB: transB, m: int(m), n: int(n), k: int(k), pad: int(pad % 8), alpha: s[0], beta: s[1]}
		forEachPath(t, func(t *testing.T) {
			checkGemmCase(t, rand.New(rand.NewPCG(seed, 0)), tc)
		})
	})
}
