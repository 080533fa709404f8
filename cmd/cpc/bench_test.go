package main

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestBenchTrain runs the benchmark at a tiny size, beside PyTorch, on
// one and two threads, and checks the table it prints (not its times).
func TestBenchTrain(t *testing.T) {
	python3(t)
	out, rows := benchRows(t, 8, 2, "bench", "train", "--config", "small", "--batch", "2", "--window", "4096",
		"--threads", "1,2", "--steps", "2", "--warmup", "1")
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

// TestBenchAugmentedStep times the step with past augmentation in the
// same rounds as the plain one and checks its table and time split.
func TestBenchAugmentedStep(t *testing.T) {
	out, rows := benchRows(t, 6, 2, "bench", "train", "--config", "small", "--batch", "2", "--window", "4096",
		"--threads", "1,2", "--steps", "2", "--warmup", "1", "--torch=false", "--augment-past", "rt60=0.3,snr=20")
	for _, r := range rows {
		plain, err1 := strconv.ParseFloat(strings.TrimSpace(r[3]), 64)
		aug, err2 := strconv.ParseFloat(strings.TrimSpace(r[4]), 64)
		ratio, err3 := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(r[5]), "×"), 64)
		if err1 != nil || err2 != nil || err3 != nil || plain <= 0 || math.Abs(ratio-aug/plain) > 0.02 {
			t.Errorf("row %v: want plain ms, augmented ms and their ratio", r)
		}
	}
	for _, want := range []string{"With --augment-past rt60=0.3,snr=20", "threads 2 with --augment-past rt60=0.3,snr=20: median"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestBenchLocalReplicas times two replicas in one process, each with
// one window of the batch: the step's split has their exchange.
func TestBenchLocalReplicas(t *testing.T) {
	out, _ := benchRows(t, 8, 2, "bench", "train", "--config", "small", "--batch", "2", "--window", "4096",
		"--threads", "1,2", "--steps", "2", "--warmup", "1", "--torch=false", "--replicas", "2")
	var comm []float64
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "communication" {
			ms, _ := strconv.ParseFloat(f[1], 64)
			comm = append(comm, ms)
		}
	}
	if len(comm) != 2 || comm[0] <= 0 || comm[1] <= 0 {
		t.Errorf("want the replicas' communication timed at both thread counts, got %v:\n%s", comm, out)
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
		{[]string{"bench", "train", "--augment-past", "rt60=9"}, "--augment-past: augmentation: RT60 9 s"},
		{[]string{"bench", "train", "--hidden", "-3"}, "hidden must be positive (got 512, -3)"},
		{[]string{"bench", "train", "--replicas", "0"}, "--replicas 0: want at least 1"},
		{[]string{"bench", "train", "--replicas", "2", "--distributed", "mpi"}, "and 1 with --distributed"},
		{[]string{"bench", "train", "--replicas", "3", "--batch", "8", "--torch=false"}, "a batch of 8 windows does not split evenly over 3 replicas"},
	} {
		if code, stderr := cli(c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("cpc %s: exit %d, want 2 with %q; said:\n%s", strings.Join(c.args, " "), code, c.want, stderr)
		}
	}
}

// TestBenchImages runs the image step's benchmark on the tiny config
// beside PyTorch, on one and two threads, and checks its table.
func TestBenchImages(t *testing.T) {
	python3(t)
	out, rows := benchRows(t, 6, 1, "bench", "images", "--config", "tiny", "--batch", "3", "--threads", "1,2", "--steps", "2", "--warmup", "1")
	for _, r := range rows {
		if strings.TrimSpace(r[4]) == "–" || !strings.Contains(r[5], "×") && !strings.Contains(out, "No PyTorch/ours ratio: ") {
			t.Fatalf("row without PyTorch's time and ratio: %v", r)
		}
	}
	if !strings.Contains(out, "PyTorch ") || !strings.Contains(out, "; BLAS: ") {
		t.Errorf("no PyTorch header:\n%s", out)
	}
	if code, stderr := cli("bench", "images", "--config", "huge"); code != 2 || !strings.Contains(stderr, "unknown config") {
		t.Errorf("bench images --config huge: exit %d:\n%s", code, stderr)
	}
}

// benchRows runs the benchmark with args and returns its output and the
// rows of its table (cols cells each), which must be one for 1 thread,
// then one for 2, in cell threadCol.
func benchRows(t *testing.T, cols, threadCol int, args ...string) (string, [][]string) {
	t.Helper()
	code, out, stderr := cliStdout(t, args...)
	if code != 0 {
		t.Fatalf("%v exited %d: %s", args, code, stderr)
	}
	var rows [][]string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "|")
		if _, err := strconv.Atoi(strings.TrimSpace(f[min(1, len(f)-1)])); err == nil && len(f) == cols+2 {
			rows = append(rows, f[1:cols+1]) // a row of figures: its first cell a number
		}
	}
	if len(rows) != 2 || strings.TrimSpace(rows[0][threadCol]) != "1" || strings.TrimSpace(rows[1][threadCol]) != "2" {
		t.Fatalf("want one row per thread count:\n%s", out)
	}
	return out, rows
}
