package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// torchStepper is bench/torch_step.py running beside the benchmark: one
// PyTorch training step per call, on the threads asked for.
type torchStepper struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Scanner
	stderr  strings.Builder
	Version string
}

// startTorch starts the PyTorch reference for cfg with Debian's python3.
func startTorch(cfg benchModel) (*torchStepper, error) {
	script, err := findBenchScript("torch_step.py")
	if err != nil {
		return nil, err
	}
	ts := &torchStepper{cmd: exec.Command("/usr/bin/python3", script, cfg.JSON())}
	ts.cmd.Stderr = &ts.stderr
	if ts.in, err = ts.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := ts.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	ts.out = bufio.NewScanner(stdout)
	if err := ts.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%v (make deps installs python3-torch)", err)
	}
	var hello struct{ Torch string }
	if err := ts.read(&hello); err != nil {
		ts.Close()
		return nil, err
	}
	ts.Version = hello.Torch
	return ts, nil
}

// Step runs one step on threads threads and returns its time in ms.
func (ts *torchStepper) Step(threads int) (float64, error) {
	if _, err := fmt.Fprintln(ts.in, threads); err != nil {
		return 0, ts.failed(err)
	}
	var r struct {
		MS      float64
		Threads int
	}
	if err := ts.read(&r); err != nil {
		return 0, err
	}
	if r.Threads != threads {
		return 0, fmt.Errorf("PyTorch ran on %d threads, not %d", r.Threads, threads)
	}
	return r.MS, nil
}

func (ts *torchStepper) read(v any) error {
	if !ts.out.Scan() {
		return ts.failed(ts.out.Err())
	}
	return json.Unmarshal(ts.out.Bytes(), v)
}

// failed describes why the script stopped answering.
func (ts *torchStepper) failed(err error) error {
	ts.Close()
	msg := strings.TrimSpace(ts.stderr.String())
	if msg == "" && err != nil {
		msg = err.Error()
	}
	return fmt.Errorf("PyTorch reference stopped: %s (make deps installs python3-torch)", msg)
}

func (ts *torchStepper) Close() {
	ts.in.Close()
	ts.cmd.Wait()
}

// findBenchScript looks for bench/NAME from the working directory upwards,
// so the benchmark runs from anywhere in the repository.
func findBenchScript(name string) (string, error) {
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, "bench", name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("bench/%s not found above the working directory: run from the repository", name)
		}
		dir = parent
	}
}
