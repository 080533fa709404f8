package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// maxExpULP bounds the error of every path's exp over [−87.3, 88.37], in
// units in the last place of the correctly rounded float32 result; on the
// relaxed path, fused multiply-adds or not.
const maxExpULP = 1

// ulpDiff is |got − want| in ulps of want rounded to float32.
func ulpDiff(got float32, want float64) float64 {
	w := float32(want)
	ulp := float64(math.Nextafter32(w, float32(math.Inf(1))) - w)
	return math.Abs(float64(got)-want) / ulp
}

func TestExpAccuracy(t *testing.T) {
	const n = 1 << 18
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(-87.3 + (88.37+87.3)*float64(i)/(n-1))
	}
	// Dense near 0, where softmax spends its time.
	for i := 0; i < n/4; i++ {
		x[i] = float32(-2 + 4*float64(i)/(n/4))
	}
	y := make([]float32, n)
	var first []float32 // the first assembly path's results
	forEachPath(t, func(t *testing.T) {
		Softmax(1, n, x, n, []float32{0}, y, n)
		// All assembly paths evaluate the same formula in the same order
		// but relaxed, whose multiply-adds the engine fuses or not as the
		// CPU allows: unfused, it computes what simd128 does (tested
		// here on that path); fused, it rounds less, and is held to the
		// same maxExpULP below.
		if Path() != "generic" && Path() != "relaxed" {
			if first == nil {
				first = append([]float32(nil), y...)
			}
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(first[i]) {
					t.Fatalf("exp(%v) = %v, another path gave %v", x[i], y[i], first[i])
				}
			}
		}
		worst, at := 0.0, float32(0)
		for i, v := range x {
			if d := ulpDiff(y[i], math.Exp(float64(v))); d > worst {
				worst, at = d, v
			}
		}
		t.Logf("max error %.3f ulp at x = %v", worst, at)
		if worst > maxExpULP {
			t.Fatalf("exp error %.3f ulp at x = %v exceeds %d ulp", worst, at, maxExpULP)
		}
		special := []float32{0, float32(math.Inf(-1)), -88, -1000, float32(math.NaN())}
		out := make([]float32, len(special))
		Softmax(1, len(special), special, len(special), []float32{0}, out, len(special))
		if out[0] != 1 || out[1] != 0 || out[2] > 1e-38 || out[3] != 0 || !math.IsNaN(float64(out[4])) {
			t.Fatalf("exp of %v gave %v", special, out)
		}
	})
}

// rowKinds fill a row of length n for the log-sum-exp tests.
var rowKinds = []struct {
	name string
	fill func(rng *rand.Rand, row []float32)
}{
	{"narrow", func(rng *rand.Rand, row []float32) {
		for j := range row {
			row[j] = 6*rng.Float32() - 3
		}
	}},
	{"wide", func(rng *rand.Rand, row []float32) {
		for j := range row {
			row[j] = 200*rng.Float32() - 100
		}
	}},
	{"large", func(rng *rand.Rand, row []float32) {
		for j := range row {
			row[j] = 1e30 + 1e24*rng.Float32()
		}
	}},
	{"negative large", func(rng *rand.Rand, row []float32) {
		for j := range row {
			row[j] = -3e38 * rng.Float32()
		}
	}},
	{"tiny", func(rng *rand.Rand, row []float32) {
		for j := range row {
			row[j] = 1e-30 * (2*rng.Float32() - 1)
		}
	}},
	{"some -Inf", func(rng *rand.Rand, row []float32) {
		for j := range row {
			row[j] = 10*rng.Float32() - 5
			if rng.IntN(3) == 0 {
				row[j] = float32(math.Inf(-1))
			}
		}
	}},
	{"all -Inf", func(rng *rand.Rand, row []float32) {
		for j := range row {
			row[j] = float32(math.Inf(-1))
		}
	}},
	{"one +Inf", func(rng *rand.Rand, row []float32) {
		for j := range row {
			row[j] = rng.Float32()
		}
		row[rng.IntN(len(row))] = float32(math.Inf(1))
	}},
	{"one NaN", func(rng *rand.Rand, row []float32) {
		for j := range row {
			row[j] = rng.Float32()
		}
		row[rng.IntN(len(row))] = float32(math.NaN())
	}},
}

// rowLens covers one element, every remainder modulo the vector widths
// and rows longer than a vector step.
func rowLens(short bool) []int {
	if short {
		return []int{1, 3, 16, 17, 63, 64, 100, 1000}
	}
	var lens []int
	for n := 1; n <= 130; n++ {
		lens = append(lens, n)
	}
	return append(lens, 255, 256, 257, 1000, 1024, 1031, 4099)
}

// sameSpecial reports whether got and want agree on NaN and infinities;
// ok is false when want is finite and the caller must compare values.
func sameSpecial(got float32, want float64) (same, ok bool) {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		g := float64(got)
		return math.IsNaN(want) && math.IsNaN(g) || g == want, true
	}
	return false, false
}

