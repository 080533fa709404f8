package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/klauspost/cpuid/v2"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/train"
)

func runBench(args []string, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "train" {
		return usageError{fmt.Errorf("want 'cpc bench train'")}
	}
	fl := newFlags("bench train", "[flags]", stderr)
	preset := fl.String("config", "paper", "model preset: paper or small")
	batch := fl.Int("batch", 0, "windows per batch (default: the preset's)")
	window := fl.Int("window", 0, "samples per window (default: the preset's)")
	steps := fl.Int("steps", 5, "timed steps")
	warmup := fl.Int("warmup", 2, "untimed steps first")
	threads := fl.Int("threads", runtime.NumCPU(), "threads, ours and PyTorch's")
	torch := fl.Bool("torch", true, "also time the PyTorch reference (bench/torch_step.py, Debian's python3-torch)")
	if err := parse(fl, args[1:]); err != nil {
		return err
	}
	if *steps < 1 || *warmup < 0 || *threads < 1 {
		return usageError{fmt.Errorf("--steps and --threads must be positive, --warmup not negative")}
	}
	cfg, err := cpc.Preset(*preset)
	if err != nil {
		return usageError{err}
	}
	override(&cfg.Batch, *batch)
	override(&cfg.Window, *window)
	runtime.GOMAXPROCS(*threads)

	corpus, _, err := loadCorpus("", "")
	if err != nil {
		return err
	}
	t, err := train.New(train.Options{Config: cfg, Seed: 1, LogEvery: 1}, corpus)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "config %s (C %d, H %d, K %d), batch %d, window %d, negatives batch, Adam; kernels %s, %d threads; %s\n",
		cfg.Name, cfg.Channels, cfg.Hidden, cfg.Predict, cfg.Batch, cfg.Window, asm.Path(), *threads, cpuid.CPU.BrandName)
	for range *warmup {
		if _, _, err := t.TrainBatch(); err != nil {
			return err
		}
	}
	t.ResetTiming()
	var ms []float64
	for range *steps {
		start := time.Now()
		if _, _, err := t.TrainBatch(); err != nil {
			return err
		}
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
	}
	med := median(ms)
	gflop := cfg.StepFLOPs(cfg.Batch, cfg.Window) / 1e9
	fmt.Fprintf(stderr, "ours:    median %.1f ms/step over %d steps (min %.1f, max %.1f); %.1f GFLOP/step, %.1f GFLOP/s\n",
		med, len(ms), slices.Min(ms), slices.Max(ms), gflop, gflop/med*1000)
	printSplit(stderr, t.Timing(), len(ms))
	fmt.Fprintf(stderr, "peak resident memory: %s\n", peakRSS())
	if !*torch {
		return nil
	}
	tm, err := torchStep(cfg, *threads, *steps, *warmup)
	if err != nil {
		return fmt.Errorf("PyTorch reference: %v", err)
	}
	fmt.Fprintf(stderr, "PyTorch %s (%d threads): median %.1f ms/step over %d steps; %.1f GFLOP/s\n",
		tm.Torch, tm.Threads, tm.Median, len(tm.MS), gflop/tm.Median*1000)
	fmt.Fprintf(stderr, "ratio: ours is %.2f× PyTorch's speed (step time %.2f of PyTorch's)\n", tm.Median/med, med/tm.Median)
	return nil
}

func printSplit(w io.Writer, tm train.Timing, steps int) {
	type part struct {
		name string
		d    time.Duration
	}
	parts := []part{{"data", tm.Data}}
	for p := range cpc.NumPhases {
		parts = append(parts, part{p.String(), tm.Model[p]})
	}
	parts = append(parts, part{"optimizer", tm.Optimizer})
	var total time.Duration
	for _, p := range parts {
		total += p.d
	}
	fmt.Fprintln(w, "split (mean per step):")
	for _, p := range parts {
		fmt.Fprintf(w, "  %-24s %9.1f ms %5.1f%%\n", p.name, float64(p.d.Microseconds())/1000/float64(steps), 100*float64(p.d)/float64(total))
	}
}

type torchTiming struct {
	MS      []float64 `json:"ms"`
	Median  float64   `json:"median_ms"`
	Threads int       `json:"threads"`
	Torch   string    `json:"torch"`
}

// torchStep runs bench/torch_step.py with Debian's python3.
func torchStep(cfg cpc.Config, threads, steps, warmup int) (torchTiming, error) {
	script, err := findBenchScript("torch_step.py")
	if err != nil {
		return torchTiming{}, err
	}
	out, err := exec.Command("/usr/bin/python3", script, cfg.JSON(), strconv.Itoa(threads), strconv.Itoa(steps), strconv.Itoa(warmup)).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			err = fmt.Errorf("%v: %s (make deps installs python3-torch)", err, ee.Stderr)
		}
		return torchTiming{}, err
	}
	var tm torchTiming
	return tm, json.Unmarshal(out, &tm)
}

// findBenchScript looks for bench/NAME from the working directory upwards,
// so the benchmark runs from anywhere in the repository.
func findBenchScript(name string) (string, error) {
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, "bench", name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("bench/%s not found above the working directory: run from the repository", name)
		}
		dir = parent
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
