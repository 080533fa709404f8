package nn

import (
	"math/rand/v2"
	"testing"
)

// TestPassesMatchSerial checks the bias passes, split over threads (by
// rows, and for the bias gradient by columns), against plain loops: the
// same values bit for bit, since each sum still runs over the rows in order.
func TestPassesMatchSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const rows, width, ld = 700, 100, 103 // 70 000 values: several parts
	src := make([]float32, rows*ld)
	for i := range src {
		src[i] = float32(rng.NormFloat64())
	}
	v := src[:width]
	var p pass[float32]

	got, want := make([]float32, width), make([]float32, width)
	for i := range got {
		got[i] = float32(i)
		want[i] = float32(i)
	}
	p.addRowSums(got, rows, width, src, ld)
	for r := range rows {
		for j := range want {
			want[j] += src[r*ld+j]
		}
	}
	for j := range want {
		if got[j] != want[j] {
			t.Fatalf("addRowSums column %d: %v, serial %v", j, got[j], want[j])
		}
	}

	dst := make([]float32, rows*ld)
	p.setRows(rows, v, dst, ld)
	for r := range rows {
		for j := range ld {
			want := float32(0) // the gaps between rows stay as they were
			if j < width {
				want = v[j]
			}
			if dst[r*ld+j] != want {
				t.Fatalf("setRows row %d column %d: %v, want %v", r, j, dst[r*ld+j], want)
			}
		}
	}
}