// checkLSECase runs LogSumExp and then Softmax on m rows of the given kind
// and length on the current path and compares them with the float64
// references: LogSumExp within 2 ulp of the result plus the relative error
// of a float32 sum, (4 + n/4)·ε; Softmax within (maxExpULP + 1)·ε plus
// the rounding of x − lse, relative, or 2^−126 absolute (flushed results).
func checkLSECase(t *testing.T, rng *rand.Rand, kind, m, n, pad int) {
	t.Helper()
	ld := n + pad
	x := make([]float32, (m-1)*ld+n)
	for i := 0; i < m; i++ {
		rowKinds[kind].fill(rng, x[i*ld:i*ld+n])
	}
	name := rowKinds[kind].name
	want := make([]float64, m)
	DLogSumExp(m, n, widen(x), ld, want)
	outBuf, out := guarded(1, m, m)
	LogSumExp(m, n, x, ld, out)
	checkGuards(t, outBuf, 1, m, m)
	for i, w := range want {
		if same, ok := sameSpecial(out[i], w); ok {
			if !same {
				t.Fatalf("%s n=%d row %d: LogSumExp = %v, want %v", name, n, i, out[i], w)
			}
			continue
		}
		tol := 2*ulpOf(w) + (4+float64(n)/4)*eps32
		if math.Abs(float64(out[i])-w) > tol {
			t.Fatalf("%s n=%d row %d: LogSumExp = %v, want %v ± %.3g", name, n, i, out[i], w, tol)
		}
	}
	ys := make([]float64, len(x))
	DSoftmax(m, n, widen(x), ld, widen(out), ys, ld)
	yBuf, y := guarded(m, n, ld)
	Softmax(m, n, x, ld, out, y, ld)
	checkGuards(t, yBuf, m, n, ld)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			got, w := y[i*ld+j], ys[i*ld+j]
			if same, ok := sameSpecial(got, w); ok {
				if !same {
					t.Fatalf("%s n=%d y[%d,%d] = %v, want %v", name, n, i, j, got, w)
				}
				continue
			}
			arg := math.Abs(float64(x[i*ld+j]) - float64(out[i]))
			tol := max((maxExpULP+1+arg)*eps32*w, 0x1p-126)
			if math.Abs(float64(got)-w) > tol {
				t.Fatalf("%s n=%d y[%d,%d] = %v, want %v ± %.3g", name, n, i, j, got, w, tol)
			}
		}
	}
	// In place: y aliases x.
	Softmax(m, n, x, ld, out, x, ld)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if math.Float32bits(x[i*ld+j]) != math.Float32bits(y[i*ld+j]) {
				t.Fatalf("%s n=%d: in-place Softmax differs at [%d,%d]", name, n, i, j)
			}
		}
	}
}

// ulpOf is the spacing of float32 values at |v|.
func ulpOf(v float64) float64 {
	a := float32(math.Abs(v))
	return float64(math.Nextafter32(a, float32(math.Inf(1))) - a)
}

func TestLogSumExpSoftmax(t *testing.T) {
	lens := rowLens(testing.Short())
	forEachPath(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, n := range lens {
			for kind := range rowKinds {
				checkLSECase(t, rng, kind, 1+n%3, n, n%5)
			}
		}
	})
}

func FuzzLogSumExp(f *testing.F) {
	f.Add(uint8(0), uint16(1), uint8(1), uint8(0), uint64(1))
	f.Add(uint8(1), uint16(33), uint8(2), uint8(1), uint64(2))
	f.Add(uint8(5), uint16(100), uint8(3), uint8(7), uint64(3))
	f.Add(uint8(8), uint16(1025), uint8(1), uint8(2), uint64(4))
	f.Fuzz(func(t *testing.T, kind uint8, n uint16, m, pad uint8, seed uint64) {
		forEachPath(t, func(t *testing.T) {
			checkLSECase(t, rand.New(rand.NewPCG(seed, 0)), int(kind)%len(rowKinds), 1+int(m%8), 1+int(n%4096), int(pad%9))
		})
	})
}

// FuzzSoftmax checks Softmax with shifts that did not come from
// LogSumExp: any lse from the row max − 80 to the row max + 80, so that
// results range from tiny to large (e^80).
func FuzzSoftmax(f *testing.F) {
	f.Add(uint16(1), int8(0), uint64(1))
	f.Add(uint16(17), int8(-80), uint64(2))
	f.Add(uint16(64), int8(80), uint64(3))
	f.Add(uint16(1000), int8(3), uint64(4))
	f.Fuzz(func(t *testing.T, n uint16, offset int8, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 0))
		m := int(n%4096) + 1
		x := make([]float32, m)
		mx := math.Inf(-1)
		for j := range x {
			x[j] = 40*rng.Float32() - 20
			mx = max(mx, float64(x[j]))
		}
		lse := []float32{float32(mx + float64(offset%81))}
		forEachPath(t, func(t *testing.T) {
			buf, y := guarded(1, m, m)
			Softmax(1, m, x, m, lse, y, m)
			checkGuards(t, buf, 1, m, m)
			for j, v := range x {
				arg := float64(v) - float64(lse[0])
				w := math.Exp(arg)
				// x − lse is rounded to float32 first: |arg|·ε more.
				if tol := max((maxExpULP+1+math.Abs(arg))*eps32*w, 0x1p-126); math.Abs(float64(y[j])-w) > tol {
					t.Fatalf("exp(%v − %v) = %v, want %v ± %.3g", v, lse[0], y[j], w, tol)
				}
			}
		})
	})
}
