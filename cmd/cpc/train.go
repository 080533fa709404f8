package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/plot"
	"github.com/gocpc/cpc/core/sample"
	"github.com/gocpc/cpc/core/train"
)

func runTrain(args []string, stderr io.Writer) error {
	fl := newFlags("train", "[flags]", stderr)
	dataDir := fl.String("data", "", "corpus in LibriSpeech layout (default: the bundled sample)")
	split := fl.String("split", "", "file of utterance ids to train on (a path, or a name inside the corpus); default: all")
	cacheDir := fl.String("cache", "", "corpus cache of --data: decoded once, windows read from it, so memory does not grow with the corpus (default: in the user's cache directory; 'none': decode into memory)")
	onBadFile := fl.String("on-bad-file", "stop", "a corpus file that does not decode: 'stop' the run, or 'skip' it (reported, and counted in metrics.jsonl)")
	preset := fl.String("config", "paper", "model preset: "+strings.Join(cpc.Presets, ", "))
	archFlags := addArchFlags(fl)
	optionFlags := addOptionFlags(fl)
	steps := fl.Int("steps", 1000, "train until this many steps are done (a resumed run counts its earlier steps; on --resume, default: the step the run was started for)")
	out := fl.String("out", "run", "directory for model.safetensors, state, metrics.jsonl and loss.png")
	resume := fl.String("resume", "", "continue the run saved in this directory (its settings are kept)")
	initFrom := fl.String("init", "", "start a new run from this checkpoint's weights (a model.safetensors file or a training directory); its architecture is kept, and the training settings it records are the defaults")
	saveEvery := fl.Int("save-every", 100, "steps between checkpoints (0: only at the end)")
	logEvery := fl.Int("log-every", 1, "steps averaged into each metrics.jsonl line")
	threads := fl.Int("threads", runtime.NumCPU(), "threads for the numeric kernels")
	distributed := fl.String("distributed", "", "'mpi': this process is one replica of an MPI job (mpirun -np N cpc train --distributed mpi …); --batch is the global batch, split evenly")
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
	plan := train.Plan{Steps: *steps, Out: *out, SaveEvery: *saveEvery, LogEvery: *logEvery}
	if *resume != "" && !isSet(fl, "out") {
		plan.Out = *resume
	}
	if err := plan.Validate(); err != nil {
		return usageError{err}
	}
	g, done, err := openGroup(*distributed)
	if err != nil {
		return err
	}
	if g.Rank() > 0 { // rank 0 alone writes and reports
		plan.Out, stderr = "", io.Discard
	}
	setup := runSetup{group: g, resume: *resume, init: *initFrom}
	src := corpusSource{dir: *dataDir, split: *split, cache: *cacheDir}
	switch *onBadFile {
	case "stop":
	case "skip":
		src.onBad = data.SkipBadFile
	default:
		return usageError{fmt.Errorf("--on-bad-file %q: want stop or skip", *onBadFile)}
	}
	t, corpus, where, err := setup.start(fl, *preset, archFlags, optionFlags, &src, stderr)
	if err != nil {
		return rankError(g, err)
	}
	if *resume != "" {
		if plan.Steps, err = resumedSteps(fl, plan.Steps, t.Target, t.Step, *resume); err != nil {
			return rankError(g, err)
		}
	}
	if t.Source, err = src.record(); err != nil {
		return rankError(g, err)
	}
	t.Plot = plot.Loss
	printSummary(stderr, t, corpus, where, *threads, plan)
	if *initFrom != "" {
		fmt.Fprintf(stderr, "weights: from %s\n", *initFrom)
	}
	if n := g.Size(); n > 1 {
		fmt.Fprintf(stderr, "replicas: %d over MPI, %d windows of each batch of %d apiece; rank 0 writes\n", n, t.Opts.Batch/n, t.Opts.Batch)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := newProgressBar(stderr, plan.Steps)
	err = t.Run(ctx, plan, bar.update)
	bar.finish()
	if err == nil {
		err = done()
	}
	if errors.Is(err, train.ErrInterrupted) {
		return fmt.Errorf("interrupted at step %d; state saved in %s: continue with 'cpc train --resume %s --steps %d'",
			t.Step, plan.Out, plan.Out, plan.Steps)
	}
	if err != nil {
		return rankError(g, err)
	}
	if n := len(t.History); n > 0 {
		last := t.History[n-1]
		fmt.Fprintf(stderr, "step %d: loss %.4f, accuracy %.1f%%; by k:", last.Step, last.Loss, 100*last.Accuracy)
		for k, a := range last.AccuracyK {
			fmt.Fprintf(stderr, " %d:%.1f%%", k+1, 100*a)
		}
		fmt.Fprintln(stderr)
	}
	if tm := t.Timing(); tm.Total() > 0 {
		share := func(d time.Duration) float64 { return 100 * d.Seconds() / tm.Total().Seconds() }
		fmt.Fprintf(stderr, "time in steps: %.1f%% waiting for data", share(tm.Data))
		if g.Size() > 1 {
			fmt.Fprintf(stderr, ", %.1f%% communication", share(tm.Model[cpc.Communication]))
		}
		fmt.Fprintln(stderr)
	}
	fmt.Fprintf(stderr, "done: step %d; %s, %s, %s in %s\n", t.Step, cpc.ModelFile, train.MetricsFile, plot.LossFile, plan.Out)
	return nil
}

// openGroup returns the group of replicas --distributed names ("": this
// process alone) and what ends it after a run that succeeded.
func openGroup(name string) (dist.Group, func() error, error) {
	switch name {
	case "":
		return dist.Single, func() error { return nil }, nil
	case "mpi":
		return openMPI()
	}
	return nil, nil, usageError{fmt.Errorf("--distributed %q: want mpi (or leave it out)", name)}
}

// rankError names the replica an error happened on, in a group of more.
func rankError(g dist.Group, err error) error {
	if g.Size() == 1 {
		return err
	}
	var ue usageError
	if errors.As(err, &ue) {
		return usageError{fmt.Errorf("rank %d of %d: %w", g.Rank(), g.Size(), ue.error)}
	}
	return fmt.Errorf("rank %d of %d: %w", g.Rank(), g.Size(), err)
}

// resumedSteps is the step a resumed run ends at: --steps where the user
// set it, else the target its checkpoint records (--steps' default for a
// checkpoint that records none); a usage error where no step is left.
func resumedSteps(fl *flag.FlagSet, steps, target, done int, dir string) (int, error) {
	if !isSet(fl, "steps") && target > 0 {
		steps = target
		if steps <= done {
			return 0, usageError{fmt.Errorf("the run in %s has done its %d steps: give --steps more than %d to train it further", dir, done, done)}
		}
	}
	if steps <= done {
		return 0, usageError{fmt.Errorf("--steps %d: the run in %s has done %d steps already; give more to train it further", steps, dir, done)}
	}
	return steps, nil
}

// runSetup is how a run starts: afresh, from a checkpoint's weights
// (init) or where a saved run stopped (resume), and with what.
type runSetup struct {
	group        dist.Group
	resume, init string
	model        *cpc.Model[float32] // the initial weights of a new run
	opts         train.Options       // a new run's options
}

// start works out the run's settings, loads the corpus (on a resume
// without --data, the saved run's: src becomes it) and returns the
// trainer; a usage error for settings that cannot work.
func (s *runSetup) start(fl *flag.FlagSet, preset string, archFlags map[string]func(*cpc.Arch), optionFlags map[string]func(*train.Options) error,
	src *corpusSource, log io.Writer) (*train.Trainer, *data.Corpus, string, error) {
	if err := s.settings(fl, preset, archFlags, optionFlags); err != nil {
		return nil, nil, "", err
	}
	if s.resume != "" && !isSet(fl, "data") {
		if err := src.fromSaved(s.group, s.resume, !isSet(fl, "split"), log); err != nil {
			return nil, nil, "", err
		}
	}
	corpus, where, err := loadCorpus(*src, log)
	if err != nil {
		return nil, nil, "", err
	}
	t, err := s.trainer(corpus)
	if errors.Is(err, train.ErrOptions) || errors.Is(err, cpc.ErrArch) {
		err = usageError{err}
	}
	return t, corpus, where, err
}

// settings works out the architecture and options of a new run: the
// preset's (or init's checkpoint's) and train.Defaults() (or what the
// checkpoint records), changed by the flags the user set. A resumed run
// keeps its saved settings, so none of those flags may be set.
func (s *runSetup) settings(fl *flag.FlagSet, preset string, archFlags map[string]func(*cpc.Arch), optionFlags map[string]func(*train.Options) error) error {
	isArch := func(name string) bool { return name == "config" || archFlags[name] != nil }
	for _, name := range setFlags(fl) {
		switch {
		case s.resume != "" && s.init != "":
			return usageError{errors.New("--resume and --init exclude each other: --resume continues a run, --init starts one from a checkpoint's weights")}
		case s.resume != "" && (isArch(name) || optionFlags[name] != nil):
			return usageError{fmt.Errorf("--%s cannot change on --resume: the saved run's settings are kept", name)}
		case s.init != "" && isArch(name):
			return usageError{fmt.Errorf("--%s cannot be set with --init: the checkpoint's architecture is kept", name)}
		}
	}
	if s.resume != "" {
		return nil
	}
	arch, err := cpc.Preset(preset)
	if err != nil {
		return usageError{err}
	}
	s.opts = train.Defaults()
	if s.init != "" {
		m, meta, err := loadCheckpoint(s.group, s.init)
		if err != nil {
			return err
		}
		if s.opts, err = train.OptionsOf(meta); err != nil {
			return fmt.Errorf("%s: %w", s.init, err)
		}
		s.model, arch = m, m.Arch
	}
	custom := false
	for _, name := range setFlags(fl) {
		if set := archFlags[name]; set != nil {
			set(&arch)
			custom = true
		}
		if set := optionFlags[name]; set != nil {
			if err := set(&s.opts); err != nil {
				return usageError{err}
			}
		}
	}
	if custom && !strings.HasSuffix(arch.Name, "+custom") {
		arch.Name += "+custom"
	}
	if s.model == nil {
		if s.model, err = train.NewModel(arch, s.opts.Seed); err != nil {
			return usageError{err}
		}
	}
	return nil
}

// trainer starts the run on corpus c.
func (s *runSetup) trainer(c *data.Corpus) (*train.Trainer, error) {
	if s.resume != "" {
		return train.ResumeReplica(s.group, s.resume, c)
	}
	return train.NewReplica(s.group, s.model, s.opts, c)
}

// loadCheckpoint is cpc.Load on rank 0, whose checkpoint the other
// replicas get from it: only rank 0 needs the file.
func loadCheckpoint(g dist.Group, path string) (*cpc.Model[float32], map[string]string, error) {
	if g.Size() == 1 {
		return cpc.Load(path)
	}
	var b []byte
	var readErr error
	if g.Rank() == 0 {
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			path = filepath.Join(path, cpc.ModelFile)
		}
		b, readErr = os.ReadFile(path) // on error, every replica gets no bytes
	}
	b, err := dist.BroadcastBytes(g, b, 0)
	switch {
	case err != nil:
		return nil, nil, err
	case readErr != nil:
		return nil, nil, readErr
	case len(b) == 0:
		return nil, nil, fmt.Errorf("rank 0 could not read %s", path)
	}
	m, meta, err := cpc.Decode(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, meta, nil
}

// addArchFlags defines the flags that change a preset's architecture,
// each with what it sets.
func addArchFlags(fl *flag.FlagSet) map[string]func(*cpc.Arch) {
	channels := fl.Int("channels", 0, "encoder channels C (overrides the preset)")
	hidden := fl.Int("hidden", 0, "GRU units H (overrides the preset)")
	predict := fl.Int("prediction-steps", 0, "future steps K (overrides the preset)")
	norm := fl.Bool("channel-norm", false, "normalise each encoder step over its channels after every convolution, as CPC_audio (overrides the preset)")
	layers := fl.Int("context-layers", 0, "stacked GRU layers of the context network (overrides the preset)")
	meanScores := fl.Bool("mean-scores", false, "score predictions by the mean of the products over the channels, not their sum, as CPC_audio (overrides the preset)")
	head := fl.Int("predictor-hidden", 0, "units of a feed-forward prediction head per k (lin2(ReLU(lin1(c_t)))), CPC_audio's 'ffd'; 0: the paper's linear predictors (overrides the preset)")
	return map[string]func(*cpc.Arch){
		"channels":         func(a *cpc.Arch) { a.Channels = *channels },
		"hidden":           func(a *cpc.Arch) { a.Hidden = *hidden },
		"prediction-steps": func(a *cpc.Arch) { a.Predict = *predict },
		"channel-norm":     func(a *cpc.Arch) { a.ChannelNorm = *norm },
		"context-layers":   func(a *cpc.Arch) { a.ContextLayers = *layers },
		"mean-scores":      func(a *cpc.Arch) { a.MeanScores = *meanScores },
		"predictor-hidden": func(a *cpc.Arch) { a.PredictorHidden = *head },
	}
}

// addOptionFlags defines the flags of train.Options, with its defaults,
// each with what it sets.
func addOptionFlags(fl *flag.FlagSet) map[string]func(*train.Options) error {
	d := train.Defaults()
	window := fl.Int("window", d.Window, "samples per training window")
	batch := fl.Int("batch", d.Batch, "windows per batch")
	lr := fl.Float64("lr", d.LR, "Adam learning rate")
	negatives := fl.String("negatives", "batch", "negatives: 'batch' (every other position of the batch) or a count N sampled from the batch")
	sampler := fl.String("sampler", "uniform", "batches: 'uniform' over utterances, 'speakers:N' (each batch from N speakers) or 'same-speaker' (speakers:1); a curriculum lists samplers with the step each ends at, the last without: 'same-speaker@2000,uniform'")
	warmup := fl.Int("warmup", d.Warmup, "linear learning-rate warm-up steps")
	decay := fl.Int("decay", d.Decay, "cosine decay of the learning rate after the warm-up, to 0 at this step (0: constant)")
	clip := fl.Float64("clip", d.Clip, "clip the global gradient norm to this (0: off)")
	seed := fl.Uint64("seed", d.Seed, "random seed: same seed and threads give identical runs")
	dropout := fl.Float64("dropout", d.Dropout, "probability that training zeroes each value of a prediction W_k c_t, as CPC_audio's --dropout (0.5 there; 0: none, the paper's)")
	augment := fl.String("augment-past", "none", "the context network hears each window through a room and noise of its own, drawn from these ranges, and predicts the window as it is (CPC_audio's past augmentation): 'rt60=SECONDS,snr=DB', each a value or a range LO:HI, e.g. 'rt60=0.2:0.6,snr=10:30'")
	return map[string]func(*train.Options) error{
		"window": func(o *train.Options) error { o.Window = *window; return nil },
		"batch":  func(o *train.Options) error { o.Batch = *batch; return nil },
		"lr":     func(o *train.Options) error { o.LR = *lr; return nil },
		"negatives": func(o *train.Options) (err error) {
			o.Negatives, err = parseNegatives(*negatives)
			return err
		},
		"sampler": func(o *train.Options) (err error) {
			o.Speakers, o.Curriculum, err = parseSamplers(*sampler)
			return err
		},
		"warmup":  func(o *train.Options) error { o.Warmup = *warmup; return nil },
		"decay":   func(o *train.Options) error { o.Decay = *decay; return nil },
		"clip":    func(o *train.Options) error { o.Clip = *clip; return nil },
		"seed":    func(o *train.Options) error { o.Seed = *seed; return nil },
		"dropout": func(o *train.Options) error { o.Dropout = *dropout; return nil },
		"augment-past": func(o *train.Options) (err error) {
			if o.AugmentPast, err = train.ParseAugment(*augment); err != nil {
				return fmt.Errorf("--augment-past: %w", err)
			}
			return nil
		},
	}
}

// setFlags lists the flags given on the command line, in order of name.
func setFlags(fl *flag.FlagSet) []string {
	var names []string
	fl.Visit(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

func isSet(fl *flag.FlagSet, name string) bool { return slices.Contains(setFlags(fl), name) }

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

// corpusSource is where and how a command reads its corpus.
type corpusSource struct {
	dir, split string         // the bundled sample if dir is empty
	cache      string         // cache directory; "": the default one; "none": decode into memory
	onBad      data.OnBadFile // a file that does not decode
}

// savedSource is the corpus a checkpoint's state records (Trainer.Source):
// the directory and split as absolute paths ("" for the bundled sample
// and for none), or a split's name inside the corpus.
type savedSource struct {
	Data  string `json:"data"`
	Split string `json:"split,omitempty"`
}

// record gives the source to keep in the state, its paths made absolute
// so that a resume from another directory finds them.
func (src corpusSource) record() (string, error) {
	var s savedSource
	var err error
	if src.dir != "" {
		if s.Data, err = filepath.Abs(src.dir); err != nil {
			return "", err
		}
	}
	s.Split = src.split
	if _, statErr := os.Stat(src.split); src.split != "" && statErr == nil { // a path, as dataFile reads it
		if s.Split, err = filepath.Abs(src.split); err != nil {
			return "", err
		}
	}
	b, err := json.Marshal(s)
	return string(b), err
}

// fromSaved makes the corpus (and the split, if split) the ones the run
// saved in dir was trained on: a resume without --data trains on them.
func (src *corpusSource) fromSaved(g dist.Group, dir string, split bool, log io.Writer) error {
	text, err := train.SavedSource(g, dir)
	if err != nil || text == "" { // saved before sources were kept: the bundled sample, as then
		return err
	}
	var s savedSource
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return fmt.Errorf("%s: corpus source %q: %w", filepath.Join(dir, train.StateFile), text, err)
	}
	src.dir = s.Data
	if split {
		src.split = s.Split
	}
	where := cmp.Or(src.dir, "the bundled sample")
	if src.split != "" {
		where += ", split " + src.split
	}
	fmt.Fprintf(log, "corpus of the saved run: %s\n", where)
	return nil
}

// loadCorpus scans the corpus and decodes it: into memory (the bundled
// sample, or with --cache none), else into its corpus cache, from which
// training reads windows. log gets what the cache did.
func loadCorpus(src corpusSource, log io.Writer) (*data.Corpus, string, error) {
	fsys, where, err := openCorpus(src.dir)
	if err != nil {
		return nil, "", err
	}
	var ids []string
	if src.split != "" {
		if ids, err = readSplit(fsys, src.split); err != nil {
			return nil, "", err
		}
	}
	c, err := data.Scan(fsys, ids)
	if err != nil {
		return nil, "", fmt.Errorf("corpus %s: %w", where, err)
	}
	dir, cached, err := src.cacheDir()
	if err != nil {
		return nil, "", err
	}
	if !cached {
		if err := c.Load(fsys); err != nil {
			return nil, "", fmt.Errorf("corpus %s: %w", where, err)
		}
		return c, where, nil
	}
	start, last := time.Now(), time.Now()
	rep, err := c.Cache(fsys, dir, src.onBad, func(done, total int) {
		if time.Since(last) > 5*time.Second || done == total {
			fmt.Fprintf(log, "corpus cache: decoded %d of %d files\n", done, total)
			last = time.Now()
		}
	})
	if err != nil {
		return nil, "", fmt.Errorf("corpus %s: %w", where, err)
	}
	for i, e := range rep.Skipped {
		if i == 10 {
			fmt.Fprintf(log, "skipped: … %d more\n", len(rep.Skipped)-10)
			break
		}
		fmt.Fprintf(log, "skipped: %v\n", e)
	}
	fmt.Fprintf(log, "corpus cache: %s: %d utterances reused, %d decoded, %d skipped; %.2f GB; ready in %s\n",
		dir, rep.Reused, rep.Decoded, len(rep.Skipped), float64(rep.Bytes)/1e9, time.Since(start).Round(time.Millisecond))
	return c, where, nil
}

// cacheDir is the corpus cache to use, if any: none for the bundled
// sample or with --cache none; --cache's directory; by default one under
// the user's cache directory, named after the corpus's absolute path.
func (src corpusSource) cacheDir() (dir string, cached bool, err error) {
	switch {
	case src.dir == "" || src.cache == "none":
		return "", false, nil
	case src.cache != "":
		return src.cache, true, nil
	}
	dir, err = defaultCacheDir(src.dir)
	return dir, err == nil, err
}

func defaultCacheDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the corpus (%w): give --cache DIR, or --cache none to decode into memory", err)
	}
	h := sha256.Sum256([]byte(abs))
	return filepath.Join(base, "cpc", "corpus-"+hex.EncodeToString(h[:8])), nil
}

