package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// torchStepper is bench/torch_step.py running beside the benchmark: one
// PyTorch training step per call, on the threads asked for.
type torchStepper struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr strings.Builder
	Info   torchInfo
}

// torchInfo is what runs the PyTorch step, from the script's first line
// (bench/torch_step.py, blas()).
type torchInfo struct {
	Torch string   `json:"torch"`          // torch.__version__
	Path  string   `json:"path"`           // where torch was imported from
	CPU   string   `json:"cpu_capability"` // ATen's vector level for its own kernels
	BLAS  blasInfo `json:"blas"`
	// Unset lists the variables taken out of the script's environment,
	// as NAME=value.
	Unset []string `json:"-"`
}

// blasInfo is the BLAS library torch's matrix products call.
type blasInfo struct {
	Kind      string `json:"kind"` // openblas, mkl, blis, reference or unknown
	Lib       string `json:"lib"`
	Version   string `json:"version"`
	Core      string `json:"core"`      // OpenBLAS's kernel for this CPU
	Threading string `json:"threading"` // OpenBLAS's: pthreads, OpenMP or sequential
	Build     string `json:"build"`     // torch's BLAS_INFO
	Note      string `json:"note"`
}

// parseTorchInfo reads the script's first line.
func parseTorchInfo(line []byte) (torchInfo, error) {
	var ti torchInfo
	if err := json.Unmarshal(line, &ti); err != nil {
		return ti, fmt.Errorf("the PyTorch reference's first line: %v: %.200s", err, line)
	}
	if ti.Torch == "" || ti.BLAS.Kind == "" {
		return ti, fmt.Errorf("the PyTorch reference's first line lacks torch's version or its BLAS: %.200s", line)
	}
	return ti, nil
}

// blasName names the BLAS and its version, and for OpenBLAS the kernel it
// picked and its threading.
func (b blasInfo) name() string {
	var s string
	switch b.Kind {
	case "openblas":
		s = strings.TrimSpace("OpenBLAS " + b.Version)
		var parts []string
		if b.Core != "" {
			parts = append(parts, b.Core+" kernel")
		}
		if b.Threading != "" {
			parts = append(parts, b.Threading)
		}
		if len(parts) > 0 {
			s += ", " + strings.Join(parts, ", ")
		}
	case "mkl":
		s = strings.TrimSpace("MKL " + b.Version)
	case "blis":
		s = strings.TrimSpace("BLIS " + b.Version)
	case "reference":
		s = "the netlib reference BLAS"
	default:
		s = "not identified"
		if b.Note != "" {
			s += " (" + b.Note + ")"
		}
	}
	if b.Lib != "" {
		s += " (" + b.Lib + ")"
	}
	return s
}

// header is the benchmark's line on its PyTorch anchor.
func (ti torchInfo) header() string {
	var s strings.Builder
	fmt.Fprintf(&s, "PyTorch %s", ti.Torch)
	var about []string
	if ti.Path != "" {
		about = append(about, ti.Path)
	}
	if ti.BLAS.Build != "" {
		about = append(about, "built for BLAS "+ti.BLAS.Build)
	}
	if ti.CPU != "" {
		about = append(about, "ATen CPU capability "+ti.CPU)
	}
	if len(about) > 0 {
		fmt.Fprintf(&s, " (%s)", strings.Join(about, "; "))
	}
	fmt.Fprintf(&s, "; BLAS: %s", ti.BLAS.name())
	if len(ti.Unset) > 0 {
		fmt.Fprintf(&s, "; unset for it: %s", strings.Join(ti.Unset, " "))
	}
	if why := ti.noRatio(); why != "" {
		fmt.Fprintf(&s, "\nNo PyTorch/ours ratio: %s", why)
	}
	return s.String()
}

// noRatio says why PyTorch's times must not be set against ours, or ""
// when they may: the reference BLAS is no anchor, a PyTorch on it runs
// its products many times slower than any packaged optimized BLAS.
func (ti torchInfo) noRatio() string {
	if ti.BLAS.Kind == "reference" {
		return "PyTorch's products run on the netlib reference BLAS, not an optimized one " +
			"(scripts/deps.sh bench installs OpenBLAS, libopenblas0-pthread)"
	}
	return ""
}

// anchorUnset are the variables the anchor's environment goes without:
// set on some machines for old numpy builds, they would force OpenBLAS's
// kernel choice (OPENBLAS_CORETYPE) or its cache blocking.
var anchorUnset = []string{"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}

// anchorEnv returns environ without anchorUnset, and what it took out.
func anchorEnv(environ []string) (env, unset []string) {
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if slices.Contains(anchorUnset, name) {
			unset = append(unset, kv)
			continue
		}
		env = append(env, kv)
	}
	return env, unset
}

// startTorch starts the PyTorch reference bench/script with args, with
// Debian's python3 (another torch comes first on PYTHONPATH, if set
// there): bench/torch_step.py CONFIG for the speech model, or
// bench/cpc_images_torch.py step CONFIG for the image model.
func startTorch(script string, args ...string) (*torchStepper, error) {
	script, err := findBenchScript(script)
	if err != nil {
		return nil, err
	}
	ts := &torchStepper{cmd: exec.Command("/usr/bin/python3", append([]string{script}, args...)...)}
	var unset []string
	ts.cmd.Env, unset = anchorEnv(os.Environ())
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
	if !ts.out.Scan() {
		return nil, ts.failed(ts.out.Err())
	}
	if ts.Info, err = parseTorchInfo(ts.out.Bytes()); err != nil {
		ts.Close()
		return nil, err
	}
	ts.Info.Unset = unset
	return ts, nil
}

// Step runs one step on threads threads and returns its time in ms.
func (ts *torchStepper) Step(threads int) (float64, error) {
	if _, err := fmt.Fprintln(ts.in, threads); err != nil {
		return 0, ts.failed(err)
	}
	var r struct {
		MS          float64
		Threads     int
		BLASThreads int `json:"blas_threads"` // 0: not reported
	}
	if err := ts.read(&r); err != nil {
		return 0, err
	}
	if r.Threads != threads || r.BLASThreads != 0 && r.BLASThreads != threads {
		return 0, fmt.Errorf("PyTorch ran on %d threads (BLAS %d), not %d", r.Threads, r.BLASThreads, threads)
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
