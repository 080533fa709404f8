package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/plot"
	"github.com/gocpc/cpc/core/sample"
	"github.com/gocpc/cpc/core/train"
)

func runTrain(args []string, stderr io.Writer) error {
	fl := newFlags("train", "[flags]", stderr)
	dataDir := fl.String("data", "", "corpus in LibriSpeech layout (default: the bundled sample)")
	split := fl.String("split", "", "file of utterance ids to train on (a path, or a name inside the corpus); default: all")
	preset := fl.String("config", "paper", "model preset: paper or small")
	channels := fl.Int("channels", 0, "encoder channels C (overrides the preset)")
	hidden := fl.Int("hidden", 0, "GRU units H (overrides the preset)")
	predict := fl.Int("prediction-steps", 0, "future steps K (overrides the preset)")
	window := fl.Int("window", 0, "samples per training window (overrides the preset)")
	batch := fl.Int("batch", 0, "windows per batch (overrides the preset)")
	lr := fl.Float64("lr", 0, "Adam learning rate (overrides the preset)")
	negatives := fl.String("negatives", "batch", "negatives: 'batch' (every other position of the batch) or a count N sampled from the batch")
	sampler := fl.String("sampler", "uniform", "batches: 'uniform' over utterances, 'speakers:N' (each batch from N speakers) or 'same-speaker' (speakers:1); a curriculum lists samplers with the step each ends at, the last without: 'same-speaker@2000,uniform'")
	warmup := fl.Int("warmup", 0, "linear learning-rate warm-up steps")
	decay := fl.Int("decay", 0, "cosine decay of the learning rate after the warm-up, to 0 at this step (0: constant)")
	clip := fl.Float64("clip", 0, "clip the global gradient norm to this (0: off)")
	seed := fl.Uint64("seed", 1, "random seed: same seed and threads give identical runs")
	steps := fl.Int("steps", 1000, "train until this many steps are done (a resumed run counts its earlier steps)")
	out := fl.String("out", "run", "directory for model.safetensors, state, metrics.jsonl and loss.png")
	resume := fl.String("resume", "", "continue the run saved in this directory (its settings are kept)")
	initFrom := fl.String("init", "", "start a new run from this checkpoint's weights (a model.safetensors file or a training directory); its architecture is kept, --window, --batch and --lr may change")
	saveEvery := fl.Int("save-every", 100, "steps between checkpoints (0: only at the end)")
	logEvery := fl.Int("log-every", 1, "steps averaged into each metrics.jsonl line")
	threads := fl.Int("threads", runtime.NumCPU(), "threads for the numeric kernels")
	if err := parse(fl, args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fl.Arg(0))}
	}
	if *threads < 1 {
		return usageError{fmt.Errorf("--threads must be at least 1 (got %d)", *threads)}
	}
	runtime.GOMAXPROCS(*threads)

	opts := train.Options{Steps: *steps, Out: *out, SaveEvery: *saveEvery, LogEvery: *logEvery}
	set := map[string]bool{}
	fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var initial *cpc.Model[float32]
	switch {
	case *resume != "" && *initFrom != "":
		return usageError{errors.New("--resume and --init exclude each other: --resume continues a run, --init starts one from a checkpoint's weights")}
	case *initFrom != "":
		for _, name := range []string{"config", "channels", "hidden", "prediction-steps"} {
			if set[name] {
				return usageError{fmt.Errorf("--%s cannot be set with --init: the checkpoint's architecture is kept", name)}
			}
		}
		m, _, err := cpc.Load(*initFrom)
		if err != nil {
			return err
		}
		initial = m
	}
	if *resume != "" {
		for _, name := range []string{"config", "channels", "hidden", "prediction-steps", "window", "batch", "lr", "negatives", "sampler", "warmup", "decay", "clip", "seed"} {
			if set[name] {
				return usageError{fmt.Errorf("--%s cannot change on --resume: the saved run's settings are kept", name)}
			}
		}
		if !set["out"] {
			opts.Out = *resume
		}
	} else {
		cfg, err := cpc.Preset(*preset)
		if initial != nil {
			cfg, err = initial.Config, nil
		}
		if err != nil {
			return usageError{err}
		}
		override(&cfg.Channels, *channels)
		override(&cfg.Hidden, *hidden)
		override(&cfg.Predict, *predict)
		override(&cfg.Window, *window)
		override(&cfg.Batch, *batch)
		if *lr != 0 {
			cfg.LR = *lr
		}
		custom := set["channels"] || set["hidden"] || set["prediction-steps"] || set["window"] || set["batch"] || set["lr"]
		if custom && !strings.HasSuffix(cfg.Name, "+custom") {
			cfg.Name += "+custom"
		}
		opts.Config = cfg
		if opts.Negatives, err = parseNegatives(*negatives); err != nil {
			return usageError{err}
		}
		if opts.Speakers, opts.Curriculum, err = parseSamplers(*sampler); err != nil {
			return usageError{err}
		}
		opts.Warmup, opts.Decay, opts.Clip, opts.Seed = *warmup, *decay, *clip, *seed
		if err := opts.Validate(); err != nil {
			return usageError{err}
		}
	}

	corpus, where, err := loadCorpus(*dataDir, *split)
	if err != nil {
		return err
	}
	var t *train.Trainer
	switch {
	case *resume != "":
		t, err = train.Resume(*resume, opts, corpus)
	case initial != nil:
		t, err = train.NewFrom(opts, initial, corpus)
	default:
		t, err = train.New(opts, corpus)
	}
	if err != nil {
		return err
	}
	t.Plot = plot.Loss
	printSummary(stderr, t, corpus, where, *threads)
	if initial != nil {
		fmt.Fprintf(stderr, "weights: from %s\n", *initFrom)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := newProgressBar(stderr)
	err = t.Run(ctx, bar.update)
	bar.finish()
	if errors.Is(err, train.ErrInterrupted) {
		return fmt.Errorf("interrupted at step %d; state saved in %s: continue with 'cpc train --resume %s --steps %d'",
			t.Step, t.Opts.Out, t.Opts.Out, t.Opts.Steps)
	}
	if err != nil {
		return err
	}
	if n := len(t.History); n > 0 {
		last := t.History[n-1]
		fmt.Fprintf(stderr, "step %d: loss %.4f, accuracy %.1f%%; by k:", last.Step, last.Loss, 100*last.Accuracy)
		for k, a := range last.AccuracyK {
			fmt.Fprintf(stderr, " %d:%.1f%%", k+1, 100*a)
		}
		fmt.Fprintln(stderr)
	}
	fmt.Fprintf(stderr, "done: step %d; %s, %s, %s in %s\n", t.Step, cpc.ModelFile, train.MetricsFile, plot.LossFile, t.Opts.Out)
	return nil
}

