//go:build !js

// Command browser times a training step of the demo page in headless
// Chromium (Debian's chromium) on its three modules, cpc-relaxed.wasm with
// the relaxed-SIMD kernels, cpc.wasm with the SIMD128 ones and the pure-Go
// cpc-generic.wasm, one worker each, then on the relaxed-SIMD module with
// 2 workers (and 4 and 8 where the machine has the cores), sharing memory,
// beside the native step on one thread, all in one run (make
// bench-browser, after make build wasm). The page is served by
// bin/cpc serve and trains the bundled sample at the config's window and
// batch; a step's time is the page's own measurement of TrainBatch, as the
// native figure is. The columns take their steps in turn, so load from
// elsewhere on the machine falls on all of them alike, and V8 gets warm-up
// steps to tier up its code first. Each turn a page trains -turn steps in
// one call and the last is timed, as a step in a run is: the first step
// of a call also pays for the page starting it (its redraw, the workers
// picking it up), which a run of many steps pays once; the first steps'
// times are printed too. (It drives a browser, so it is not built for
// js/wasm.)
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/klauspost/cpuid/v2"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/sample"
	"github.com/gocpc/cpc/core/train"
)

var (
	preset   = flag.String("config", "small", "model preset: small or paper")
	rounds   = flag.Int("rounds", 7, "timed steps of the native, relaxed-SIMD and SIMD128 runs, one of each a round")
	generic  = flag.Int("generic", 3, "timed steps of the pure-Go module, in the first rounds (each takes tens of seconds)")
	warmup   = flag.Int("warmup", 3, "untimed steps first (the pure-Go module takes one)")
	cpcBin   = flag.String("cpc", filepath.Join("bin", "cpc"), "the cpc binary, whose serve command serves the page")
	www      = flag.String("www", "www", "directory of the demo page")
	wasm     = flag.String("wasm", filepath.Join("www", "build"), "directory of cpc-relaxed.wasm, cpc.wasm, cpc-generic.wasm and wasm_exec.js (make wasm)")
	chromium = flag.String("chromium", "chromium", "the browser")
	turn     = flag.Int("turn", 2, "steps a page trains each turn, in one call; the last is timed (the pure-Go module trains one)")
	workers  = flag.String("workers", "", "worker counts to time on the relaxed-SIMD module beside one (default 2, and 4 and 8 up to the CPUs)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/browser:", err)
		os.Exit(1)
	}
}

// series is one column of measurements: step times in seconds.
type series struct {
	name, where string
	workers     int
	secs        []float64
	firsts      []float64 // the first step of each turn, if it trained more
}

// workerCounts returns the counts of workers to time beside one.
func workerCounts() ([]int, error) {
	if *workers != "" {
		var ns []int
		for _, f := range strings.Split(*workers, ",") {
			var n int
			if _, err := fmt.Sscan(f, &n); err != nil || n < 2 || n > 16 {
				return nil, fmt.Errorf("-workers: %q is not a count of 2 to 16", f)
			}
			ns = append(ns, n)
		}
		return ns, nil
	}
	ns := []int{2}
	for _, n := range []int{4, 8} {
		if n <= runtime.NumCPU() {
			ns = append(ns, n)
		}
	}
	return ns, nil
}

