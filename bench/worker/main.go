//go:build unix

// Command worker times the Workers endpoint in workerd on loopback beside
// native embedding of the same audio, in one run (make bench-worker, after
// make build worker): 1 s and 10 s of the bundled sample as 16-bit WAV,
// the first request after workerd starts (cold: the Go program starts and
// decodes the model) apart from the warm ones, p50/p99 latency and
// requests/s, the same with a Go program per request (syumai/workers' own
// way), and the bundle's size. Native figures: cpc.Embed in this process
// on one thread (a Worker has one), and the bin/cpc embed command whole.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/klauspost/cpuid/v2"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/sample"
	"github.com/gocpc/cpc/wasm/worker/workerd"
)

var (
	warm1  = flag.Int("n1", 200, "warm requests of 1 s of audio")
	warm10 = flag.Int("n10", 40, "warm requests of 10 s of audio")
	conc   = flag.Int("concurrency", 8, "requests in flight for the throughput figure")
	cpcBin = flag.String("cpc", "bin/cpc", "the cpc binary, for the native command's figure")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench worker:", err)
		os.Exit(1)
	}
}

// clip is one input: its name and WAV bytes.
type clip struct {
	name string
	x    []float32
	wav  []byte
}

func run() error {
	root, err := workerd.Root()
	if err != nil {
		return err
	}
	build := filepath.Join(root, "wasm", "worker", "build")
	clips, err := sampleClips(1, 10)
	if err != nil {
		return err
	}
	fmt.Printf("machine: %s, %d cores; Go %s; native kernels %s\n\n", cpuid.CPU.BrandName, runtime.NumCPU(), runtime.Version(), asm.Path())
	if err := bundle(build); err != nil {
		return err
	}

	fmt.Println("\n| where | audio | requests | p50 ms | p99 ms | requests/s |")
	fmt.Println("|---|---|---|---|---|---|")
	if err := native(filepath.Join(build, "model.safetensors"), clips); err != nil {
		return err
	}
	if err := nativeCommand(filepath.Join(build, "model.safetensors"), clips); err != nil {
		return err
	}
	if err := served(root, clips, false); err != nil {
		return err
	}
	if err := served(root, clips, true); err != nil {
		return err
	}
	fmt.Printf("\nmemory: %s\n", memory)
	return nil
}

// sampleClips joins the bundled sample's utterances, in order, and cuts
// the first secs[i] seconds of them.
func sampleClips(secs ...int) ([]clip, error) {
	longest := slices.Max(secs) * audio.SampleRate
	var x []float32
	for s := 100; len(x) < longest; s++ {
		for n := 0; n < 15 && len(x) < longest; n++ {
			u, err := audio.ReadFS(sample.FS, fmt.Sprintf("%d/1/%d-1-%04d.flac", s, s, n))
			if err != nil {
				return nil, err
			}
			x = append(x, u...)
		}
	}
	var out []clip
	for _, s := range secs {
		c := x[:s*audio.SampleRate]
		out = append(out, clip{fmt.Sprintf("%d s", s), c, audio.EncodeWAV16(c, audio.SampleRate)})
	}
	return out, nil
}

func bundle(dir string) error {
	fmt.Println("| bundle module | raw bytes | gzip bytes |")
	fmt.Println("|---|---|---|")
	var raw, gz int
	for _, f := range []string{"worker.mjs", "wasm_exec.js", "cpc.wasm", "model.safetensors", "model-source.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return fmt.Errorf("%w (make worker builds the bundle)", err)
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(b)
		w.Close()
		raw, gz = raw+len(b), gz+z.Len()
		fmt.Printf("| %s | %d | %d |\n", f, len(b), z.Len())
	}
	fmt.Printf("| total | %d (%.2f MB) | %d (%.2f MB; Free plan 3 MB, Paid 10 MB) |\n", raw, float64(raw)/1e6, gz, float64(gz)/1e6)
	return nil
}

// row prints one table row of latencies (sorted in place).
func row(where, what string, ms []float64, perSec float64) {
	slices.Sort(ms)
	q := func(p float64) float64 { return ms[min(len(ms)-1, int(p*float64(len(ms))))] }
	rate := "–"
	if perSec > 0 {
		rate = fmt.Sprintf("%.1f", perSec)
	}
	fmt.Printf("| %s | %s | %d | %.1f | %.1f | %s |\n", where, what, len(ms), q(0.5), q(0.99), rate)
}

