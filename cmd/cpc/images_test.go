package main

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/imagecpc"
	"github.com/gocpc/cpc/core/plot"
	"github.com/gocpc/cpc/core/train"
)

func TestTrainImages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out := cli("train-images", "--steps", "3", "--batch", "4", "--save-every", "2", "--out", dir,
		"--probe-train", "300", "--probe-test", "100")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"step 3/3", "| CPC (z and c, mean-pooled over the grid) | 128 |", "| random init (same architecture, mean-pooled over the grid) | 128 |",
		"| CPC (z and c, pooled over 2×2 regions) | 512 |", "| random init (same architecture, pooled over 2×2 regions) | 512 |", "| raw pixels | 784 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, train.MetricsFile))
	if err != nil || strings.Count(string(b), "\n") != 3 || !strings.Contains(string(b), `"step":3`) {
		t.Fatalf("metrics.jsonl: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, plot.LossFile)); err != nil {
		t.Fatal(err)
	}
	m, meta, err := imagecpc.Load(filepath.Join(dir, cpc.ModelFile))
	if err != nil || meta["step"] != "3" || !strings.Contains(meta["training"], `"batch":4`) || m.Arch.Grid() != 7 {
		t.Fatalf("checkpoint: %v, metadata %v", err, meta)
	}

	feats, labels := filepath.Join(dir, "f.npy"), filepath.Join(dir, "y.npy")
	if code, out := cli("embed-images", "--model", dir, "--n", "20", "--out", feats, "--labels", labels); code != 0 {
		t.Fatalf("embed-images exited %d:\n%s", code, out)
	}
	if shape, _ := readNpy(t, feats); len(shape) != 2 || shape[0] != 20 || shape[1] != 128 {
		t.Fatalf("features of shape %v, want [20 128]", shape)
	}
	if code, out := cli("embed-images", "--model", dir, "--n", "5", "--regions", "3", "--out", feats); code != 0 {
		t.Fatalf("embed-images --regions 3 exited %d:\n%s", code, out)
	}
	if shape, _ := readNpy(t, feats); len(shape) != 2 || shape[0] != 5 || shape[1] != 9*128 {
		t.Fatalf("features of 3×3 regions of shape %v, want [5 1152]", shape)
	}
	if shape, y := readNpy(t, labels); len(shape) != 1 || shape[0] != 20 || y[0] != 7 { // MNIST's first test digit
		t.Fatalf("labels of shape %v: %v", shape, y)
	}
	code, out = cli("probe-images", "--model", filepath.Join(dir, cpc.ModelFile), "--probe-train", "200", "--probe-test", "50", "--regions", "1", "--l2", "1e-3")
	if code != 0 || !strings.Contains(out, "| random init (same architecture, mean-pooled over the grid) | 128 | 0.001 |") || strings.Contains(out, "regions)") {
		t.Fatalf("probe-images exited %d:\n%s", code, out)
	}
}

// TestTrainImagesResume checks that 2 steps, then 2 more resumed, give the
// weights, Adam state and metrics lines of 4 steps straight, and that a
// finished run resumed without --steps is refused.
func TestTrainImagesResume(t *testing.T) {
	straight, split := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	common := []string{"--config", "tiny", "--data", tinyImages(t), "--batch", "3", "--probe-train", "0"}
	for _, args := range [][]string{
		{"--steps", "4", "--out", straight},
		{"--steps", "2", "--out", split},
	} {
		if code, out := cli(append(append([]string{"train-images"}, common...), args...)...); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	}
	code, out := cli("train-images", "--resume", split, "--steps", "4", "--probe-train", "0")
	if code != 0 || !strings.Contains(out, "resumed: step 2") {
		t.Fatalf("resume exited %d:\n%s", code, out)
	}
	for _, name := range []string{cpc.ModelFile, train.StateFile} {
		a, errA := os.ReadFile(filepath.Join(straight, name))
		b, errB := os.ReadFile(filepath.Join(split, name))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Fatalf("%s differs between 4 steps and 2 + 2 resumed (%v, %v)", name, errA, errB)
		}
	}
	b, _ := os.ReadFile(filepath.Join(split, train.MetricsFile))
	if n := strings.Count(string(b), "\n"); n != 4 {
		t.Fatalf("%d metrics lines after resuming, want 4", n)
	}
	code, out = cli("train-images", "--resume", split, "--probe-train", "0")
	if code != 2 || !strings.Contains(out, "has done its 4 steps") {
		t.Fatalf("resume of a finished run without --steps: exit %d, want 2:\n%s", code, out)
	}
}

// tinyImages writes a directory of 12×12 IDX images for the tiny config.
func tinyImages(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	const n, side = 20, 12
	rng := rand.New(rand.NewPCG(1, 1))
	pix := make([]byte, n*side*side)
	for i := range pix {
		pix[i] = byte(rng.IntN(256))
	}
	idx := func(data []byte, dims ...uint32) []byte {
		b := []byte{0, 0, 8, byte(len(dims))}
		for _, d := range dims {
			b = binary.BigEndian.AppendUint32(b, d)
		}
		return append(b, data...)
	}
	for name, b := range map[string][]byte{
		"train-images-idx3-ubyte": idx(pix, n, side, side),
		"train-labels-idx1-ubyte": idx(make([]byte, n), n),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTrainImagesErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--data", filepath.Join(t.TempDir(), "none")}, 1, "train-images-idx3-ubyte"},
		{[]string{"--config", "imagenet"}, 2, "unknown config"},
		{[]string{"--batch", "0"}, 2, "must be positive"},
		{[]string{"--l2", "0"}, 2, "want a positive number or auto"},
		{[]string{"--lr", "0"}, 2, "lr must be positive"},
		{[]string{"--warmup", "10", "--decay", "5"}, 2, "decay must be 0"},
		{[]string{"--regions", "8", "--probe-train", "10"}, 2, "regions of a 7×7 grid"},
	} {
		code, out := cli(append([]string{"train-images", "--steps", "1"}, c.args...)...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, code, c.code, c.want, out)
		}
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"embed-images"}, 2, "--model is required"},
		{[]string{"probe-images", "--model", filepath.Join(t.TempDir(), "none")}, 1, "no such file"},
	} {
		code, out := cli(c.args...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, code, c.code, c.want, out)
		}
	}
}
