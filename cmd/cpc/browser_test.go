//go:build browser

// The demo page end to end, in headless Chromium: make test-browser.

package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/sample"
	"github.com/gocpc/cpc/core/train"
)

// chromium returns Debian's chromium, or skips the test; under CI a
// missing browser is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is required (make deps): %v", err)
		}
		t.Skipf("chromium not installed (make deps installs it): %v", err)
	}
	return path
}

// buildWasm builds the page's modules with make wasm, the command the
// README gives before cpc serve, into a directory that does not exist yet,
// as www/build/ does not in a fresh clone: once for the tests of a run,
// in TestMain's directory, which goes with the run.
func buildWasm(t *testing.T) string {
	t.Helper()
	wasmBuild.Do(func() {
		wasmBuild.dir = filepath.Join(os.Getenv("XDG_CACHE_HOME"), "wasm-build")
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			wasmBuild.err = err
			return
		}
		cmd := exec.Command("make", "--no-print-directory", "-C", root, "wasm", "WASMDIR="+wasmBuild.dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			wasmBuild.err = fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
		}
	})
	if wasmBuild.err != nil {
		t.Fatal(wasmBuild.err)
	}
	return wasmBuild.dir
}

var wasmBuild struct {
	sync.Once
	dir string
	err error
}

// pretrained returns a checkpoint of the small model after 80 native steps
// at the paper's window and batch with lr 1e-3, as TestTrainEmbedAndPyTorch
// trains. From scratch this encoder's loss sits at log N for tens of steps
// (longer with the small windows the browser can afford); past that
// plateau, 30 browser steps show the loss fall.
func pretrained(t *testing.T, dir string) string {
	t.Helper()
	c, err := data.Scan(sample.FS, nil)
	if err == nil {
		err = c.Load(sample.FS)
	}
	if err != nil {
		t.Fatal(err)
	}
	arch, _ := cpc.Preset("small")
	opts := train.Defaults()
	opts.LR = 1e-3
	m, err := train.NewModel(arch, opts.Seed)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(m, opts, c)
	if err != nil {
		t.Fatal(err)
	}
	for range 80 {
		if _, err := tr.TrainBatch(); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "pretrained.safetensors")
	if err := tr.Model.Save(p, tr.ModelMeta()); err != nil {
		t.Fatal(err)
	}
	return p
}

type page struct {
	t   *testing.T
	ctx context.Context
}

// eval runs a script, awaiting the promise it may return.
func eval[T any](p page, script string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %v", script, err)
	}
	return v
}

