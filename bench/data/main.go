//go:build linux

// Command data is make bench-data: training on a corpus of 100 hours or
// more through the corpus cache, beside the same run on the bundled sample
// in memory. The corpus is the sample's files hard-linked under many
// speaker ids, so it takes no disk space beyond its cache. It prints the
// time to the first step on the first run (which decodes the corpus) and
// on a second (which reads the cache's index), peak RSS, and steps/s.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gocpc/cpc/core/sample"
)

var (
	cpcBin  = flag.String("cpc", "bin/cpc", "the cpc binary to run")
	hours   = flag.Float64("hours", 100, "hours of audio in the corpus")
	preset  = flag.String("config", "paper", "model preset")
	steps   = flag.Int("steps", 20, "training steps of each run")
	threads = flag.Int("threads", runtime.NumCPU(), "threads of each run")
	work    = flag.String("dir", "", "where to build the corpus and its cache (default: a new folder under the system's temporary one, removed at the end)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-data:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := *work
	if dir == "" {
		d, err := os.MkdirTemp("", "bench-data")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	corpus, cache := filepath.Join(dir, "corpus"), filepath.Join(dir, "cache")
	start := time.Now()
	files, secs, err := linkCorpus(corpus, *hours)
	if err != nil {
		return err
	}
	fmt.Printf("corpus: %d files, %.1f h (hard links to the bundled sample's files), built in %s; config %s, %d steps, %d threads\n\n",
		files, secs/3600, time.Since(start).Round(time.Second), *preset, *steps, *threads)
	fmt.Println("| run | corpus | to the first step | steps/s | waiting for data | peak RSS |\n|---|---|--:|--:|--:|--:|")
	var sampleRate, cachedRate []float64
	for _, r := range []struct{ name, what string }{
		{"1: decodes into the cache", "cache"},
		{"2: the bundled sample in memory", "sample"},
		{"3: reads the cache's index", "cache"},
		{"4: the bundled sample in memory", "sample"},
		{"5: reads the cache's index", "cache"},
	} {
		args := []string{"train", "--config", *preset, "--steps", fmt.Sprint(*steps), "--threads", fmt.Sprint(*threads),
			"--save-every", "0", "--out", filepath.Join(dir, "run")}
		if r.what == "cache" {
			args = append(args, "--data", corpus, "--cache", cache)
		}
		os.RemoveAll(filepath.Join(dir, "run"))
		res, err := timeRun(args)
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %s | %.1f s | %.3f | %.2f %% | %d MiB |\n", r.name, map[string]string{"cache": fmt.Sprintf("%.0f h, cached", secs/3600), "sample": "0.10 h, in memory"}[r.what],
			res.firstStep.Seconds(), res.stepsPerSec, res.dataShare, res.maxRSS>>20)
		switch {
		case r.what == "sample":
			sampleRate = append(sampleRate, res.stepsPerSec)
		case !strings.HasPrefix(r.name, "1:"):
			cachedRate = append(cachedRate, res.stepsPerSec)
		}
	}
	for i := range cachedRate {
		fmt.Printf("\nsteps/s reading the cache against the sample in memory, round %d: %.3f", i+1, cachedRate[i]/sampleRate[i])
	}
	fmt.Println()
	return nil
}

// linkCorpus fills dir with copies of the bundled sample, hard-linked
// under new speaker ids, until it holds hours of audio; it returns the
// number of files and seconds.
func linkCorpus(dir string, hours float64) (int, float64, error) {
	src, err := os.MkdirTemp(filepath.Dir(dir), "sample")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(src)
	var names []string
	var perCopy float64
	err = fs.WalkDir(sample.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".flac") {
			return err
		}
		b, err := fs.ReadFile(sample.FS, p)
		if err != nil {
			return err
		}
		names = append(names, p)
		perCopy += flacSeconds(b)
		os.MkdirAll(filepath.Join(src, filepath.Dir(p)), 0o755)
		return os.WriteFile(filepath.Join(src, p), b, 0o644)
	})
	if err != nil {
		return 0, 0, err
	}
	if perCopy == 0 {
		return 0, 0, errors.New("the bundled sample holds no FLAC file")
	}
	copies := int(hours*3600/perCopy) + 1
	for k := range copies {
		for _, p := range names {
			parts := strings.Split(p, "/") // speaker/chapter/speaker-chapter-n.flac
			spk := fmt.Sprintf("%sk%04d", parts[0], k)
			name := spk + strings.TrimPrefix(parts[2], parts[0])
			to := filepath.Join(dir, spk, parts[1], name)
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				return 0, 0, err
			}
			if err := os.Link(filepath.Join(src, p), to); err != nil && !errors.Is(err, fs.ErrExist) {
				return 0, 0, err
			}
		}
	}
	return copies * len(names), float64(copies) * perCopy, nil
}

// flacSeconds reads the duration from a FLAC file's STREAMINFO block.
func flacSeconds(b []byte) float64 {
	if len(b) < 8+34 {
		return 0
	}
	si := b[8:]
	rate := uint64(si[10])<<12 | uint64(si[11])<<4 | uint64(si[12])>>4
	total := uint64(si[13]&0x0f)<<32 | uint64(si[14])<<24 | uint64(si[15])<<16 | uint64(si[16])<<8 | uint64(si[17])
	if rate == 0 {
		return 0
	}
	return float64(total) / float64(rate)
}

type result struct {
	dataShare   float64 // % of the steps' time spent waiting for windows
	firstStep   time.Duration
	stepsPerSec float64
	maxRSS      int64 // bytes
}

// timeRun runs cpc with args and measures it.
func timeRun(args []string) (result, error) {
	var res result
	cmd := exec.Command(*cpcBin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return res, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("%w (make build builds bin/cpc)", err)
	}
	var log strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		if f := strings.Fields(line); res.firstStep == 0 && len(f) > 1 && f[0] == "step" && strings.HasPrefix(f[1], "1/") {
			res.firstStep = time.Since(start)
		}
		fmt.Sscanf(line, "time in steps: %f%% waiting for data", &res.dataShare)
	}
	if err := cmd.Wait(); err != nil {
		return res, fmt.Errorf("cpc %s: %w\n%s", strings.Join(args, " "), err, log.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.maxRSS = ru.Maxrss << 10 // Linux reports KiB
	}
	out := args[len(args)-1]
	for i, a := range args {
		if a == "--out" {
			out = args[i+1]
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	if err != nil {
		return res, err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var last struct {
		StepsPerSec float64 `json:"steps_per_sec"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		return res, err
	}
	res.stepsPerSec = last.StepsPerSec
	return res, nil
}
