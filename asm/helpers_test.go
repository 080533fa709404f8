package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// forEachPath runs f once under every kernel path this CPU can run, then
// restores the path in use.
func forEachPath(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	saved := Path()
	defer func() {
		if err := Use(saved); err != nil {
			t.Fatal(err)
		}
	}()
	for _, name := range Paths() {
		if err := Use(name); err != nil {
			t.Fatal(err)
		}
		t.Run(name, f)
	}
}

// guard is the value every element outside an output must keep.
var guard = math.Float32frombits(0x7fc0dead) // a NaN with a payload

const guardPad = 37 // guard elements before and after each output

// guarded returns an output buffer for rows×cols with row stride ld,
// surrounded by guardPad guard elements; inside is the slice a kernel
// gets, every element of buf outside the rows×cols region holds guard.
func guarded(rows, cols, ld int) (buf, inside []float32) {
	n := 0
	if rows > 0 {
		n = (rows-1)*ld + cols
	}
	buf = make([]float32, n+2*guardPad)
	for i := range buf {
		buf[i] = guard
	}
	return buf, buf[guardPad : guardPad+n]
}

// checkGuards fails t if any element outside the rows×cols output region
// of buf changed.
func checkGuards(t *testing.T, buf []float32, rows, cols, ld int) {
	t.Helper()
	for i, v := range buf {
		j := i - guardPad
		if j >= 0 && j/ld < rows && j%ld < cols {
			continue
		}
		if math.Float32bits(v) != math.Float32bits(guard) {
			t.Fatalf("guard at offset %d overwritten with %v", j, v)
		}
	}
}

// randMatrix fills a rows×cols matrix with row stride ld with values in
// [−1, 1); the padding between rows holds NaN so that reading it shows.
func randMatrix(rng *rand.Rand, rows, cols, ld int) []float32 {
	n := 0
	if rows > 0 {
		n = (rows-1)*ld + cols
	}
	x := make([]float32, n)
	for i := range x {
		if i%ld < cols {
			x[i] = 2*rng.Float32() - 1
		} else {
			x[i] = float32(math.NaN())
		}
	}
	return x
}

func widen(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

const eps32 = 1.0 / (1 << 23)
