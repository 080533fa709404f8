package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
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
	local := fl.Int("replicas", 1, "data-parallel replicas in this process, each with its share of the batch (--batch is the global batch, split evenly) and of the threads (on --resume, default: as many as saved the run)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fl.Arg(0))}
	}
	if *threads < 1 {
		return usageError{fmt.Errorf("--threads must be at least 1 (got %d)", *threads)}
	}
	if err := checkReplicas(*local, *distributed); err != nil {
		return err
	}
	if *resume != "" && *distributed == "" && !isSet(fl, "replicas") {
		*local = train.SavedReplicas(*resume)
	}
	runtime.GOMAXPROCS(*threads)
	asm.SetWidth(max(1, *threads / *local))
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
	setup := runSetup{group: g, local: *local, resume: *resume, init: *initFrom}
	src := corpusSource{dir: *dataDir, split: *split, cache: *cacheDir}
	switch *onBadFile {
	case "stop":
	case "skip":
		src.onBad = data.SkipBadFile
	default:
		return usageError{fmt.Errorf("--on-bad-file %q: want stop or skip", *onBadFile)}
	}
	trs, corpus, where, err := setup.start(fl, *preset, archFlags, optionFlags, &src, stderr)
	if err != nil {
		return rankError(g, err)
	}
	t := trs[0] // the one that writes and reports
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
	if n := len(trs); n > 1 {
		fmt.Fprintf(stderr, "replicas: %d in this process, %d windows of each batch of %d and %d threads apiece; replica 0 writes\n",
			n, t.Opts.Batch/n, t.Opts.Batch, asm.Width())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := newProgressBar(stderr, plan.Steps)
	err = train.OnEach(len(trs), func(r int) error {
		if r == 0 {
			return t.Run(ctx, plan, bar.update)
		}
		p := plan
		p.Out = ""
		return trs[r].Run(ctx, p, func(cpc.Metrics) error { return nil })
	})
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
		if g.Size() > 1 || len(trs) > 1 {
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

// checkReplicas refuses a --replicas count that cannot work: fewer than
// one, or more than one beside --distributed (a process is one rank).
func checkReplicas(local int, distributed string) error {
	if local < 1 || local > 1 && distributed != "" {
		return usageError{fmt.Errorf("--replicas %d: want at least 1, and 1 with --distributed", local)}
	}
	return nil
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
	group        dist.Group // this process's
	local        int        // replicas in this process
	resume, init string
	model        *cpc.Model[float32] // the initial weights of a new run
	opts         train.Options       // a new run's options
}

// start works out the run's settings, loads the corpus (on a resume
// without --data, the saved run's: src becomes it) and returns the
// trainers of this process's replicas; a usage error for settings that
// cannot work.
func (s *runSetup) start(fl *flag.FlagSet, preset string, archFlags map[string]func(*cpc.Arch), optionFlags map[string]func(*train.Options) error,
	src *corpusSource, log io.Writer) ([]*train.Trainer, *data.Corpus, string, error) {
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
	trs, err := s.trainers(corpus)
	if errors.Is(err, train.ErrOptions) || errors.Is(err, cpc.ErrArch) {
		err = usageError{err}
	}
	return trs, corpus, where, err
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

// trainers starts the run on corpus c: this process's replica of its
// group, or the replicas of a group of s.local in this process, each with
// weights of its own (NewReplica gives them replica 0's).
func (s *runSetup) trainers(c *data.Corpus) ([]*train.Trainer, error) {
	start := func(g dist.Group) (*train.Trainer, error) {
		if s.resume != "" {
			return train.ResumeReplica(g, s.resume, c)
		}
		m := s.model
		if s.local > 1 && g.Rank() > 0 {
			var err error
			if m, err = train.NewModel(m.Arch, s.opts.Seed); err != nil {
				return nil, err
			}
		}
		return train.NewReplica(g, m, s.opts, c)
	}
	if s.local == 1 {
		t, err := start(s.group)
		return []*train.Trainer{t}, err
	}
	return train.StartLocal(s.local, start)
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
