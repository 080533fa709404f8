package main

import (
	"strings"
	"testing"
)

// TestBenchTrain runs the benchmark at a tiny size, beside PyTorch, on
// one and two threads, and checks the table it prints (not its times).
func TestBenchTrain(t *testing.T) {
	python3(t)
	code, out, stderr := cliStdout(t, "bench", "train", "--config", "small", "--batch", "2", "--window", "4096",
		"--threads", "1,2", "--steps", "2", "--warmup", "1")
	if code != 0 {
		t.Fatalf("bench exited %d: %s", code, stderr)
	}
	var rows [][]string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Split(line, "|"); len(f) == 10 && strings.TrimSpace(f[1]) == "2" {
			rows = append(rows, f[1:9])
		}
	}
	if len(rows) != 2 || strings.TrimSpace(rows[0][2]) != "1" || strings.TrimSpace(rows[1][2]) != "2" {
		t.Fatalf("want one row per thread count:\n%s", out)
	}
	// The ratio, unless the header says PyTorch runs on the reference BLAS.
	ratio := "×"
	if strings.Contains(out, "No PyTorch/ours ratio: ") {
		ratio = "– (reference BLAS)"
	}
	for _, r := range rows {
		if !strings.HasSuffix(strings.TrimSpace(r[6]), ratio) || !strings.HasSuffix(strings.TrimSpace(r[7]), "MiB") {
			t.Fatalf("row without PyTorch's ratio (%s) or peak memory: %v", ratio, r)
		}
	}
	for _, want := range []string{"PyTorch ", "; BLAS: ", "threads 2: median", "encoder backward", "optimizer"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "cpc bench train"},
		{[]string{"bench", "train", "--config", "huge"}, "unknown config"},
		{[]string{"bench", "train", "--batch", "0"}, "--batch"},
		{[]string{"bench", "train", "--threads", "a,2"}, "--threads"},
		{[]string{"bench", "train", "--steps", "0"}, "--steps"},
	} {
		if code, stderr := cli(c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("cpc %s: exit %d, want 2 with %q; said:\n%s", strings.Join(c.args, " "), code, c.want, stderr)
		}
	}
}