func (p page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

type status struct {
	Workers     int
	Transport   string
	State       string
	Step        int
	Loss        float64
	Accuracy    float64
	StepsPerSec float64
	Kernel      string
}

// TestBrowser loads the page, which runs the relaxed-SIMD kernels where
// Chromium validates relaxed SIMD and the SIMD128 ones elsewhere, and
// trains on the sample with two workers sharing memory; checks that two
// workers train as one with their whole batch; continues a natively
// trained checkpoint on two workers, exports it and checks that native
// code embeds a file as the page does with it (to 1e-4: the relaxed
// kernels may fuse multiply-adds that native code rounds otherwise);
// pauses and resumes, and stops a worker mid-run; trains with workers
// that exchange messages;
// then it checks that ?kernel=simd128 and ?kernel=generic load those
// modules.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	start := time.Now()
	h, err := pageHandler(filepath.Join("..", "..", "www"), buildWasm(t))
	if err != nil {
		t.Fatal(err)
	}
	held := holdSample(h)
	srv := httptest.NewServer(held)
	t.Cleanup(srv.Close)
	t.Cleanup(held.release) // before Close, which waits for the held requests; after Chromium's end (openPage)
	checkpoint := pretrained(t, dir)
	t.Logf("wasm build and native pretraining: %v", time.Since(start).Round(time.Second))

	p := openPage(t, exe, dir)
	p.do(chromedp.Navigate(srv.URL))
	eval[any](p, `cpcDemo.ready()`)
	// The module of one f32x4.relaxed_madd that www/worker.js validates.
	best := "simd128"
	if eval[bool](p, `WebAssembly.validate(Uint8Array.from(atob('AGFzbQEAAAABBgFgAXsBewMCAQAKDQELACAAIAAgAP2FAgs='), c => c.charCodeAt(0)))`) {
		best = "relaxed"
	}
	t.Logf("Chromium's best kernel path: %s", best)
	if s := eval[status](p, `cpcDemo.status()`); s.State != "idle" || s.Kernel != best {
		t.Fatalf("after start-up: %+v, want kernel %q", s, best)
	}
	start = time.Now()
	loadSample(p, held.release)
	if rows := eval[int](p, `document.querySelectorAll('#utterances tbody tr').length`); rows != 180 {
		t.Fatalf("the list shows %d utterances", rows)
	}
	t.Logf("loading the sample: %v", time.Since(start).Round(time.Second))

	// The settings a person would pick for a quick run in a browser, on
	// two workers (whatever the machine's cores), which share memory: the
	// page is cross-origin isolated.
	p.do(chromedp.SetValue("#window", "4096"), chromedp.SetValue("#batch", "4"), chromedp.SetValue("#lr", "0.001"),
		chromedp.SetValue("#workers", "2"))
	if !eval[bool](p, `crossOriginIsolated`) {
		t.Error("the page is not cross-origin isolated")
	}
	start = time.Now()
	if s := eval[status](p, `cpcDemo.train(1)`); s.Step != 1 || s.State != "idle" || !(s.Loss > 0) || !(s.StepsPerSec > 0) || s.Workers != 2 || s.Transport != "shared" {
		t.Fatalf("after a step from scratch: %+v", s)
	}
	if text := eval[string](p, `document.querySelector('.engine').textContent`); !strings.Contains(text, "workers: 2 (shared memory)") {
		t.Errorf("the page says %q", text)
	}
	t.Logf("two workers started, a step from scratch, and the embedding plot: %v", time.Since(start).Round(100*time.Millisecond))

	badFiles(p, dir)

	// Two workers with two windows each train as one with the four: 20
	// steps of the checkpoint on each (at the paper's rate), weights
	// within 1e-5.
	start = time.Now()
	p.do(chromedp.SetValue("#lr", "0.0002"))
	var weights [][]byte
	for _, workers := range []int{1, 2} {
		p.do(chromedp.SetValue("#workers", fmt.Sprint(workers)))
		importCheckpoint(p, checkpoint)
		if s := eval[status](p, `cpcDemo.train(20)`); s.Step != 100 || s.Workers != workers {
			t.Fatalf("20 steps on %d workers: %+v", workers, s)
		}
		weights = append(weights, exportCheckpoint(p))
	}
	worst := maxDifference(t, weights[0], weights[1])
	t.Logf("20 steps on 1 and on 2 workers (%v): weights within %g", time.Since(start).Round(time.Second), worst)
	if worst > 1e-5 {
		t.Errorf("after 20 steps, the weights of 2 workers differ from one worker's by %g", worst)
	}

	// Continue the checkpoint on two workers, as a person imports one.
	p.do(chromedp.SetValue("#lr", "0.001"))
	importCheckpoint(p, checkpoint)
	start = time.Now()
	if s := eval[status](p, `cpcDemo.train(30)`); s.Step != 110 || s.Workers != 2 {
		t.Fatalf("after 30 more steps: %+v", s)
	}
	t.Logf("30 steps on 2 workers and the plot: %v", time.Since(start).Round(time.Second))
	losses := eval[[]float64](p, `cpcDemo.history().map(h => h.loss)`)
	if len(losses) != 30 {
		t.Fatalf("%d steps in the history, want 30", len(losses))
	}
	first, last := mean(losses[:10]), mean(losses[20:])
	t.Logf("loss: %.4f over the first 10 steps, %.4f over the last 10", first, last)
	if !(last < first-0.03) {
		t.Errorf("the loss did not fall: %.4f over the first 10 steps, %.4f over the last 10", first, last)
	}
	if n := eval[int](p, `document.querySelectorAll('#legend span').length`); n != 12 {
		t.Errorf("the embedding plot shows %d speakers, want 12", n)
	}

	compareEmbeddings(p, dir, "100/1/100-1-0000.flac")
	pauseAndWorkerStops(p)

	// Without shared memory (as on a page that is not cross-origin
	// isolated) the workers exchange messages.
	p.do(chromedp.Navigate(srv.URL + "/?transport=messages&workers=2"))
	eval[any](p, `cpcDemo.ready()`)
	eval[int](p, `cpcDemo.loadSample()`)
	p.do(chromedp.SetValue("#window", "4096"), chromedp.SetValue("#batch", "4"))
	if s := eval[status](p, `cpcDemo.train(2)`); s.Step != 2 || s.Workers != 2 || s.Transport != "messages" {
		t.Fatalf("two steps over messages: %+v", s)
	}

	for _, kernel := range []string{"simd128", "generic"} {
		p.do(chromedp.Navigate(srv.URL + "/?kernel=" + kernel))
		eval[any](p, `cpcDemo.ready()`)
		if s := eval[status](p, `cpcDemo.status()`); s.State != "idle" || s.Kernel != kernel {
			t.Fatalf("with ?kernel=%s: %+v", kernel, s)
		}
	}
}

