package images

import "fmt"

// MNIST's framing: each digit scaled so that its box's longer side is 20
// pixels, placed in a 28×28 image with its centre of mass at the middle.
const (
	mnistSide = 28
	mnistBox  = 20
)

// Center frames a grey image of w×h pixels (0 background, 255 ink) as
// MNIST frames its digits: the box around its ink scaled, keeping its
// shape, so that its longer side is 20 pixels (each output pixel the mean
// of the input it covers), then placed in a 28×28 image with its centre of
// mass as near the middle as whole pixels allow. A digit drawn at any size
// anywhere on a canvas then looks like MNIST's to a model trained on them.
func Center(pix []byte, w, h int) ([]byte, error) {
	if w < 1 || h < 1 || len(pix) != w*h {
		return nil, fmt.Errorf("images: %d pixels are not an image of %d×%d", len(pix), w, h)
	}
	x0, y0, x1, y1 := w, h, -1, -1
	for i, v := range pix {
		if v > 0 {
			x, y := i%w, i/w
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
		}
	}
	if x1 < 0 {
		return nil, fmt.Errorf("images: the image is blank")
	}
	bw, bh := x1-x0+1, y1-y0+1
	scale := float64(mnistBox) / float64(max(bw, bh)) // output pixels per input pixel
	ow, oh := max(1, int(float64(bw)*scale+0.5)), max(1, int(float64(bh)*scale+0.5))
	box := resample(pix, w, x0, y0, bw, bh, ow, oh)

	// The box's centre of mass, then the offset that puts it at 14, 14.
	var mass, mx, my float64
	for i, v := range box {
		mass += float64(v)
		mx += float64(v) * (float64(i%ow) + 0.5)
		my += float64(v) * (float64(i/ow) + 0.5)
	}
	dx := clamp(int(mnistSide/2-mx/mass+0.5), 0, mnistSide-ow)
	dy := clamp(int(mnistSide/2-my/mass+0.5), 0, mnistSide-oh)
	out := make([]byte, mnistSide*mnistSide)
	for y := range oh {
		copy(out[(y+dy)*mnistSide+dx:][:ow], box[y*ow:][:ow])
	}
	return out, nil
}

// resample scales the bw×bh box at x0, y0 of an image w pixels wide to
// ow×oh pixels, each the mean of the input area it covers.
func resample(pix []byte, w, x0, y0, bw, bh, ow, oh int) []byte {
	out := make([]byte, ow*oh)
	sx, sy := float64(bw)/float64(ow), float64(bh)/float64(oh) // input pixels per output pixel
	for oy := range oh {
		for ox := range ow {
			var sum, area float64
			for y := int(float64(oy) * sy); y < bh && float64(y) < float64(oy+1)*sy; y++ {
				cy := overlap(float64(y), float64(oy)*sy, float64(oy+1)*sy)
				for x := int(float64(ox) * sx); x < bw && float64(x) < float64(ox+1)*sx; x++ {
					a := cy * overlap(float64(x), float64(ox)*sx, float64(ox+1)*sx)
					sum += a * float64(pix[(y0+y)*w+x0+x])
					area += a
				}
			}
			out[oy*ow+ox] = byte(sum/area + 0.5)
		}
	}
	return out
}

// overlap is the length of [p, p+1) inside [lo, hi).
func overlap(p, lo, hi float64) float64 { return min(p+1, hi) - max(p, lo) }

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }
