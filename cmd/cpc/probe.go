package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/probe"
	"github.com/gocpc/cpc/core/train"
)

const probeSpecs = `SPEC is one of
  PATH[:c|:z]          a checkpoint (a model.safetensors file or a training directory);
                       c: the GRU context c_t (default), z: the encoder output z_t
  mfcc                 13 MFCCs + deltas + delta-deltas (39 dims)
  random:CONFIG[:c|:z] a freshly initialised model of preset CONFIG (see cpc train --config),
                       the one 'cpc train --config CONFIG --seed S' starts from (S: --seed)
  SPEC+D               any of these read D frames later: frame t's label gets frame t+D's
                       features (run:c+4: c_t then sees 49 ms past the labelled span, as far
                       as MFCC's deltas see, 45 ms; c_t itself sees 9 ms)
Several --features (or one comma-separated list) give one row each.`

func runProbe(args []string, stderr io.Writer) error {
	fl := newFlags("probe", "--features SPEC[,SPEC…] [flags]\n\n"+probeSpecs, stderr)
	dataDir := fl.String("data", "", "corpus in LibriSpeech layout (default: the bundled sample, with its phones.txt, train.txt and test.txt)")
	cacheDir := fl.String("cache", "", "corpus cache of --data, as cpc train's: utterances read one at a time, so memory holds features, not audio ('none': decode into memory)")
	phones := fl.String("phones", "", "frame labels in CPC_audio's format, '<utterance-id> <label>…', one label per 160 samples (a path, or a name inside the corpus)")
	trainSplit := fl.String("train-split", "", "utterance ids to fit the classifiers on (a path, or a name inside the corpus)")
	testSplit := fl.String("test-split", "", "utterance ids to report accuracy on (a path, or a name inside the corpus)")
	var specs []string
	fl.Func("features", "features to probe: SPEC[,SPEC…], repeatable (see above)", func(s string) error {
		specs = append(specs, strings.Split(s, ",")...)
		return nil
	})
	seed := fl.Uint64("seed", 1, "seed of random:CONFIG models and of the --max-train-frames sample")
	l2Flag := fl.String("l2", "1e-4", "L2 weight of the logistic regressions (on standardised features; positive), or auto: chosen per classifier by cross-validation on the train split")
	maxIter := fl.Int("max-iterations", 2000, "L-BFGS iteration limit per classifier")
	maxFrames := fl.Int("max-train-frames", 0, "fit on a uniform sample of this many train frames (0: all)")
	asJSON := fl.Bool("json", false, "print JSON instead of a Markdown table")
	threads := fl.Int("threads", runtime.NumCPU(), "threads for features and the numeric kernels")
	if err := parse(fl, args); err != nil {
		return err
	}
	switch {
	case fl.NArg() > 0:
		return usageError{fmt.Errorf("unexpected argument %q", fl.Arg(0))}
	case len(specs) == 0:
		return usageError{fmt.Errorf("no --features given")}
	case *threads < 1:
		return usageError{fmt.Errorf("--threads must be at least 1 (got %d)", *threads)}
	case *maxIter < 1 || *maxFrames < 0:
		return usageError{fmt.Errorf("--max-iterations must be positive, --max-train-frames not negative")}
	}
	l2, grid, err := parseL2(*l2Flag)
	if err != nil {
		return usageError{err}
	}
	if *dataDir == "" {
		*phones, *trainSplit, *testSplit = orDefault(*phones, "phones.txt"), orDefault(*trainSplit, "train.txt"), orDefault(*testSplit, "test.txt")
	} else if *phones == "" || *trainSplit == "" || *testSplit == "" {
		return usageError{fmt.Errorf("with --data, --phones, --train-split and --test-split are required")}
	}
	runtime.GOMAXPROCS(*threads)

	var feats []probe.Features
	for _, s := range specs {
		f, err := probeFeatures(s, *seed)
		if err != nil {
			return err
		}
		feats = append(feats, f)
	}
	ds, where, err := loadProbeData(corpusSource{dir: *dataDir, cache: *cacheDir}, *phones, *trainSplit, *testSplit)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "corpus: %s: %d train and %d test utterances, %d speakers, %d phone classes\n",
		where, len(ds.Train), len(ds.Test), len(ds.Speakers), ds.Labels.Classes)
	opts := probe.Options{Fit: probe.FitOptions{L2: l2, MaxIterations: *maxIter}, L2Grid: grid, MaxTrainFrames: *maxFrames, Seed: *seed}
	var results []probe.Result
	for _, f := range feats {
		start := time.Now()
		r, err := probe.Run(ds, f, opts)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s: %d dims, %d train frames, %.1fs; L-BFGS: phone %s, speaker %s\n",
			f.Name, r.Dim, r.TrainFrames, time.Since(start).Seconds(), r.PhoneFit, r.SpeakerFit)
		results = append(results, r)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"corpus": where, "train_utterances": len(ds.Train), "test_utterances": len(ds.Test),
			"speakers": len(ds.Speakers), "phone_classes": ds.Labels.Classes, "results": results})
	}
	fmt.Println("| features | dim | phone % (frame) | speaker % (utterance) | speaker % (frame) |")
	fmt.Println("|---|--:|--:|--:|--:|")
	for _, r := range results {
		fmt.Printf("| %s | %d | %.1f | %.1f | %.1f |\n", r.Features, r.Dim, 100*r.Phone, 100*r.SpeakerUtterance, 100*r.SpeakerFrame)
	}
	return nil
}