func override(field *int, v int) {
	if v != 0 {
		*field = v
	}
}

// parseSamplers reads a --sampler value: one sampler, or a curriculum
// "S1@STEP1,S2@STEP2,…,S" (each sampler until the step after @, the last
// to the end). It returns the last one's speakers per batch and the
// phases before it.
func parseSamplers(s string) (int, []train.SamplerPhase, error) {
	fail := func(format string, a ...any) (int, []train.SamplerPhase, error) {
		return 0, nil, fmt.Errorf("--sampler %q: "+format, append([]any{s}, a...)...)
	}
	parts := strings.Split(s, ",")
	last := parts[len(parts)-1]
	var phases []train.SamplerPhase
	for _, part := range parts[:len(parts)-1] {
		name, until, ok := strings.Cut(part, "@")
		if !ok {
			return fail("%q needs @STEP, the step it ends at (only the last sampler runs to the end)", part)
		}
		n, err := parseSampler(name)
		if err != nil {
			return fail("%v", err)
		}
		step, err := strconv.Atoi(until)
		if err != nil || step <= 0 {
			return fail("%q is not a step number", until)
		}
		if len(phases) > 0 && step <= phases[len(phases)-1].Until {
			return fail("step %d does not come after %d", step, phases[len(phases)-1].Until)
		}
		phases = append(phases, train.SamplerPhase{Speakers: n, Until: step})
	}
	if strings.Contains(last, "@") {
		return fail("the last sampler runs to the end: add the one that follows step %s", last[strings.Index(last, "@")+1:])
	}
	n, err := parseSampler(last)
	if err != nil {
		return fail("%v", err)
	}
	return n, phases, nil
}

