package main

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

//go:embed anchor.py
var anchorScript string

// anchor is one running anchor.py: OpenBLAS with one kernel choice.
type anchor struct {
	name   string // column title, "OpenBLAS <core> (<version>)"
	config string // OpenBLAS's build configuration and library path
	in     io.WriteCloser
	out    *bufio.Scanner
	cmd    *exec.Cmd
}

// startAnchors starts anchor.py twice: with OpenBLAS choosing its kernel
// for this CPU (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset) and forced
// to its Haswell (AVX2) kernel. It returns the running anchors and notes
// on what each one runs.
func startAnchors() (anchors []*anchor, notes []string) {
	if *python == "" {
		return nil, nil
	}
	for _, core := range []string{"", "Haswell"} {
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "OPENBLAS_") {
				env = append(env, kv)
			}
		}
		how := "OpenBLAS's default kernel for this CPU (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset)"
		if core != "" {
			env = append(env, "OPENBLAS_CORETYPE="+core)
			how = "OPENBLAS_CORETYPE=" + core
		}
		a, err := startAnchor(env)
		if err != nil {
			notes = append(notes, fmt.Sprintf("OpenBLAS anchor with %s failed: %v", how, err))
			continue
		}
		anchors = append(anchors, a)
		notes = append(notes, a.name+": "+how+"; "+a.config)
	}
	return anchors, notes
}

func startAnchor(env []string) (*anchor, error) {
	cmd := exec.Command(*python, "-c", anchorScript, strconv.FormatFloat(minTime.Seconds(), 'g', -1, 64))
	cmd.Env = env
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	a := &anchor{in: in, out: bufio.NewScanner(out), cmd: cmd}
	var config string
	for _, want := range []string{"core ", "config "} {
		if !a.out.Scan() || !strings.HasPrefix(a.out.Text(), want) {
			a.close()
			return nil, fmt.Errorf("anchor.py did not start")
		}
		config = strings.TrimPrefix(a.out.Text(), want)
		if want == "core " {
			a.name = "OpenBLAS " + config
		}
	}
	a.name += " (" + strings.Fields(config)[1] + ")"
	a.config = config
	return a, nil
}

// ask sends one request and returns the answer line ("" on failure).
func (a *anchor) ask(req map[string]any) string {
	b, err := json.Marshal(req)
	if err != nil {
		panic(err)
	}
	if _, err := fmt.Fprintf(a.in, "%s\n", b); err != nil || !a.out.Scan() {
		return ""
	}
	return a.out.Text()
}

// seconds parses an answer as seconds per call; NaN marks a failure.
func seconds(answer string) float64 {
	v, err := strconv.ParseFloat(answer, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// gemm times one repetition of np.matmul for a shape.
func (a *anchor) gemm(s gemmShape, threads int) float64 {
	return seconds(a.ask(map[string]any{
		"op": "gemm", "transA": s.transA, "transB": s.transB, "m": s.m, "n": s.n, "k": s.k, "threads": threads,
		"cpu_clock": cpuClock(),
	}))
}

// lseColumns names the log-sum-exp implementations the anchor has.
func (a *anchor) lseColumns() []string {
	return strings.Fields(a.ask(map[string]any{"op": "impls"}))
}

// lse times one repetition of a log-sum-exp or softmax implementation.
func (a *anchor) lse(kernel, impl string) float64 {
	return seconds(a.ask(map[string]any{"op": "lse", "kernel": kernel, "impl": impl, "cpu_clock": cpuClock()}))
}

func (a *anchor) close() {
	a.in.Close()
	a.cmd.Wait()
}