// openPage starts headless Chromium, with its profile in dir, for the
// rest of the test: the console's errors fail the test, and with
// CPC_SCREENSHOT=FILE a screenshot of the page is written there at the
// end.
func openPage(t *testing.T, exe, dir string) page {
	t.Helper()
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")), chromedp.WindowSize(1400, 1000))
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 8*time.Minute)
	t.Cleanup(cancel)

	var mu sync.Mutex
	var console []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				console = append(console, m.String())
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if len(console) > 0 {
			t.Errorf("console errors:\n%s", strings.Join(console, "\n"))
		}
		if shot := os.Getenv("CPC_SCREENSHOT"); shot != "" {
			if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				os.WriteFile(shot, png, 0o644)
			}
		}
	})
	return page{t, ctx}
}

// importCheckpoint imports the checkpoint file as a person does, and waits
// for the page to show it.
func importCheckpoint(p page, file string) {
	p.t.Helper()
	p.do(chromedp.SetUploadFiles("#import-file", []string{file}))
	eval[bool](p, `new Promise(ok => { const t = setInterval(() => {
		if (cpcDemo.status().step === 80 && cpcDemo.status().state === 'idle' && cpcDemo.history().length === 0) {
			clearInterval(t); ok(true);
		} }, 50); })`)
}

// pauseAndWorkerStops pauses and resumes training on two workers with
// the Start button; then stops worker 2 of 2 while it trains, as a fatal
// error in its program would: the page says so, training stops with the
// model as of its last step, and the next start trains on with fresh
// workers.
func pauseAndWorkerStops(p page) {
	p.t.Helper()
	stepAtLeast := func(n int) {
		p.t.Helper()
		eval[bool](p, fmt.Sprintf(`new Promise(ok => { const t = setInterval(() => {
			if (cpcDemo.status().step >= %d) { clearInterval(t); ok(true); } }, 20); })`, n))
	}
	p.do(chromedp.SetValue("#steps", "200"), chromedp.Click("#start"))
	stepAtLeast(112)
	p.do(chromedp.Click("#start")) // Pause
	paused := eval[status](p, `new Promise(ok => { const t = setInterval(() => {
		if (cpcDemo.status().state === 'paused') { clearInterval(t); ok(cpcDemo.status()); } }, 20); })`)
	if later := eval[status](p, `new Promise(ok => setTimeout(() => ok(cpcDemo.status()), 500))`); later.Step != paused.Step || paused.Workers != 2 {
		p.t.Fatalf("paused at %+v, then %+v", paused, later)
	}
	p.do(chromedp.Click("#start")) // Resume
	stepAtLeast(paused.Step + 2)
	eval[any](p, `cpcDemo.debug.stopWorker(2)`)
	msg := eval[string](p, `new Promise(ok => { const t = setInterval(() => {
		const e = document.querySelector('#errors div span');
		if (e) { clearInterval(t); ok(e.textContent); } }, 20); })`)
	s := eval[status](p, `cpcDemo.status()`)
	// Paused, as after any error in a resumed run: Resume trains the rest.
	if !strings.Contains(msg, "worker 2 of 2 stopped (stopped for a test)") || s.State != "paused" || s.Workers != 1 ||
		!strings.Contains(msg, fmt.Sprintf("kept as of step %d;", s.Step)) {
		p.t.Fatalf("worker 2 stopped: the page shows %q, status %+v", msg, s)
	}
	p.do(chromedp.Click("#errors button"))
	if again := eval[status](p, `cpcDemo.train(2)`); again.Step != s.Step+2 || again.Workers != 2 {
		p.t.Fatalf("training on after worker 2 stopped at step %d: %+v", s.Step, again)
	}
}

// exportCheckpoint returns the page's exported model.safetensors.
func exportCheckpoint(p page) []byte {
	p.t.Helper()
	return exportBytes(p, `cpcDemo.exportCheckpoint()`)
}

// exportBytes returns the bytes of the Uint8Array that script resolves to.
func exportBytes(p page, script string) []byte {
	p.t.Helper()
	b64 := eval[string](p, script+`.then(b => {
		let s = '';
		for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
		return btoa(s); })`)
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// maxDifference is the largest difference between the weights of two
// checkpoints.
func maxDifference(t *testing.T, a, b []byte) float64 {
	t.Helper()
	ma, _, err := cpc.Decode(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, _, err := cpc.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, p := range ma.Params() {
		for j, w := range p.W {
			worst = max(worst, math.Abs(float64(w-mb.Params()[i].W[j])))
		}
	}
	return worst
}

// sampleHeld is how many files of the sample are served before the rest
// are held back.
const sampleHeld = 8

// heldSample serves the page, holding back the sample's files after the
// first sampleHeld until release is called, so that the test sees the page
// part-way through loading the sample.
type heldSample struct {
	http.Handler
	release func()
}

func holdSample(h http.Handler) heldSample {
	gate := make(chan struct{})
	var served atomic.Int32
	return heldSample{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/sample/") && strings.HasSuffix(r.URL.Path, ".flac") && served.Add(1) > sampleHeld {
				select {
				case <-gate:
				case <-r.Context().Done():
					return
				}
			}
			h.ServeHTTP(w, r)
		}),
		release: sync.OnceFunc(func() { close(gate) }),
	}
}