// parseSampler returns the speakers per batch of one sampler's name.
func parseSampler(s string) (int, error) {
	switch s {
	case "uniform":
		return 0, nil
	case "same-speaker":
		return 1, nil
	}
	if n, ok := strings.CutPrefix(s, "speakers:"); ok {
		if v, err := strconv.Atoi(n); err == nil && v > 0 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%q: want uniform, same-speaker or speakers:N with N a positive count", s)
}

// samplerText names the sampler of every phase of a run, as --sampler does.
func samplerText(o train.Options) string {
	name := func(n int) string {
		switch n {
		case 0:
			return "uniform"
		case 1:
			return "same-speaker"
		}
		return fmt.Sprintf("speakers:%d", n)
	}
	var s strings.Builder
	for _, p := range o.Curriculum {
		fmt.Fprintf(&s, "%s@%d,", name(p.Speakers), p.Until)
	}
	s.WriteString(name(o.Speakers))
	return s.String()
}

func parseNegatives(s string) (int, error) {
	if s == "batch" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("--negatives %q: want 'batch' or a positive count", s)
	}
	return n, nil
}

// loadCorpus scans and decodes the corpus at dir (the bundled sample if
// dir is empty), keeping the utterances of split if given.
func loadCorpus(dir, split string) (*data.Corpus, string, error) {
	fsys, where, err := openCorpus(dir)
	if err != nil {
		return nil, "", err
	}
	var ids []string
	if split != "" {
		if ids, err = readSplit(fsys, split); err != nil {
			return nil, "", err
		}
	}
	c, err := data.Scan(fsys, ids)
	if err != nil {
		return nil, "", fmt.Errorf("corpus %s: %v", where, err)
	}
	if err := c.Load(fsys); err != nil {
		return nil, "", fmt.Errorf("corpus %s: %v", where, err)
	}
	return c, where, nil
}

// openCorpus returns the corpus directory dir, or the bundled sample if
// dir is empty, and how to name it.
func openCorpus(dir string) (fs.FS, string, error) {
	if dir == "" {
		return sample.FS, "the bundled sample", nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, "", fmt.Errorf("corpus: %v", err)
	}
	if !st.IsDir() {
		return nil, "", fmt.Errorf("corpus %s is not a directory", dir)
	}
	return os.DirFS(dir), dir, nil
}

// dataFile locates a file given as a path or as a name inside the corpus:
// the file system holding it and its name there.
func dataFile(corpus fs.FS, name string) (fs.FS, string) {
	if _, err := os.Stat(name); err == nil {
		return os.DirFS(filepath.Dir(name)), filepath.Base(name)
	}
	return corpus, name
}

// readSplit reads a split file given as a path or as a name in the corpus.
func readSplit(corpus fs.FS, name string) ([]string, error) {
	fsys, file := dataFile(corpus, name)
	ids, err := data.ReadSplit(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("split %s: %v", name, err)
	}
	return ids, nil
}

func printSummary(w io.Writer, t *train.Trainer, c *data.Corpus, where string, threads int) {
	cfg := t.Opts.Config
	hours := float64(c.Samples()) / 16000 / 3600
	fmt.Fprintf(w, "corpus: %s: %d utterances, %d speakers, %.2f h; %d shorter than a window (%d samples) skipped\n",
		where, len(c.Utterances), len(c.Speakers()), hours, t.Sampler.Skipped, cfg.Window)
	neg := "batch"
	if t.Opts.Negatives > 0 {
		neg = strconv.Itoa(t.Opts.Negatives) + " sampled"
	}
	if t.Opts.Speakers > 0 || len(t.Opts.Curriculum) > 0 {
		neg += ", sampler " + samplerText(t.Opts)
	}
	nparams := 0
	for _, p := range t.Model.Params() {
		nparams += len(p.W)
	}
	fmt.Fprintf(w, "model: %s (C %d, H %d, K %d; %d frames per window; %.2fM parameters); batch %d, lr %g, negatives %s, seed %d\n",
		cfg.Name, cfg.Channels, cfg.Hidden, cfg.Predict, cfg.Frames(cfg.Window), float64(nparams)/1e6, cfg.Batch, cfg.LR, neg, t.Opts.Seed)
	fmt.Fprintf(w, "kernels: %s, %d threads; step %d of %d; output %s\n", asm.Path(), threads, t.Step, t.Opts.Steps, t.Opts.Out)
}
