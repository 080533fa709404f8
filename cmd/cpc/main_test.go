package main

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/npy"
	"github.com/gocpc/cpc/core/plot"
	"github.com/gocpc/cpc/core/sample"
	"github.com/gocpc/cpc/core/train"
)

// TestMain gives the tests a cache directory of their own: corpus caches
// (cpc train and probe with --data) go there, not into the user's.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cpc-test-cache")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the command in-process and returns its exit code and stderr.
func cli(args ...string) (int, string) {
	var stderr bytes.Buffer
	code := run(args, &stderr)
	return code, stderr.String()
}

// sampleWAV writes an utterance of the bundled sample as a 16-bit WAV.
func sampleWAV(t *testing.T, dir string) string {
	t.Helper()
	x, err := audio.ReadFS(sample.FS, "100/1/100-1-0000.flac")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "utt.wav")
	if err := os.WriteFile(p, audio.EncodeWAV16(x, 16000), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// python3 returns Debian's python3 with torch, or skips the test; under
// CI a missing interpreter or module is a failure, not a skip.
func python3(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import torch, numpy").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s with torch and numpy is required (make deps): %v", py, err)
		}
		t.Skipf("%s with torch and numpy not available: %v", py, err)
	}
	return py
}

// TestTrainEmbedAndPyTorch trains the small config on the sample, checks
// the loss falls, embeds a file, and compares with PyTorch.
func TestTrainEmbedAndPyTorch(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	// The paper's encoder has no normalisation: at initialisation every
	// candidate scores nearly alike and the loss sits at log N for about 80
	// steps at lr 2e-4. A larger rate shows the fall within 80.
	code, stderr := cli("train", "--config", "small", "--lr", "1e-3", "--steps", "80", "--out", out, "--save-every", "40", "--seed", "1")
	if code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	for _, want := range []string{"12 speakers", "kernels:", "step 80/80", "done"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("train's output lacks %q:\n%s", want, stderr)
		}
	}
	var losses []float64
	b, err := os.ReadFile(filepath.Join(out, train.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r cpc.Metrics
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		losses = append(losses, r.Loss)
	}
	if len(losses) != 80 {
		t.Fatalf("%d metrics lines, want 80", len(losses))
	}
	first, last := mean(losses[:10]), mean(losses[70:])
	if !(last < first-0.05) {
		t.Fatalf("loss did not fall: %.4f over the first 10 steps, %.4f over the last 10", first, last)
	}
	if st, err := os.Stat(filepath.Join(out, plot.LossFile)); err != nil || st.Size() < 1000 {
		t.Fatalf("loss.png: %v", err)
	}

	// A new run from those weights, with another sampler, starts where the
	// first one ended, not at log N.
	again := filepath.Join(dir, "again")
	code, stderr = cli("train", "--init", out, "--sampler", "same-speaker", "--steps", "3", "--out", again)
	// The architecture is the checkpoint's and so, unless flags change
	// them, are the training settings it records (lr 1e-3).
	if code != 0 || !strings.Contains(stderr, "weights: from "+out) || !strings.Contains(stderr, "model: small (") || !strings.Contains(stderr, "lr 0.001,") {
		t.Fatalf("train --init exited %d: %s", code, stderr)
	}
	b, err = os.ReadFile(filepath.Join(again, train.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var r cpc.Metrics
	if err := json.Unmarshal(b[:bytes.IndexByte(b, '\n')], &r); err != nil {
		t.Fatal(err)
	}
	if !(r.Loss < first-0.05) {
		t.Fatalf("--init's first loss %.4f is not below the first run's start %.4f", r.Loss, first)
	}

	wav := sampleWAV(t, dir)
	ours := filepath.Join(dir, "ours.npy")
	if code, stderr := cli("embed", "--model", out, "--out", ours, wav); code != 0 {
		t.Fatalf("embed exited %d: %s", code, stderr)
	}
	shape, got := readNpy(t, ours)
	x, _ := audio.ReadFile(wav)
	m, _, _ := cpc.Load(out)
	if len(shape) != 2 || shape[0] != m.Arch.Frames(len(x)) || shape[1] != 128 {
		t.Fatalf("embedding shape %v, want [%d 128]", shape, m.Arch.Frames(len(x)))
	}

	checkTorch(t, dir, filepath.Join(out, cpc.ModelFile), m, wav, got)
}

// TestCPCAudioInPyTorch: a checkpoint of the cpc_audio preset (channel
// norms of random weights and biases, two GRU layers), and one with
// feed-forward prediction heads too, load into bench/cpc_torch.py with
// strict names and shapes and give our c_t and InfoNCE loss.
func TestCPCAudioInPyTorch(t *testing.T) {
	arch, err := cpc.Preset("cpc_audio")
	if err != nil {
		t.Fatal(err)
	}
	cpcAudioInPyTorch(t, arch)
	arch.PredictorHidden = 96
	cpcAudioInPyTorch(t, arch)
}

func cpcAudioInPyTorch(t *testing.T, arch cpc.Arch) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	m, err := cpc.New[float32](arch, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range m.Norms {
		for i := range n.W.W {
			n.W.W[i], n.B.W[i] = float32(1+0.3*rng.NormFloat64()), float32(0.3*rng.NormFloat64())
		}
	}
	// Mean scores of freshly initialised predictors are so small that the
	// loss is log N to 1e-5 whatever they compute: larger weights make
	// the scores, and the comparison, count.
	for _, p := range m.Predictors {
		for i := range p.Out.W.W {
			p.Out.W.W[i] *= 40
		}
	}
	path := filepath.Join(dir, cpc.ModelFile)
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	wav := sampleWAV(t, dir)
	x, err := audio.ReadFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	e, err := cpc.Embed(m, x, cpc.Context)
	if err != nil {
		t.Fatal(err)
	}
	checkTorch(t, dir, path, m, wav, e.Data)
}

// checkTorch compares with bench/cpc_torch.py's model loaded from the
// checkpoint at path (of m): c_t of wav against ours (got), and the
// InfoNCE loss of a batch, ours in float32 (summed in float64) against
// PyTorch's in float64 with its own cross_entropy.
func checkTorch(t *testing.T, dir, path string, m *cpc.Model[float32], wav string, got []float32) {
	t.Helper()
	py := python3(t)
	theirs := filepath.Join(dir, "torch.npy")
	script := filepath.Join("..", "..", "bench", "cpc_torch.py")
	if o, err := exec.Command(py, script, "embed", path, wav, theirs).CombinedOutput(); err != nil {
		t.Fatalf("PyTorch embed: %v\n%s", err, o)
	}
	_, want := readNpy(t, theirs)
	worst := 0.0
	for i := range want {
		worst = max(worst, math.Abs(float64(got[i]-want[i])))
	}
	if len(want) != len(got) || worst > 1e-4 {
		t.Fatalf("c_t differs from PyTorch's by %g (%d vs %d values)", worst, len(got), len(want))
	}

	x, err := audio.ReadFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	window := train.Defaults().Window
	rng := rand.New(rand.NewPCG(1, 2))
	batch := make([]float32, 2*window)
	for i := range batch {
		batch[i] = x[i%len(x)] + 0.01*float32(rng.NormFloat64())
	}
	bp := filepath.Join(dir, "batch.npy")
	if err := npy.WriteFile(bp, []int{2, window}, batch); err != nil {
		t.Fatal(err)
	}
	o, err := exec.Command(py, script, "loss", path, bp).CombinedOutput()
	if err != nil {
		t.Fatalf("PyTorch loss: %v\n%s", err, o)
	}
	torchLoss, err := strconv.ParseFloat(strings.TrimSpace(string(o)), 64)
	if err != nil {
		t.Fatalf("PyTorch printed %q", o)
	}
	met, err := m.NewWorkspace(2, window).Loss(batch, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The sums run in float64 on both sides: they agree to about 1e-8.
	if math.Abs(met.Loss-torchLoss) > 1e-6 {
		t.Fatalf("InfoNCE loss %v, PyTorch %v", met.Loss, torchLoss)
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func readNpy(t *testing.T, p string) ([]int, []float32) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	shape, data, err := npy.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return shape, data
}
