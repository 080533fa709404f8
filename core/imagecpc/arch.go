// Package imagecpc is CPC on images (van den Oord et al. 2018, §3.2),
// scaled down to 28×28 digits: each image, zero-padded, is cut into an
// overlapping grid of square patches; a convolutional patch encoder,
// mean-pooled, gives z_{i,j}; a GRU runs down each column of the grid, so
// c_{i,j} has seen z of rows 0..i of column j and nothing below; linear
// predictors score c_{i,j} against z_{i+k,j} (k = 1..K) with InfoNCE,
// the other patches of the batch at the same rows being the negatives.
package imagecpc

import (
	"fmt"
	"slices"

	"github.com/gocpc/cpc/core/cpc"
)

// Arch is an image model's architecture: what its weights' shapes depend
// on, and the grid its patches come from.
type Arch struct {
	Name     string `json:"name"`
	Image    int    `json:"image"`            // side of the square input images (28 for MNIST)
	Pad      int    `json:"pad"`              // zero rows and columns added on each side
	Patch    int    `json:"patch"`            // side of a patch
	Step     int    `json:"step"`             // pixels between patches (Patch − overlap)
	Channels int    `json:"channels"`         // width of every encoder convolution but the last
	Dim      int    `json:"dim"`              // D: the last convolution's width, size of z
	Hidden   int    `json:"hidden"`           // H: GRU width, size of c
	Predict  int    `json:"prediction_steps"` // K: rows predicted below
	Strides  []int  `json:"strides"`          // encoder: one 3×3 convolution (padding 1) per stride
}

// Preset returns a named architecture: "mnist" (28×28 images padded to
// 32, a 7×7 grid of 8 px patches overlapping by 4; three convolutions,
// D = H = 64, K = 3) or "tiny" (12×12 images, a 3×3 grid, a few weights:
// for gradient checks).
func Preset(name string) (Arch, error) {
	switch name {
	case "mnist":
		return Arch{Name: name, Image: 28, Pad: 2, Patch: 8, Step: 4, Channels: 32, Dim: 64, Hidden: 64,
			Predict: 3, Strides: []int{1, 2, 1}}, nil
	case "tiny":
		return Arch{Name: name, Image: 12, Pad: 2, Patch: 8, Step: 4, Channels: 2, Dim: 3, Hidden: 3,
			Predict: 2, Strides: []int{1, 2}}, nil
	}
	return Arch{}, fmt.Errorf("%w: unknown config %q (want mnist or tiny)", cpc.ErrArch, name)
}

// Grid is the number of patches along each side.
func (a Arch) Grid() int { return (a.Image+2*a.Pad-a.Patch)/a.Step + 1 }

// Validate reports the first setting that cannot work.
func (a Arch) Validate() error {
	bad := func(format string, v ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{cpc.ErrArch}, v...)...)
	}
	switch {
	case a.Image < 1 || a.Pad < 0 || a.Patch < 1 || a.Step < 1:
		return bad("image, patch and step must be positive and pad not negative (got %d, %d, %d, %d)", a.Image, a.Patch, a.Step, a.Pad)
	case a.Patch > a.Image+2*a.Pad:
		return bad("patch %d is larger than the padded image %d", a.Patch, a.Image+2*a.Pad)
	case a.Channels < 1 || a.Dim < 1 || a.Hidden < 1:
		return bad("channels, dim and hidden must be positive (got %d, %d, %d)", a.Channels, a.Dim, a.Hidden)
	case a.Predict < 1 || a.Predict >= a.Grid():
		return bad("prediction_steps must be 1 to %d, one less than the grid's rows (got %d)", a.Grid()-1, a.Predict)
	case len(a.Strides) == 0 || slices.Min(a.Strides) < 1:
		return bad("strides must be one or more positive numbers (got %v)", a.Strides)
	}
	return nil
}