// openCorpus returns the corpus directory dir, or the bundled sample if
// dir is empty, and how to name it.
func openCorpus(dir string) (fs.FS, string, error) {
	if dir == "" {
		return sample.FS, "the bundled sample", nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, "", fmt.Errorf("corpus: %w", err)
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
		return nil, fmt.Errorf("split %s: %w", name, err)
	}
	return ids, nil
}

func printSummary(w io.Writer, t *train.Trainer, c *data.Corpus, where string, threads int, plan train.Plan) {
	arch, o := t.Model.Arch, t.Opts
	hours := float64(c.Samples()) / audio.SampleRate / 3600
	fmt.Fprintf(w, "corpus: %s: %d utterances, %d speakers, %.2f h; %d shorter than a window (%d samples) skipped\n",
		where, len(c.Utterances), len(c.Speakers()), hours, t.Sampler.Skipped, o.Window)
	neg := "batch"
	if o.Negatives > 0 {
		neg = strconv.Itoa(o.Negatives) + " sampled"
	}
	if o.Speakers > 0 || len(o.Curriculum) > 0 {
		neg += ", sampler " + samplerText(o)
	}
	if o.Dropout > 0 {
		neg += fmt.Sprintf(", dropout %g", o.Dropout)
	}
	if o.AugmentPast != nil {
		neg += ", past augmented: " + o.AugmentPast.String()
	}
	nparams := 0
	for _, p := range t.Model.Params() {
		nparams += len(p.W)
	}
	extras := ""
	if arch.ChannelNorm {
		extras += ", channel norm"
	}
	if n := arch.Layers(); n > 1 {
		extras += fmt.Sprintf(", %d GRU layers", n)
	}
	if arch.MeanScores {
		extras += ", mean scores"
	}
	if arch.PredictorHidden > 0 {
		extras += fmt.Sprintf(", feed-forward heads of %d", arch.PredictorHidden)
	}
	fmt.Fprintf(w, "model: %s (C %d, H %d, K %d%s; %d frames per window; %.2fM parameters); batch %d, lr %g, negatives %s, seed %d\n",
		arch.Name, arch.Channels, arch.Hidden, arch.Predict, extras, arch.Frames(o.Window), float64(nparams)/1e6, o.Batch, o.LR, neg, o.Seed)
	fmt.Fprintf(w, "kernels: %s, %d threads; step %d of %d; output %s\n", asm.Path(), threads, t.Step, plan.Steps, plan.Out)
}
