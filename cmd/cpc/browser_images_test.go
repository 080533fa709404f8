//go:build browser

package main

import (
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gocpc/cpc/core/imagecpc"
)

type imageStatus struct {
	State       string
	Step        int
	Loss        float64
	StepsPerSec float64
	Digits      struct{ Train, Test int }
	Points      int
}

// TestBrowserImages runs the page's Images mode as a person would: loads
// the bundled digits, trains from scratch on the page's kernels, checks
// that the loss falls and the projection shows every digit, runs the
// linear probe, then exports the model and checks that cpc embed-images
// computes the features the page does (to 1e-4).
func TestBrowserImages(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	start := time.Now()
	build := buildWasm(t)
	h, err := pageHandler(filepath.Join("..", "..", "www"), build)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Logf("wasm build: %v", time.Since(start).Round(time.Second))
	p := openPage(t, exe, dir)

	p.do(chromedp.Navigate(srv.URL))
	eval[any](p, `cpcDemo.ready()`)
	p.do(chromedp.Click("#mode-images"), chromedp.WaitVisible("#load-digits"))
	if !eval[bool](p, `document.getElementById('speech-mode').hidden`) {
		t.Fatal("the Images tab did not hide the speech mode")
	}
	// The button stays disabled until the page's engine has started: a
	// click before then (a slow machine) would be lost.
	p.do(chromedp.WaitEnabled("#load-digits"), chromedp.Click("#load-digits"))
	eval[any](p, `new Promise(ok => { const t = setInterval(() => {
		if (cpcDemo.images.status().digits) { clearInterval(t); ok(true); } }, 20); })`)
	if s := eval[imageStatus](p, `cpcDemo.images.status()`); s.Digits.Train != 6000 || s.Digits.Test != 1000 {
		t.Fatalf("after loading the digits: %+v", s)
	}

	start = time.Now()
	p.do(chromedp.SetValue("#image-batch", "16"), chromedp.SetValue("#image-lr", "0.001"))
	s := eval[imageStatus](p, `cpcDemo.images.train(60)`)
	if s.Step != 60 || s.State != "idle" || !(s.StepsPerSec > 0) || s.Points != 300 {
		t.Fatalf("after 60 steps: %+v", s)
	}
	t.Logf("60 steps and the projection: %v (%.2f steps/s)", time.Since(start).Round(100*time.Millisecond), s.StepsPerSec)
	losses := eval[[]float64](p, `cpcDemo.images.history().map(h => h.loss)`)
	first, last := mean(losses[:10]), mean(losses[50:])
	t.Logf("loss: %.4f over the first 10 steps, %.4f over the last 10", first, last)
	if len(losses) != 60 || !(last < first-0.2) {
		t.Errorf("the loss did not fall: %.4f over the first 10 steps, %.4f over the last 10 (%d steps)", first, last, len(losses))
	}
	if n := eval[int](p, `document.querySelectorAll('#digit-legend span').length`); n != 10 {
		t.Errorf("the projection shows %d digits, want 10", n)
	}

	start = time.Now()
	type row struct {
		Features string
		Accuracy float64
	}
	rows := eval[[]row](p, `cpcDemo.images.probe()`)
	t.Logf("the probe (%v): %+v", time.Since(start).Round(time.Second), rows)
	if len(rows) != 3 || !strings.HasPrefix(rows[0].Features, "CPC") || rows[2].Features != "raw pixels" {
		t.Fatalf("probe rows %+v", rows)
	}
	for _, r := range rows {
		if !(r.Accuracy > 0.5 && r.Accuracy <= 1) {
			t.Errorf("%s: a linear classifier reads %.1f%% of the digits, want most", r.Features, 100*r.Accuracy)
		}
	}
	if n := eval[int](p, `document.querySelectorAll('#probe-table tbody tr').length`); n != 3 {
		t.Errorf("the probe table shows %d rows", n)
	}

	drawOne(p)
	compareImageFeatures(p, dir, filepath.Join(build, "mnist"))
}

// drawOne draws a vertical stroke on the drawing pad with the mouse, as a
// person draws a 1: the raw pixels' classifier must read a 1, the model's
// some digit.
func drawOne(p page) {
	p.t.Helper()
	p.do(chromedp.ScrollIntoView("#draw-pad"))
	type box struct{ X, Y, W float64 }
	b := eval[box](p, `(() => { const r = document.getElementById('draw-pad').getBoundingClientRect();
		return {x: r.left, y: r.top, w: r.width}; })()`)
	x := b.X + b.W/2
	actions := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x, b.Y+0.2*b.W, chromedp.ButtonLeft)}
	for f := 0.25; f <= 0.8; f += 0.05 {
		actions = append(actions, chromedp.MouseEvent(chromedp.MouseMoved, x, b.Y+f*b.W, chromedp.ButtonLeft))
	}
	p.do(append(actions, chromedp.MouseEvent(chromedp.MouseReleased, x, b.Y+0.8*b.W, chromedp.ButtonLeft))...)
	type reading struct {
		Model, Pixels int
		Error         string
	}
	// The reading comes with a render; the text is the next frame's.
	r := eval[reading](p, `new Promise(ok => { const t = setInterval(() => {
		const r = cpcDemo.images.reading();
		if (r) { clearInterval(t); requestAnimationFrame(() => ok(r)); } }, 20); })`)
	text := eval[string](p, `document.getElementById('draw-reading').textContent`)
	p.t.Logf("a drawn 1: %s", text)
	if r.Error != "" || r.Pixels != 1 || r.Model < 0 || r.Model > 9 || !strings.Contains(text, "From the pixels: 1") {
		p.t.Errorf("a drawn 1 read as %+v; the page says %q", r, text)
	}
}

// compareImageFeatures exports the image model from the page and checks
// that cpc embed-images gives the features the page computes for the
// first test digits.
func compareImageFeatures(p page, dir, digits string) {
	p.t.Helper()
	b := exportBytes(p, `cpcDemo.images.exportCheckpoint()`)
	model := filepath.Join(dir, "images.safetensors")
	if err := os.WriteFile(model, b, 0o644); err != nil {
		p.t.Fatal(err)
	}
	if _, meta, err := imagecpc.Load(model); err != nil || meta["step"] != "60" {
		p.t.Fatalf("the exported checkpoint: step %q, %v", meta["step"], err)
	}
	npy := filepath.Join(dir, "digits.npy")
	if code, stderr := cli("embed-images", "--model", model, "--data", digits, "--split", "test", "--n", "20", "--out", npy); code != 0 {
		p.t.Fatalf("cpc embed-images exited %d: %s", code, stderr)
	}
	shape, native := readNpy(p.t, npy)
	web := eval[[]float32](p, `cpcDemo.images.features('test', 20)`)
	if len(shape) != 2 || shape[0] != 20 || len(web) != len(native) {
		p.t.Fatalf("native shape %v, %d values from the page", shape, len(web))
	}
	worst := 0.0
	for i := range native {
		worst = max(worst, math.Abs(float64(native[i]-web[i])))
	}
	p.t.Logf("features from the page and from cpc embed-images: within %g", worst)
	if worst > 1e-4 {
		p.t.Errorf("features from the page and from cpc embed-images differ by up to %g", worst)
	}
}
