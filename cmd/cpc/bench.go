package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/cpuid/v2"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/train"
)

func runBench(args []string, stderr io.Writer) error {
	var stdout io.Writer = os.Stdout
	if len(args) > 0 && args[0] == "images" {
		return runBenchImages(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "train" {
		return usageError{fmt.Errorf("want 'cpc bench train' or 'cpc bench images'")}
	}
	fl := newFlags("bench train", "[flags]", stderr)
	preset := fl.String("config", "paper", "model preset: "+strings.Join(cpc.Presets, ", "))
	archFlags := addArchFlags(fl)
	batches := fl.String("batch", "", "windows per batch, or a comma-separated list of sizes to time in turn (default: the preset's)")
	windows := fl.String("window", "", "samples per window, or a list (default: the preset's)")
	rounds := addRoundFlags(fl, 5, "torch_step.py")
	augment := fl.String("augment-past", "none", "also time each step with this past augmentation (cpc train's flag, e.g. 'rt60=0.2:0.6,snr=10:30'), in the same rounds as the plain step")
	distributed := fl.String("distributed", "", "'mpi': time the step of one replica of an MPI job (mpirun -np N cpc bench train --distributed mpi --torch=false …); --batch is the global batch")
	local := fl.Int("replicas", 1, "data-parallel replicas in this process, each with its share of the batch (--batch is the global batch) and of the threads")
	if err := parse(fl, args[1:]); err != nil {
		return err
	}
	if err := checkReplicas(*local, *distributed); err != nil {
		return err
	}
	g, done, err := openGroup(*distributed)
	if err != nil {
		return err
	}
	if g.Size() > 1 && *rounds.torch {
		return usageError{fmt.Errorf("--distributed times our replicas alone: add --torch=false")}
	}
	if g.Rank() > 0 { // rank 0 alone reports
		stdout, stderr = io.Discard, io.Discard
	}
	cfg, err := cpc.Preset(*preset)
	if err != nil {
		return usageError{err}
	}
	for _, name := range setFlags(fl) {
		if set := archFlags[name]; set != nil {
			set(&cfg)
		}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	d := train.Defaults()
	bs, err1 := intList("--batch", *batches, d.Batch)
	ws, err2 := intList("--window", *windows, d.Window)
	ts, err3 := rounds.check()
	aug, err4 := train.ParseAugment(*augment)
	if err4 != nil {
		err4 = fmt.Errorf("--augment-past: %w", err4)
	}
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			return usageError{err}
		}
	}
	plan := benchPlan{threads: ts, steps: *rounds.steps, warmup: *rounds.warmup, torch: *rounds.torch, augment: aug, local: *local}
	corpus, _, err := loadCorpus(corpusSource{}, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "config %s (C %d, H %d, K %d), negatives batch, Adam; kernels %s; %s, %d CPUs; %d replicas\n",
		cfg.Name, cfg.Channels, cfg.Hidden, cfg.Predict, asm.Path(), cpuid.CPU.BrandName, runtime.NumCPU(), g.Size()*plan.local)
	var splits, augmented []string
	for _, b := range bs {
		for _, w := range ws {
			p, err := benchPoint(g, benchModel{Arch: cfg, Window: w, Batch: b, LR: d.LR}, corpus, plan)
			if errors.Is(err, train.ErrOptions) {
				return usageError{err} // a batch that does not split over the replicas
			}
			if err != nil {
				return err
			}
			if len(splits) == 0 {
				// The header, once the first point has started PyTorch.
				if p.anchor != nil {
					fmt.Fprintf(stdout, "%s\n\n", p.anchor.header())
				}
				fmt.Fprintf(stdout, "| batch | window | threads | ours ms/step | GFLOP/s | PyTorch ms/step | PyTorch/ours | peak RSS |\n|--:|--:|--:|--:|--:|--:|--:|--:|\n")
			}
			p.print(stdout)
			splits = append(splits, p.splitText())
			augmented = append(augmented, p.augmentedRows())
		}
	}
	fmt.Fprintln(stdout)
	if aug != nil {
		fmt.Fprintf(stdout, "With --augment-past %s (its rooms and noise are drawn in the data phase: the corpus is in memory), timed in the same rounds:\n\n", aug)
		fmt.Fprintf(stdout, "| batch | window | threads | plain ms/step | augmented ms/step | augmented/plain |\n|--:|--:|--:|--:|--:|--:|\n%s\n", strings.Join(augmented, ""))
	}
	for _, s := range splits {
		fmt.Fprint(stdout, s)
	}
	return done()
}

// benchModel is a point's architecture and the window, batch and
// learning rate of its step, as bench/torch_step.py reads them: JSON, the
// architecture's fields with window, batch and lr beside them.
type benchModel struct {
	cpc.Arch
	Window int     `json:"window"`
	Batch  int     `json:"batch"`
	LR     float64 `json:"lr"`
}

func (m benchModel) JSON() string {
	b, _ := json.Marshal(m) // plain fields always marshal
	return string(b)
}

// benchPlan is what every point times: the thread counts, the rounds,
// whether PyTorch steps beside ours, and the past augmentation to time
// beside the plain step (nil: none), and how many replicas in this
// process share our step.
type benchPlan struct {
	threads       []int
	steps, warmup int
	torch         bool
	augment       *train.Augment
	local         int
}

// point is one batch and window size timed at each thread count.
type point struct {
	cfg     benchModel
	threads []int
	ours    [][]float64 // ms per step, by thread count
	torch   [][]float64
	split   []train.Timing // summed over the timed steps, by thread count
	rss     string
	anchor  *torchInfo // nil without PyTorch
	// With past augmentation: its steps' ms and time split, by thread count.
	augmented      [][]float64
	augmentedSplit []train.Timing
	augment        *train.Augment
}

// benchPoint times cfg's training step: every round runs one step of
// ours (and one with the plan's past augmentation) and one of PyTorch's at
// each thread count, so all meet the same load from other work.
func benchPoint(g dist.Group, cfg benchModel, corpus *data.Corpus, plan benchPlan) (*point, error) {
	debug.FreeOSMemory()
	resetPeakRSS()
	threads := plan.threads
	t, err := newStepper(g, plan.local, cfg, corpus, nil)
	if err != nil {
		return nil, err
	}
	p := &point{cfg: cfg, threads: threads, split: make([]train.Timing, len(threads)), augment: plan.augment}
	var ta stepper
	if plan.augment != nil {
		if ta, err = newStepper(g, plan.local, cfg, corpus, plan.augment); err != nil {
			return nil, err
		}
		p.augmented, p.augmentedSplit = make([][]float64, len(threads)), make([]train.Timing, len(threads))
	}
	var ts *torchStepper
	if plan.torch {
		if ts, err = startTorch("torch_step.py", cfg.JSON()); err != nil {
			return nil, err
		}
		defer ts.Close()
		p.anchor = &ts.Info
	}
	defer asm.SetWidth(0)
	ours := func(i int, timed bool) (float64, error) {
		asm.SetWidth(max(1, threads[i]/plan.local))
		if ta != nil {
			ms, err := timeStep(ta, &p.augmentedSplit[i], timed)
			if err != nil {
				return 0, err
			}
			if timed {
				p.augmented[i] = append(p.augmented[i], ms)
			}
		}
		return timeStep(t, &p.split[i], timed)
	}
	if p.ours, p.torch, err = alternate(threads, plan.steps, plan.warmup, ours, ts); err != nil {
		return nil, err
	}
	p.rss = peakRSS()
	return p, nil
}

// benchTrainer is a fresh run of cfg on corpus with the default seed, its
// past augmented as aug says (nil: not).
func benchTrainer(g dist.Group, cfg benchModel, corpus *data.Corpus, aug *train.Augment) (*train.Trainer, error) {
	opts := train.Defaults()
	opts.Window, opts.Batch, opts.LR, opts.AugmentPast = cfg.Window, cfg.Batch, cfg.LR, aug
	m, err := train.NewModel(cfg.Arch, opts.Seed)
	if err != nil {
		return nil, err
	}
	return train.NewReplica(g, m, opts, corpus)
}

// stepper is what one step of ours runs: this process's trainer (alone,
// or one replica of g), or the local replicas of one group in this
// process, stepping side by side; the first is the one whose time split
// is reported.
type stepper []*train.Trainer

func newStepper(g dist.Group, local int, cfg benchModel, corpus *data.Corpus, aug *train.Augment) (stepper, error) {
	if local == 1 {
		t, err := benchTrainer(g, cfg, corpus, aug)
		return stepper{t}, err
	}
	return train.StartLocal(local, func(g dist.Group) (*train.Trainer, error) { return benchTrainer(g, cfg, corpus, aug) })
}

// timeStep runs one step of s and returns its ms, adding its time split
// to split if the step is timed.
func timeStep(s stepper, split *train.Timing, timed bool) (float64, error) {
	s[0].ResetTiming()
	start := time.Now()
	err := train.OnEach(len(s), func(r int) error {
		_, err := s[r].TrainBatch()
		return err
	})
	if err != nil {
		return 0, err
	}
	if timed {
		*split = addTiming(*split, s[0].Timing())
	}
	return float64(time.Since(start).Microseconds()) / 1000, nil
}

// roundFlags are the flags of the rounds alternate runs.
type roundFlags struct {
	threads       *string
	steps, warmup *int
	torch         *bool
}

// addRoundFlags adds --threads, --steps (default steps), --warmup and
// --torch, the PyTorch reference being bench/script.
func addRoundFlags(fl *flag.FlagSet, steps int, script string) roundFlags {
	return roundFlags{
		threads: fl.String("threads", strconv.Itoa(runtime.NumCPU()), "threads, ours and PyTorch's, or a list: each step is timed at each count in turn"),
		steps:   fl.Int("steps", steps, "timed steps per point and thread count"),
		warmup:  fl.Int("warmup", 2, "untimed steps first"),
		torch:   fl.Bool("torch", true, "also time the PyTorch reference (bench/"+script+", Debian's python3-torch), alternating with ours step by step"),
	}
}

// check returns the thread counts, or an error for a setting that cannot
// work.
func (f roundFlags) check() ([]int, error) {
	if *f.steps < 1 || *f.warmup < 0 {
		return nil, fmt.Errorf("--steps must be positive and --warmup not negative")
	}
	return intList("--threads", *f.threads, 0)
}

// alternate times warmup + steps rounds of steps: every round runs, at
// each thread count, one step of ours (step(i, timed) for threads[i],
// returning its ms) and one of PyTorch's (if ts is not nil), so both meet
// the same load from other work. It returns the timed rounds' ms by
// thread count.
func alternate(threads []int, steps, warmup int, step func(i int, timed bool) (float64, error), ts *torchStepper) (ours, torch [][]float64, err error) {
	ours, torch = make([][]float64, len(threads)), make([][]float64, len(threads))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for round := range warmup + steps {
		timed := round >= warmup
		for i, n := range threads {
			runtime.GOMAXPROCS(n)
			ms, err := step(i, timed)
			if err != nil {
				return nil, nil, err
			}
			if timed {
				ours[i] = append(ours[i], ms)
			}
			if ts == nil {
				continue
			}
			if ms, err = ts.Step(n); err != nil {
				return nil, nil, err
			}
			if timed {
				torch[i] = append(torch[i], ms)
			}
		}
	}
	return ours, torch, nil
}

// versusTorch formats PyTorch's median ms beside ours and their ratio
// ("–" for each without PyTorch's times).
func versusTorch(ours float64, torch []float64, anchor *torchInfo) (ms, ratio string) {
	if len(torch) == 0 {
		return "–", "–"
	}
	tm := median(torch)
	if anchor.noRatio() != "" {
		return fmt.Sprintf("%.1f", tm), "– (reference BLAS)"
	}
	return fmt.Sprintf("%.1f", tm), fmt.Sprintf("%.2f×", tm/ours)
}

func (p *point) print(w io.Writer) {
	gflop := p.cfg.StepFLOPs(p.cfg.Batch, p.cfg.Window) / 1e9
	for i, n := range p.threads {
		ours := median(p.ours[i])
		torch, ratio := versusTorch(ours, p.torch[i], p.anchor)
		fmt.Fprintf(w, "| %d | %d | %d | %.1f | %.1f | %s | %s | %s |\n",
			p.cfg.Batch, p.cfg.Window, n, ours, gflop/ours*1000, torch, ratio, p.rss)
	}
}

// augmentedRows are the rows of the past augmentation's table: the plain
// and the augmented step at each thread count ("" without augmentation).
func (p *point) augmentedRows() string {
	if p.augment == nil {
		return ""
	}
	var s strings.Builder
	for i, n := range p.threads {
		plain, aug := median(p.ours[i]), median(p.augmented[i])
		fmt.Fprintf(&s, "| %d | %d | %d | %.1f | %.1f | %.2f× |\n", p.cfg.Batch, p.cfg.Window, n, plain, aug, aug/plain)
	}
	return s.String()
}

// splitText is where the time of the point's steps went, at each thread
// count, with the step's spread and the thread scaling.
func (p *point) splitText() string {
	var s strings.Builder
	fmt.Fprintf(&s, "batch %d, window %d: %.1f GFLOP/step", p.cfg.Batch, p.cfg.Window, p.cfg.StepFLOPs(p.cfg.Batch, p.cfg.Window)/1e9)
	if p.anchor != nil {
		fmt.Fprintf(&s, "; PyTorch %s on %s", p.anchor.Torch, p.anchor.BLAS.name())
	}
	s.WriteString("\n")
	for i, n := range p.threads {
		ms := p.ours[i]
		fmt.Fprintf(&s, "  threads %d: median %.1f ms over %d steps (min %.1f, max %.1f)", n, median(ms), len(ms), slices.Min(ms), slices.Max(ms))
		if i > 0 {
			fmt.Fprintf(&s, ", %.2f× the speed on %d", median(p.ours[0])/median(ms), p.threads[0])
		}
		s.WriteString("\n")
		writeSplit(&s, p.split[i], len(ms))
		if p.augment != nil {
			ms := p.augmented[i]
			fmt.Fprintf(&s, "  threads %d with --augment-past %s: median %.1f ms over %d steps (min %.1f, max %.1f)\n", n, p.augment, median(ms), len(ms), slices.Min(ms), slices.Max(ms))
			writeSplit(&s, p.augmentedSplit[i], len(ms))
		}
	}
	return s.String()
}

func writeSplit(w io.Writer, tm train.Timing, steps int) {
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
	for _, p := range parts {
		fmt.Fprintf(w, "    %-24s %9.1f ms %5.1f%%\n", p.name, float64(p.d.Microseconds())/1000/float64(steps), 100*float64(p.d)/float64(total))
	}
}

func addTiming(a, b train.Timing) train.Timing {
	a.Data += b.Data
	a.Optimizer += b.Optimizer
	for i := range a.Model {
		a.Model[i] += b.Model[i]
	}
	return a
}

// intList parses a comma-separated list of positive integers; "" gives
// def alone.
func intList(flag, s string, def int) ([]int, error) {
	if s == "" {
		return []int{def}, nil
	}
	var v []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s %q: want positive integers separated by commas", flag, s)
		}
		v = append(v, n)
	}
	return v, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
