//go:build mpi

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/train"
)

// These tests drive `mpirun -np 2 cpc train --distributed mpi` with a cpc
// built with the mpi tag (make test-mpi runs them).

// mpiCPC builds cpc with MPI into dir.
func mpiCPC(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "cpc-mpi")
	if out, err := exec.Command("go", "build", "-tags", "mpi", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags mpi: %v\n%s", err, out)
	}
	return bin
}

// mpirun returns the command that runs cpc train on two ranks.
func mpirun(ctx context.Context, bin string, args ...string) *exec.Cmd {
	all := append([]string{"--allow-run-as-root", "--oversubscribe", "-np", "2", bin, "train", "--distributed", "mpi", "--threads", "1"}, args...)
	return exec.CommandContext(ctx, "mpirun", all...)
}

// fresh are the settings of a new run in these tests.
var fresh = []string{"--config", "small", "--window", "4096", "--batch", "4"}

func runMPI(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := mpirun(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("mpirun … %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestMPIResumeContinuesExactly: two ranks that stop at step 3 and resume
// write the files of two ranks that ran 6 steps straight.
func TestMPIResumeContinuesExactly(t *testing.T) {
	dir := t.TempDir()
	bin := mpiCPC(t, dir)
	straight, split := filepath.Join(dir, "straight"), filepath.Join(dir, "split")
	out := runMPI(t, bin, append(fresh, "--steps", "6", "--save-every", "2", "--out", straight)...)
	if !strings.Contains(out, "replicas: 2 over MPI, 2 windows") || strings.Count(out, "done: step 6") != 1 {
		t.Errorf("the ranks' output (rank 0's alone expected):\n%s", out)
	}
	runMPI(t, bin, append(fresh, "--steps", "3", "--save-every", "2", "--out", split)...)
	runMPI(t, bin, "--resume", split, "--steps", "6", "--save-every", "2")
	for _, f := range []string{cpc.ModelFile, train.StateFile} {
		a, _ := os.ReadFile(filepath.Join(straight, f))
		b, _ := os.ReadFile(filepath.Join(split, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between 6 steps and 3 + resume + 3", f)
		}
	}
}

// TestMPIKilledRankEndsTheJob: killing rank 1 ends the job within seconds
// with a non-zero exit naming the rank; the last checkpoint is intact and
// the run resumes from it.
func TestMPIKilledRankEndsTheJob(t *testing.T) {
	dir := t.TempDir()
	bin := mpiCPC(t, dir)
	run := filepath.Join(dir, "run")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := mpirun(ctx, bin, append(fresh, "--steps", "100000", "--save-every", "2", "--out", run)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(run, train.StateFile)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint after a minute:\n%s", out.String())
		}
	}
	pid := rankPID(t, run, 1)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	err := cmd.Wait()
	if took := time.Since(killed); err == nil || took > 15*time.Second {
		t.Fatalf("mpirun exited %v %v after rank 1 was killed:\n%s", err, took, out.String())
	}
	if !strings.Contains(out.String(), "rank 1") {
		t.Errorf("the job's output does not name rank 1:\n%s", out.String())
	}
	_, meta, err := cpc.Load(run)
	if err != nil {
		t.Fatalf("the last checkpoint: %v", err)
	}
	step, _ := strconv.Atoi(meta["step"])
	resumed := runMPI(t, bin, "--resume", run, "--steps", strconv.Itoa(step+2))
	if !strings.Contains(resumed, "done: step "+strconv.Itoa(step+2)) {
		t.Errorf("resume after the kill:\n%s", resumed)
	}
}

// rankPID finds the process of rank rank of the job writing into run.
func rankPID(t *testing.T, run string, rank int) int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if bytes.Contains(cmdline, []byte(run)) && bytes.Contains(cmdline, []byte("cpc-mpi")) &&
			bytes.Contains(environ, []byte("OMPI_COMM_WORLD_RANK="+strconv.Itoa(rank)+"\x00")) {
			return pid
		}
	}
	t.Fatalf("no process of rank %d", rank)
	return 0
}
