package images

import (
	"strings"
	"testing"
)

// TestCenter frames a square of ink drawn near a corner of a large canvas:
// it becomes a 20×20 square of full ink in the middle of 28×28, as MNIST
// frames a digit.
func TestCenter(t *testing.T) {
	const w, h = 150, 100
	pix := make([]byte, w*h)
	for y := 5; y < 45; y++ { // a 40×40 square at 10, 5
		for x := 10; x < 50; x++ {
			pix[y*w+x] = 255
		}
	}
	out, err := Center(pix, w, h)
	if err != nil {
		t.Fatal(err)
	}
	for y := range 28 {
		for x := range 28 {
			want := byte(0)
			if x >= 4 && x < 24 && y >= 4 && y < 24 {
				want = 255
			}
			if out[y*28+x] != want {
				t.Fatalf("pixel %d, %d is %d, want %d", x, y, out[y*28+x], want)
			}
		}
	}
}

// TestCenterKeepsShape: a bar 3 wide and 40 tall becomes 2 by 20 (its
// shape kept, to whole pixels) inside the 20-row box.
func TestCenterKeepsShape(t *testing.T) {
	const w, h = 60, 60
	pix := make([]byte, w*h)
	for y := 10; y < 50; y++ {
		for x := 30; x < 33; x++ { // 3 wide: 1.5 output pixels
			pix[y*w+x] = 200
		}
	}
	out, err := Center(pix, w, h)
	if err != nil {
		t.Fatal(err)
	}
	ink, cols := 0, map[int]bool{}
	for i, v := range out {
		if v > 0 {
			ink++
			cols[i%28] = true
			if i/28 < 4 || i/28 >= 24 {
				t.Fatalf("ink in row %d, outside the 20-row box", i/28)
			}
		}
	}
	if len(cols) != 2 || ink != 40 {
		t.Fatalf("%d inked pixels in columns %v, want 2 columns of 20", ink, cols)
	}
}

func TestCenterErrors(t *testing.T) {
	for _, c := range []struct {
		pix  []byte
		w, h int
		want string
	}{
		{make([]byte, 10), 3, 3, "10 pixels are not an image of 3×3"},
		{make([]byte, 9), 3, 3, "blank"},
		{nil, 0, 0, "not an image"},
	} {
		if _, err := Center(c.pix, c.w, c.h); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d pixels as %d×%d: %v, want %q", len(c.pix), c.w, c.h, err, c.want)
		}
	}
}