func run() error {
	arch, err := cpc.Preset(*preset)
	if err != nil {
		return err
	}
	opts := train.Defaults()
	version, err := exec.Command(*chromium, "--version").Output()
	if err != nil {
		return fmt.Errorf("%s --version: %w (make deps installs Debian's chromium)", *chromium, err)
	}
	fmt.Printf("config %s (C %d, H %d, K %d), batch %d, window %d: %.1f GFLOP/step\n%s; %s; Go %s; load average at start %s\n",
		arch.Name, arch.Channels, arch.Hidden, arch.Predict, opts.Batch, opts.Window, arch.StepFLOPs(opts.Batch, opts.Window)/1e9,
		strings.TrimSpace(string(version)), cpuid.CPU.BrandName, runtime.Version(), loadAverage())

	native, err := nativeTrainer(arch, opts)
	if err != nil {
		return err
	}
	url, stop, err := serve()
	if err != nil {
		return err
	}
	defer stop()

	dir, err := os.MkdirTemp("", "bench-browser")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(*chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(dir))...)
	defer cancel()
	browser, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(browser); err != nil { // starts the browser, whose tabs the pages get
		return err
	}
	browser, cancel = context.WithTimeout(browser, time.Hour)
	defer cancel()
	counts, err := workerCounts()
	if err != nil {
		return err
	}
	// One tab a column: the native step's, then each module on one
	// worker, then the relaxed-SIMD module on more.
	cols := []*series{{name: asm.Path(), where: "native", workers: 1}, {name: "relaxed", where: "Chromium", workers: 1},
		{name: "simd128", where: "Chromium", workers: 1}, {name: "generic", where: "Chromium", workers: 1}}
	for _, n := range counts {
		cols = append(cols, &series{name: "relaxed", where: "Chromium", workers: n})
	}
	tabs := make([]tab, len(cols))
	for i, c := range cols[1:] {
		t, err := openPage(browser, url, c.name, c.workers, arch.Name, opts)
		defer t.close()
		if err != nil {
			return err
		}
		tabs[i+1] = t
	}
	genericTab := tabs[3]

	fmt.Printf("warm-up: %d steps native and on SIMD, 1 pure Go\n", *warmup)
	for range *warmup {
		if _, err := native.TrainBatch(); err != nil {
			return err
		}
	}
	for _, t := range tabs[1:] {
		n := *warmup
		if t.ctx == genericTab.ctx {
			n = 1
		}
		if _, err := t.steps(n); err != nil {
			return err
		}
	}
	for r := range *rounds {
		start := time.Now()
		if _, err := native.TrainBatch(); err != nil {
			return err
		}
		cols[0].secs = append(cols[0].secs, time.Since(start).Seconds())
		for i, t := range tabs[1:] {
			n := max(1, *turn)
			if t.ctx == genericTab.ctx {
				if r >= *generic {
					continue
				}
				n = 1
			}
			s, err := t.steps(n)
			if err != nil {
				return err
			}
			c := cols[i+1]
			c.secs = append(c.secs, s[len(s)-1])
			if n > 1 {
				c.firsts = append(c.firsts, s[0])
			}
		}
		fmt.Fprintf(os.Stderr, "round %d of %d\n", r+1, *rounds)
	}
	report(cols, arch.StepFLOPs(opts.Batch, opts.Window))
	fmt.Printf("load average at end %s\n", loadAverage())
	return nil
}

// nativeTrainer is the trainer cpc bench train runs, on one thread.
func nativeTrainer(arch cpc.Arch, opts train.Options) (*train.Trainer, error) {
	runtime.GOMAXPROCS(1)
	c, err := data.Scan(sample.FS, nil)
	if err == nil {
		err = c.Load(sample.FS)
	}
	if err != nil {
		return nil, err
	}
	m, err := train.NewModel(arch, opts.Seed)
	if err != nil {
		return nil, err
	}
	return train.New(m, opts, c)
}

// serve starts cpc serve on a free port and returns the page's address.
func serve() (url string, stop func(), err error) {
	cmd := exec.Command(*cpcBin, "serve", "--addr", "127.0.0.1:0", "--www", *www, "--wasm", *wasm)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("%w (make build builds bin/cpc)", err)
	}
	stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
	}
	// The first line names the address: "serving the demo page at URL (…)".
	line, err := bufio.NewReader(stderr).ReadString('\n')
	_, after, ok := strings.Cut(line, " at ")
	url, _, _ = strings.Cut(after, " ")
	if err != nil || !ok || !strings.HasPrefix(url, "http://") {
		stop()
		return "", nil, fmt.Errorf("cpc serve: %q, %w", line, err)
	}
	return url, stop, nil
}

// tab is the demo page in a browser tab.
type tab struct {
	ctx   context.Context
	close context.CancelFunc
}