func native(model string, clips []clip) error {
	m, _, err := cpc.Load(model)
	if err != nil {
		return err
	}
	procs := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(procs)
	for i, c := range clips {
		n := []int{*warm1, *warm10}[min(i, 1)]
		var ms []float64
		for j := range n + 3 {
			t := time.Now()
			if _, err := cpc.Embed(m, c.x, cpc.Context); err != nil {
				return err
			}
			if j >= 3 { // three to warm up
				ms = append(ms, since(t))
			}
		}
		row("native cpc.Embed, 1 thread", c.name, ms, 0)
	}
	return nil
}

func nativeCommand(model string, clips []clip) error {
	dir, err := os.MkdirTemp("", "bench-worker")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, c := range clips {
		in := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "")+".wav")
		if err := os.WriteFile(in, c.wav, 0o644); err != nil {
			return err
		}
		var ms []float64
		for range 20 {
			t := time.Now()
			if out, err := exec.Command(*cpcBin, "embed", "--model", model, "--out", filepath.Join(dir, "out.npy"), in).CombinedOutput(); err != nil {
				return fmt.Errorf("%s embed: %v\n%s", *cpcBin, err, out)
			}
			ms = append(ms, since(t))
		}
		row("native `cpc embed` command (process, load, embed, write)", c.name, ms, 0)
	}
	return nil
}

// served times the Worker in workerd: the cold first request, then warm
// ones one at a time, then concurrency at once for requests/s.
func served(root string, clips []clip, perRequest bool) error {
	var env []string
	where := "workerd, one Go program per isolate"
	if perRequest {
		env, where = []string{"CPC_INSTANCE_PER_REQUEST=1"}, "workerd, a Go program per request (syumai's way)"
	}
	log := filepath.Join(os.TempDir(), "bench-worker-workerd.log")
	s, err := workerd.Start(root, log, env...)
	if err != nil {
		return err
	}
	defer s.Close()
	t := time.Now()
	if err := embed(s.URL, clips[0].wav); err != nil {
		return err
	}
	fmt.Printf("| %s | %s, first request (cold) | 1 | %.1f | – | – |\n", where, clips[0].name, since(t))
	for i, c := range clips {
		n := []int{*warm1, *warm10}[min(i, 1)]
		if perRequest {
			n = max(n/4, 10)
		}
		var ms []float64
		for i := range n {
			t := time.Now()
			if err := embed(s.URL, c.wav); err != nil {
				alive := syscall.Kill(s.Pid(), 0) == nil
				return fmt.Errorf("%s, %s, request %d: %w (workerd running: %v; its log: %s)", where, c.name, i, err, alive, log)
			}
			ms = append(ms, since(t))
		}
		var mu sync.Mutex
		var all []float64
		var firstErr error
		sem := make(chan struct{}, *conc)
		var wg sync.WaitGroup
		start := time.Now()
		for range n {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				t := time.Now()
				err := embed(s.URL, c.wav)
				mu.Lock()
				defer mu.Unlock()
				all = append(all, since(t))
				if err != nil && firstErr == nil {
					firstErr = err
				}
			})
		}
		wg.Wait()
		if firstErr != nil {
			return fmt.Errorf("%s, %s, %d in flight: %w (workerd's log: %s)", where, c.name, *conc, firstErr, log)
		}
		row(where, c.name+", warm, one at a time", ms, 0)
		row(where, fmt.Sprintf("%s, %d in flight", c.name, *conc), all, float64(n)/time.Since(start).Seconds())
	}
	if perRequest {
		return nil
	}
	var health struct {
		Memory int64 `json:"memory_bytes"`
	}
	resp, err := client.Get(s.URL + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil {
		return err
	}
	rss, err := vmRSS(s.Pid())
	if err != nil {
		return err
	}
	memory = fmt.Sprintf("after these requests, the Go program holds %.1f MB (runtime.MemStats.Sys: its linear memory, which never shrinks); workerd's whole process %s resident", float64(health.Memory)/1e6, rss)
	return nil
}

// memory is what served found about memory, printed after the table.
var memory string

// client opens a connection a request. With keep-alive, a connection left
// idle while workerd's single thread runs other requests (8 requests of
// 10 s of audio queue 2 s of work) can outlive workerd's 5 s limit on idle
// connections by the time workerd reads the request on it, and the request
// is reset.
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func embed(url string, wav []byte) error {
	resp, err := client.Post(url+"/v1/embed", "audio/wav", bytes.NewReader(wav))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
	}
	return err
}

func since(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

func vmRSS(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.TrimSpace(rest), nil
		}
	}
	return "", fmt.Errorf("no VmRSS")
}