// parseL2 reads --l2: a positive strength, or auto for probe.L2Grid.
func parseL2(s string) (float64, []float64, error) {
	if s == "auto" {
		return 0, probe.L2Grid, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	// Without L2 separable classes have no minimum to converge to.
	if err != nil || !(v > 0) || math.IsInf(v, 1) {
		return 0, nil, fmt.Errorf("--l2 %q: want a positive number or auto", s)
	}
	return v, nil, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// probeFeatures parses one SPEC (see probeSpecs).
func probeFeatures(spec string, seed uint64) (probe.Features, error) {
	if i := strings.LastIndexByte(spec, '+'); i >= 0 {
		if d, err := strconv.Atoi(spec[i+1:]); err == nil && d >= 0 && strings.Trim(spec[i+1:], "0123456789") == "" {
			f, err := causalFeatures(spec[:i], seed)
			f.Name = spec
			return probe.Ahead(f, d), err
		}
	}
	f, err := causalFeatures(spec, seed)
	f.Name = spec
	return f, err
}

// causalFeatures parses a SPEC without its +D.
func causalFeatures(spec string, seed uint64) (probe.Features, error) {
	if spec == "mfcc" {
		return probe.MFCC(), nil
	}
	path, layer := spec, "c"
	if i := strings.LastIndexByte(spec, ':'); i >= 0 && (spec[i+1:] == "c" || spec[i+1:] == "z") {
		path, layer = spec[:i], spec[i+1:]
	}
	if name, ok := strings.CutPrefix(path, "random:"); ok {
		cfg, err := cpc.Preset(name)
		if err != nil {
			return probe.Features{}, usageError{fmt.Errorf("--features %s: %w", spec, err)}
		}
		// The trainer's own initialisation, so that the row is the very
		// model a run with this seed starts from.
		m, err := train.NewModel(cfg, seed)
		if err != nil {
			return probe.Features{}, err
		}
		return probe.ModelFeatures(spec, m, layer)
	}
	if path == "" {
		return probe.Features{}, usageError{fmt.Errorf("--features: empty SPEC")}
	}
	m, _, err := cpc.Load(path)
	if err != nil {
		return probe.Features{}, fmt.Errorf("--features %s: %w", spec, err)
	}
	return probe.ModelFeatures(spec, m, layer)
}

// loadProbeData reads the labels and splits, checks them against the
// corpus and decodes the utterances of both splits: into memory, or into
// the corpus cache, from which they are read one at a time.
func loadProbeData(src corpusSource, phones, trainSplit, testSplit string) (*probe.Dataset, string, error) {
	fsys, where, err := openCorpus(src.dir)
	if err != nil {
		return nil, "", err
	}
	lfs, lname := dataFile(fsys, phones)
	f, err := lfs.Open(lname)
	if err != nil {
		return nil, "", fmt.Errorf("phones: %w", err)
	}
	labels, err := probe.ReadLabels(f, phones)
	f.Close()
	if err != nil {
		return nil, "", err
	}
	var splits []probe.Split
	for _, name := range []string{trainSplit, testSplit} {
		ids, err := readSplit(fsys, name)
		if err != nil {
			return nil, "", err
		}
		splits = append(splits, probe.Split{Name: name, IDs: ids})
	}
	c, err := data.Scan(fsys, nil)
	if err != nil {
		return nil, "", fmt.Errorf("corpus %s: %w", where, err)
	}
	ds, err := probe.NewDataset(c, labels, splits[0], splits[1])
	if err != nil {
		return nil, "", err
	}
	dir, cached, err := src.cacheDir()
	if err == nil && cached {
		err = ds.Cache(fsys, dir)
	} else if err == nil {
		err = ds.Load(fsys)
	}
	if err != nil {
		return nil, "", fmt.Errorf("corpus %s: %w", where, err)
	}
	return ds, where, nil
}