// openPage opens the page on the given kernel path and number of workers
// in a new tab, checks that it runs that path, loads the sample and sets
// the config's window and batch.
func openPage(browser context.Context, url, kernel string, workers int, preset string, opts train.Options) (tab, error) {
	ctx, cancel := chromedp.NewContext(browser)
	t := tab{ctx, cancel}
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s?kernel=%s&workers=%d", url, kernel, workers))); err != nil {
		return t, err
	}
	if _, err := eval[any](t, `cpcDemo.ready()`); err != nil {
		return t, err
	}
	if got, err := eval[string](t, `cpcDemo.status().kernel`); err != nil || got != kernel {
		return t, fmt.Errorf("the page on ?kernel=%s runs %q (%w)", kernel, got, err)
	}
	if _, err := eval[int](t, `cpcDemo.loadSample()`); err != nil {
		return t, err
	}
	if err := chromedp.Do(ctx, chromedp.SetValue("#config", preset),
		chromedp.SetValue("#window", fmt.Sprint(opts.Window)), chromedp.SetValue("#batch", fmt.Sprint(opts.Batch))); err != nil {
		return t, err
	}
	// The first step starts the workers: they must share memory.
	type status struct {
		Workers   int
		Transport string
	}
	s, err := eval[status](t, `cpcDemo.train(1).then(() => cpcDemo.status())`)
	if err == nil && workers > 1 && (s.Workers != workers || s.Transport != "shared") {
		err = fmt.Errorf("the page asked for %d workers trains on %d over %q", workers, s.Workers, s.Transport)
	}
	return t, err
}

// steps trains n steps and returns each one's time as the page measured it.
func (t tab) steps(n int) ([]float64, error) {
	return eval[[]float64](t, fmt.Sprintf(`cpcDemo.train(%d).then(() => cpcDemo.history().slice(-%d).map(h => h.seconds))`, n, n))
}

func eval[T any](t tab, script string) (T, error) {
	v, err := chromedp.Run(t.ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		err = fmt.Errorf("%s: %w", script, err)
	}
	return v, err
}

// report prints the table: medians, the range, and speeds against the
// native step.
func report(cols []*series, flops float64) {
	med := func(s []float64) float64 {
		s = slices.Sorted(slices.Values(s))
		return (s[(len(s)-1)/2] + s[len(s)/2]) / 2
	}
	native := med(cols[0].secs)
	fmt.Println("\n| kernels | where | threads | steps | ms/step, median (min–max) | steps/s | GFLOP/s | speed vs native |")
	fmt.Println("|---|---|--:|--:|--:|--:|--:|--:|")
	for _, c := range cols {
		m := med(c.secs)
		fmt.Printf("| %s | %s | %d | %d | %.0f (%.0f–%.0f) | %.3f | %.1f | %.3f |\n", c.name, c.where, c.workers, len(c.secs),
			1000*m, 1000*slices.Min(c.secs), 1000*slices.Max(c.secs), 1/m, flops/m/1e9, native/m)
	}
	relaxed, simd, gen := med(cols[1].secs), med(cols[2].secs), med(cols[3].secs)
	fmt.Printf("\nRelaxed SIMD in Chromium: %.2f× the native one-thread speed (floor 0.4: %s), %.2f× SIMD128\n",
		native/relaxed, met(native/relaxed >= 0.4), simd/relaxed)
	fmt.Printf("SIMD128 in Chromium: %.2f× the native one-thread speed (floor 1/3: %s), %.1f× the pure-Go module (floor 5×: %s)\n",
		native/simd, met(native/simd >= 1.0/3), gen/simd, met(gen/simd >= 5))
	for _, c := range cols[4:] {
		m := med(c.secs)
		line := fmt.Sprintf("Relaxed SIMD on %d workers: %.2f× one worker", c.workers, relaxed/m)
		if c.workers == 2 {
			line += fmt.Sprintf(" (floor 1.7×: %s)", met(relaxed/m >= 1.7))
		}
		fmt.Printf("%s, %.2f× the native one-thread speed (goal 1×: %s)\n", line, native/m, met(native/m >= 1))
	}
	if len(cols[1].firsts) > 0 {
		fmt.Printf("The first step of each turn, median ms: relaxed %.0f", 1000*med(cols[1].firsts))
		for _, c := range cols[4:] {
			fmt.Printf(", %d workers %.0f (%.2f× one worker)", c.workers, 1000*med(c.firsts), med(cols[1].firsts)/med(c.firsts))
		}
		fmt.Println()
	}
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