// loadSample loads the sample as the button does. While part of it is in,
// Start is disabled and training is refused, lest it begin on part of the
// audio; once all of it is in, Start is enabled.
func loadSample(p page, release func()) {
	p.t.Helper()
	eval[int](p, `(window.sampleLoad = cpcDemo.loadSample(), 0)`)
	type during struct {
		Rows          int
		StartDisabled bool
		State, Train  string
	}
	got := eval[during](p, fmt.Sprintf(`new Promise(ok => { const t = setInterval(() => {
		const rows = document.querySelectorAll('#utterances tbody tr').length;
		if (rows < %d) return;
		clearInterval(t);
		const startDisabled = document.getElementById('start').disabled, state = cpcDemo.status().state;
		cpcDemo.train(1).then(() => 'trained', e => e.message).then(train => ok({rows, startDisabled, state, train}));
	}, 20); })`, sampleHeld))
	if !got.StartDisabled || got.State != "loading" || !strings.Contains(got.Train, "still loading") {
		p.t.Fatalf("with %d utterances of the sample in: Start disabled %v, state %q, training: %q", got.Rows, got.StartDisabled, got.State, got.Train)
	}
	release()
	if n := eval[int](p, `window.sampleLoad`); n != 180 {
		p.t.Fatalf("the sample has %d utterances, want 180", n)
	}
	if disabled := eval[bool](p, `document.getElementById('start').disabled`); disabled {
		p.t.Fatal("Start is disabled after the sample loaded")
	}
}

// badFiles adds files that cannot be used: the page says why, and the
// session goes on.
func badFiles(p page, dir string) {
	p.t.Helper()
	junk := filepath.Join(dir, "notes.wav")
	short := filepath.Join(dir, "click.wav")
	if err := os.WriteFile(junk, []byte("these are not samples"), 0o644); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(short, audio.EncodeWAV16(make([]float32, 100), 16000), 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.do(chromedp.SetUploadFiles("#add-files", []string{junk, short}))
	errs := eval[[]string](p, `new Promise(ok => { const t = setInterval(() => {
		const e = [...document.querySelectorAll('#errors div span')].map(s => s.textContent);
		if (e.length >= 2) { clearInterval(t); ok(e); } }, 50); })`)
	if !strings.Contains(errs[0], "notes.wav") || !strings.Contains(errs[0], "cannot decode") ||
		!strings.Contains(errs[1], "click") || !strings.Contains(errs[1], "too short") {
		p.t.Errorf("errors shown: %q", errs)
	}
	p.do(chromedp.Click("#errors button"), chromedp.Click("#errors button"))
}

// compareEmbeddings exports the checkpoint from the page and checks that
// cpc embed gives the c_t the page computes for the same file.
func compareEmbeddings(p page, dir, file string) {
	p.t.Helper()
	b := exportCheckpoint(p)
	model := filepath.Join(dir, "model.safetensors")
	if err := os.WriteFile(model, b, 0o644); err != nil {
		p.t.Fatal(err)
	}
	if _, meta, err := cpc.Load(model); err != nil || meta["step"] != "110" {
		p.t.Fatalf("the exported checkpoint: step %q, %v", meta["step"], err)
	}
	flac, err := fs.ReadFile(sample.FS, file)
	if err != nil {
		p.t.Fatal(err)
	}
	local := filepath.Join(dir, filepath.Base(file))
	if err := os.WriteFile(local, flac, 0o644); err != nil {
		p.t.Fatal(err)
	}
	npy := filepath.Join(dir, "native.npy")
	if code, stderr := cli("embed", "--model", model, "--out", npy, local); code != 0 {
		p.t.Fatalf("cpc embed exited %d: %s", code, stderr)
	}
	shape, native := readNpy(p.t, npy)

	type embedding struct {
		Frames, Dim int
		Data        []float32
	}
	web := eval[embedding](p, fmt.Sprintf(`cpcDemo.embed(%q)`, file))
	if len(shape) != 2 || shape[0] != web.Frames || shape[1] != web.Dim || len(web.Data) != len(native) {
		p.t.Fatalf("native shape %v, the page's %d×%d", shape, web.Frames, web.Dim)
	}
	worst := 0.0
	for i := range native {
		worst = max(worst, math.Abs(float64(native[i]-web.Data[i])))
	}
	if worst > 1e-4 {
		p.t.Errorf("c_t from the page and from cpc embed differ by up to %g", worst)
	}
}
