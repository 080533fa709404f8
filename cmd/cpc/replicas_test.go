package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/train"
)

// TestReplicasInProcess: `cpc train --replicas 2` trains as one replica
// on the whole batch would (the weights to 1e-5), replica 0 alone writes
// and reports, and a run stopped half way resumes, on as many replicas as
// saved it without being told, to the files of a run that never stopped.
func TestReplicasInProcess(t *testing.T) {
	dirs := map[string]string{}
	for _, name := range []string{"one", "two", "stopped"} {
		dirs[name] = filepath.Join(t.TempDir(), name)
	}
	settings := []string{"--config", "small", "--window", "4096", "--batch", "4", "--lr", "2e-4", "--warmup", "0"}
	run := func(args ...string) string {
		t.Helper()
		all := append([]string{"train", "--save-every", "2", "--threads", "2"}, args...)
		code, stderr := cli(all...)
		if code != 0 {
			t.Fatalf("cpc %s: exit %d:\n%s", strings.Join(all, " "), code, stderr)
		}
		return stderr
	}
	run(append(settings, "--steps", "6", "--out", dirs["one"])...)
	out := run(append(settings, "--steps", "6", "--out", dirs["two"], "--replicas", "2")...)
	if !strings.Contains(out, "replicas: 2 in this process, 2 windows of each batch of 4 and 1 threads apiece") ||
		strings.Count(out, "done: step 6") != 1 || !strings.Contains(out, "% communication") {
		t.Errorf("the output of two replicas (replica 0's alone expected):\n%s", out)
	}
	one, _, err1 := cpc.Load(dirs["one"])
	two, _, err2 := cpc.Load(dirs["two"])
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	worst := 0.0
	for i, p := range one.Params() {
		for j, w := range p.W {
			worst = max(worst, math.Abs(float64(w-two.Params()[i].W[j])))
		}
	}
	t.Logf("two replicas' weights within %g of one's", worst)
	if worst > 1e-5 {
		t.Errorf("two replicas' weights differ from one's by %g after 6 steps", worst)
	}
	run(append(settings, "--steps", "3", "--out", dirs["stopped"], "--replicas", "2")...)
	if code, stderr := cli("train", "--resume", dirs["stopped"], "--replicas", "1"); code == 0 || !strings.Contains(stderr, "saved by 2 replicas") {
		t.Errorf("resuming two replicas' run on one: exit %d:\n%s", code, stderr)
	}
	out = run("--resume", dirs["stopped"], "--steps", "6")
	if !strings.Contains(out, "replicas: 2 in this process") {
		t.Errorf("the resume did not run on the 2 replicas that saved the run:\n%s", out)
	}
	for _, f := range []string{cpc.ModelFile, train.StateFile} {
		a, _ := os.ReadFile(filepath.Join(dirs["two"], f))
		b, _ := os.ReadFile(filepath.Join(dirs["stopped"], f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between 6 steps and 3 + resume + 3", f)
		}
	}
}
