package main

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/train"
)

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
