package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/klauspost/cpuid/v2"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/imagecpc"
	"github.com/gocpc/cpc/core/images"
	"github.com/gocpc/cpc/core/optim"
)

// runBenchImages times the image model's training step (forward,
// backward, Adam) on a batch of random images at each batch size and
// thread count, step by step alternating with the same step in PyTorch
// (bench/cpc_images_torch.py step).
func runBenchImages(args []string, stdout, stderr io.Writer) error {
	fl := newFlags("bench images", "[flags]", stderr)
	preset := fl.String("config", "mnist", "image model preset: mnist or tiny")
	batches := fl.String("batch", "16", "images per batch, or a comma-separated list of sizes to time in turn")
	rounds := addRoundFlags(fl, 10, "cpc_images_torch.py")
	if err := parse(fl, args); err != nil {
		return err
	}
	arch, err := imagecpc.Preset(*preset)
	if err != nil {
		return usageError{err}
	}
	bs, err1 := intList("--batch", *batches, 0)
	ts, err2 := rounds.check()
	for _, err := range []error{err1, err2} {
		if err != nil {
			return usageError{err}
		}
	}
	fmt.Fprintf(stderr, "config %s (a %d×%d grid of %d px patches, C %d, D %d, H %d, K %d), Adam; kernels %s; %s, %d CPUs\n",
		arch.Name, arch.Grid(), arch.Grid(), arch.Patch, arch.Channels, arch.Dim, arch.Hidden, arch.Predict,
		asm.Path(), cpuid.CPU.BrandName, runtime.NumCPU())
	for n, b := range bs {
		ours, torchMS, anchor, err := benchImageStep(arch, b, ts, *rounds.steps, *rounds.warmup, *rounds.torch)
		if err != nil {
			return err
		}
		if n == 0 {
			if anchor != nil {
				fmt.Fprintf(stdout, "%s\n\n", anchor.header())
			}
			fmt.Fprintf(stdout, "| batch | threads | ours ms/step | GFLOP/s | PyTorch ms/step | PyTorch/ours |\n|--:|--:|--:|--:|--:|--:|\n")
		}
		gflop := arch.StepFLOPs(b) / 1e9
		for i, t := range ts {
			ms := median(ours[i])
			tm, ratio := versusTorch(ms, torchMS[i], anchor)
			fmt.Fprintf(stdout, "| %d | %d | %.1f | %.1f | %s | %s |\n", b, t, ms, gflop/ms*1000, tm, ratio)
		}
	}
	return nil
}

// benchImageStep times the step of arch on batch images at each thread
// count, and PyTorch's if torch; it returns the ms of the timed steps by
// thread count and what runs PyTorch (nil without it).
func benchImageStep(arch imagecpc.Arch, batch int, threads []int, steps, warmup int, torch bool) (ours, torchMS [][]float64, anchor *torchInfo, err error) {
	o := imagecpc.Options{Batch: batch, Schedule: optim.Schedule{LR: 1e-3}, Seed: 1}
	r, err := imagecpc.NewTrainer(arch, o)
	if err != nil {
		return nil, nil, nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	set := &images.Set{N: batch, H: arch.Image, W: arch.Image, Pix: make([]byte, batch*arch.Image*arch.Image)}
	for i := range set.Pix {
		set.Pix[i] = byte(rng.IntN(256))
	}
	if err := r.SetImages(set); err != nil {
		return nil, nil, nil, err
	}
	var ts *torchStepper
	if torch {
		cfg, _ := json.Marshal(struct { // plain fields always marshal
			imagecpc.Arch
			Batch int     `json:"batch"`
			LR    float64 `json:"lr"`
		}{arch, batch, o.LR})
		if ts, err = startTorch("cpc_images_torch.py", "step", string(cfg)); err != nil {
			return nil, nil, nil, err
		}
		defer ts.Close()
		anchor = &ts.Info
	}
	step := func(int, bool) (float64, error) {
		start := time.Now()
		_, err := r.TrainBatch()
		return float64(time.Since(start).Microseconds()) / 1000, err
	}
	ours, torchMS, err = alternate(threads, steps, warmup, step, ts)
	return ours, torchMS, anchor, err
}
