// Package cpc is the Contrastive Predictive Coding model of van den Oord et
// al. (2018): a strided convolutional encoder, a GRU context network and K
// linear predictors trained with the InfoNCE loss.
package cpc

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Config is a model's architecture and the training settings that belong
// with it. It travels as JSON in every checkpoint.
type Config struct {
	Name     string  `json:"name"`
	Channels int     `json:"channels"`         // C: encoder width, size of z_t
	Hidden   int     `json:"hidden"`           // H: GRU width, size of c_t
	Predict  int     `json:"prediction_steps"` // K: futures z_{t+1..t+K}
	Kernels  []int   `json:"kernels"`          // encoder conv kernel sizes
	Strides  []int   `json:"strides"`          // encoder conv strides
	Window   int     `json:"window"`           // samples per training window
	Batch    int     `json:"batch"`            // windows per step
	LR       float64 `json:"lr"`
}

// The encoder of the paper: five convolutions, 160 samples per z_t.
var (
	paperKernels = []int{10, 8, 4, 4, 4}
	paperStrides = []int{5, 4, 2, 2, 2}
)

// Preset returns a named configuration: "paper" (the paper's sizes) or
// "small" (the same with C = H = 128, for the browser and the edge).
func Preset(name string) (Config, error) {
	c := Config{Name: name, Channels: 512, Hidden: 256, Predict: 12,
		Kernels: slices.Clone(paperKernels), Strides: slices.Clone(paperStrides),
		Window: 20480, Batch: 8, LR: 2e-4}
	switch name {
	case "paper":
	case "small":
		c.Channels, c.Hidden = 128, 128
	default:
		return Config{}, fmt.Errorf("unknown config %q (want paper or small)", name)
	}
	return c, nil
}

// Hop is the number of samples between successive z_t.
func (c Config) Hop() int {
	h := 1
	for _, s := range c.Strides {
		h *= s
	}
	return h
}

// Frames is the number of z_t the encoder makes from n samples.
func (c Config) Frames(n int) int {
	for i, k := range c.Kernels {
		if n < k {
			return 0
		}
		n = (n-k)/c.Strides[i] + 1
	}
	return n
}

// ReceptiveField is the number of samples one z_t sees: z_t (and the
// newest input of c_t) covers samples [t·Hop(), t·Hop() + ReceptiveField()).
func (c Config) ReceptiveField() int {
	n := 1
	for i := len(c.Kernels) - 1; i >= 0; i-- {
		n = (n-1)*c.Strides[i] + c.Kernels[i]
	}
	return n
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Channels < 1 || c.Hidden < 1:
		return fmt.Errorf("config: channels and hidden must be positive (got %d, %d)", c.Channels, c.Hidden)
	case c.Predict < 1:
		return fmt.Errorf("config: prediction_steps must be positive (got %d)", c.Predict)
	case len(c.Kernels) == 0 || len(c.Kernels) != len(c.Strides):
		return fmt.Errorf("config: need as many kernels as strides (got %v and %v)", c.Kernels, c.Strides)
	case slices.Min(c.Kernels) < 1 || slices.Min(c.Strides) < 1:
		return fmt.Errorf("config: kernels and strides must be positive (got %v and %v)", c.Kernels, c.Strides)
	case c.Batch < 1:
		return fmt.Errorf("config: batch must be positive (got %d)", c.Batch)
	case c.LR <= 0:
		return fmt.Errorf("config: lr must be positive (got %g)", c.LR)
	case c.Frames(c.Window) <= c.Predict:
		return fmt.Errorf("config: a window of %d samples gives %d frames, not more than prediction_steps %d",
			c.Window, c.Frames(c.Window), c.Predict)
	}
	return nil
}

// SameArchitecture reports whether weights of c fit a model of d.
func (c Config) SameArchitecture(d Config) bool {
	return c.Channels == d.Channels && c.Hidden == d.Hidden && c.Predict == d.Predict &&
		slices.Equal(c.Kernels, d.Kernels) && slices.Equal(c.Strides, d.Strides)
}

// JSON is the config as stored in a checkpoint.
func (c Config) JSON() string {
	b, _ := json.Marshal(c) // a struct of plain fields always marshals
	return string(b)
}

// ParseConfig reads a config stored by JSON and validates it.
func ParseConfig(s string) (Config, error) {
	var c Config
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Config{}, fmt.Errorf("config: %v", err)
	}
	return c, c.Validate()
}
