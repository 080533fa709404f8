package main

import (
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
	for _, want := range []string{"step 3/3", "| CPC (mean-pooled z and c) | 128 |", "| random init (same architecture) | 128 |", "| raw pixels | 784 |"} {
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
	if shape, y := readNpy(t, labels); len(shape) != 1 || shape[0] != 20 || y[0] != 7 { // MNIST's first test digit
		t.Fatalf("labels of shape %v: %v", shape, y)
	}
	code, out = cli("probe-images", "--model", filepath.Join(dir, cpc.ModelFile), "--probe-train", "200", "--probe-test", "50")
	if code != 0 || !strings.Contains(out, "| random init (same architecture) | 128 |") {
		t.Fatalf("probe-images exited %d:\n%s", code, out)
	}
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
		{[]string{"--l2", "0"}, 2, "must be positive"},
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
