package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/safetensors"
	"github.com/gocpc/cpc/core/train"
)

// TestResumeEndsAtTheSavedTarget: a resume without --steps trains to the
// step the run was started for (a run stopped half way ends as one that
// never stopped), and a resume that would train no step is a usage error
// saying why, not a run that ends at once.
func TestResumeEndsAtTheSavedTarget(t *testing.T) {
	corpus := smallCorpus(t)
	os.Remove(filepath.Join(corpus, "100", "1", "100-1-9999.wav"))
	straight, stopped := t.TempDir(), t.TempDir()
	args := func(out, steps string) []string {
		return []string{"train", "--config", "small", "--window", "4096", "--batch", "2", "--data", corpus, "--steps", steps, "--out", out}
	}
	for _, a := range [][]string{args(straight, "4"), args(stopped, "2")} {
		if code, stderr := cli(a...); code != 0 {
			t.Fatalf("%v: exit %d: %s", a, code, stderr)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "has done its 2 steps: give --steps more than 2"},
		{[]string{"--steps", "1"}, "--steps 1: the run in " + stopped + " has done 2 steps already"},
	} {
		code, stderr := cli(append([]string{"train", "--resume", stopped}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("resume %v: exit %d, want 2 and %q in:\n%s", c.args, code, c.want, stderr)
		}
	}
	// As an interrupted run of 4 steps saves it: step 2, target 4.
	statePath := filepath.Join(stopped, train.StateFile)
	tensors, meta, err := safetensors.ReadFile(statePath)
	if err != nil || meta[train.TargetKey] != "2" {
		t.Fatalf("saved target %q (%v), want 2", meta[train.TargetKey], err)
	}
	meta[train.TargetKey] = "4"
	if err := safetensors.WriteFile(statePath, tensors, meta); err != nil {
		t.Fatal(err)
	}
	if code, stderr := cli("train", "--resume", stopped); code != 0 || !strings.Contains(stderr, "done: step 4") {
		t.Fatalf("resume without --steps: exit %d:\n%s", code, stderr)
	}
	for _, f := range []string{"model.safetensors", "state.safetensors"} {
		a, errA := os.ReadFile(filepath.Join(straight, f))
		b, errB := os.ReadFile(filepath.Join(stopped, f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between 4 steps and 2 + resume to the saved target (%v, %v)", f, errA, errB)
		}
	}
}
