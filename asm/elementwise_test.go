package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// elemLens covers every remainder modulo 4 and lengths past a few vectors.
var elemLens = []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 64, 129, 1000}

// elemValues are random values with zeros of both signs, infinities and
// NaNs of both signs among them.
func elemValues(rng *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), -float32(math.NaN()), 1e-45, -1e-45}
	x := make([]float32, n)
	for i := range x {
		x[i] = 4*rng.Float32() - 2
		if rng.IntN(8) == 0 {
			x[i] = special[rng.IntN(len(special))]
		}
	}
	return x
}

// round64 is float64 arithmetic rounded to float32: for one addition of
// two float32 values it is the correctly rounded float32 sum.
func round64(a, b float32) float32 { return float32(float64(a) + float64(b)) }

// sameElem fails t unless got and want agree bit for bit, or are both
// NaN: which NaN arithmetic makes is the CPU's (or engine's) choice.
func sameElem(t *testing.T, what string, i int, got, want float32) {
	t.Helper()
	if got != got && want != want {
		return
	}
	if math.Float32bits(got) != math.Float32bits(want) {
		t.Fatalf("%s: element %d = %v (%#x), want %v (%#x)", what, i, got, math.Float32bits(got), want, math.Float32bits(want))
	}
}

// TestElementwise checks every path's elementwise kernels against float64
// arithmetic rounded once per operation, on unaligned slices of every
// length remainder, with guards after each output.
func TestElementwise(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 5))
		for _, n := range elemLens {
			for _, off := range []int{0, 1} { // unaligned starts too
				a, b, bias := elemValues(rng, n+off)[off:], elemValues(rng, n+off)[off:], elemValues(rng, n+off)[off:]
				buf, d := guarded(1, n, n)
				Add(d, a, b)
				for i := range d {
					sameElem(t, "Add", i, d[i], round64(a[i], b[i]))
				}
				Sub(d, a, b)
				for i := range d {
					sameElem(t, "Sub", i, d[i], round64(a[i], -b[i]))
				}
				checkGuards(t, buf, 1, n, n)
				copy(d, a)
				Add(d, d, b) // in place
				for i := range d {
					sameElem(t, "Add in place", i, d[i], round64(a[i], b[i]))
				}

				for _, withBias := range []bool{false, true} {
					_, d0 := guarded(1, n, n)
					buf1, d1 := guarded(1, n, n)
					init0, init1 := elemValues(rng, n), elemValues(rng, n)
					copy(d0, init0)
					copy(d1, init1)
					var bb []float32
					if withBias {
						bb = bias
					}
					AddTwice(d0, d1, a, bb)
					for i := range a {
						s := a[i]
						if withBias {
							s = round64(s, bias[i])
						}
						sameElem(t, "AddTwice d0", i, d0[i], round64(init0[i], s))
						sameElem(t, "AddTwice d1", i, d1[i], round64(init1[i], s))
					}
					checkGuards(t, buf1, 1, n, n)
				}

				y := elemValues(rng, n+off)[off:]
				buf, r := guarded(1, n, n)
				copy(r, y)
				ReLU(r)
				for i, v := range y {
					want := v
					if v <= 0 {
						want = 0
					}
					if math.Float32bits(r[i]) != math.Float32bits(want) {
						t.Fatalf("ReLU(%v) = %v", v, r[i])
					}
				}
				checkGuards(t, buf, 1, n, n)
				buf, dy := guarded(1, n, n)
				copy(dy, a)
				KeepWherePositive(y, dy)
				for i, v := range y {
					want := a[i]
					if int32(math.Float32bits(v)) <= 0 {
						want = 0
					}
					if math.Float32bits(dy[i]) != math.Float32bits(want) {
						t.Fatalf("KeepWherePositive at y = %v: dy = %v, want %v", v, dy[i], want)
					}
				}
				checkGuards(t, buf, 1, n, n)
			}
		}
	})
}

// TestSumRows checks the column sums against float64 sums rounded after
// each row, so that each column must add its rows in order.
func TestSumRows(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(6, 6))
		for _, n := range elemLens {
			for _, rows := range []int{1, 2, 7, 300} {
				ld := n + rng.IntN(3)
				x := randMatrix(rng, rows, n, ld)
				init := elemValues(rng, n)
				buf, g := guarded(1, n, n)
				copy(g, init)
				SumRows(g, rows, x, ld)
				for j := range n {
					want := init[j]
					for r := range rows {
						want = round64(want, x[r*ld+j])
					}
					sameElem(t, "SumRows", j, g[j], want)
				}
				checkGuards(t, buf, 1, n, n)
			}
		}
	})
}
