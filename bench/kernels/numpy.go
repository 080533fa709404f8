package main

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

//go:embed anchor.py
var anchorScript string

// numpyResults holds the anchor figures by column, row and thread count.
type numpyResults struct {
	gemmCols, lseCols []string
	vals              map[string]string
	notes             []string
}

func (r numpyResults) get(col, row string, threads int) string {
	if v, ok := r.vals[fmt.Sprint(col, "|", row, "|", threads)]; ok {
		return v
	}
	return "–"
}

// runNumpy runs anchor.py twice: with OpenBLAS choosing its kernel for
// this CPU (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset) and forced to
// its Haswell (AVX2) kernel. numpy's own log-sum-exp is timed once.
func runNumpy(threads []int) numpyResults {
	r := numpyResults{vals: map[string]string{}}
	if *python == "" {
		return r
	}
	shapes, err := json.Marshal(gemmShapeJSON())
	if err != nil {
		panic(err)
	}
	var ts []string
	for _, t := range threads {
		ts = append(ts, strconv.Itoa(t))
	}
	for i, core := range []string{"", "Haswell"} {
		env := []string{}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") && !strings.HasPrefix(kv, "OPENBLAS_L2_SIZE=") && !strings.HasPrefix(kv, "OPENBLAS_NUM_THREADS=") {
				env = append(env, kv)
			}
		}
		if core != "" {
			env = append(env, "OPENBLAS_CORETYPE="+core)
		}
		lse := "0"
		if i == 0 {
			lse = "1"
		}
		cmd := exec.Command(*python, "-c", anchorScript, strconv.Itoa(*reps), strconv.FormatFloat(minTime.Seconds(), 'g', -1, 64), strings.Join(ts, ","), lse)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(string(shapes))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			r.notes = append(r.notes, fmt.Sprintf("OpenBLAS anchor (OPENBLAS_CORETYPE=%q) failed: %v", core, err))
			continue
		}
		col := "OpenBLAS"
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 2 && f[0] == "core":
				col = "OpenBLAS " + f[1]
				r.gemmCols = append(r.gemmCols, col)
				how := "default kernel for this CPU"
				if core != "" {
					how = "OPENBLAS_CORETYPE=" + core
				}
				r.notes = append(r.notes, fmt.Sprintf("%s: %s", col, how))
			case f[0] == "config":
				r.notes = append(r.notes, strings.Join(f[1:], " "))
			case f[0] == "gemm" && len(f) == 4:
				v, _ := strconv.ParseFloat(f[3], 64)
				r.vals[col+"|"+strings.ReplaceAll(f[1], "_", " ")+"|"+f[2]] = fmt.Sprintf("%.1f", v)
			case f[0] == "lse" && len(f) == 4:
				v, _ := strconv.ParseFloat(f[3], 64)
				if f[1] == "LogSumExp" {
					r.lseCols = append(r.lseCols, f[2])
				}
				r.vals[f[2]+"|"+f[1]+"|1"] = fmt.Sprintf("%.2f", v)
			}
		}
	}
	return r
}

func gemmShapeJSON() []map[string]any {
	out := []map[string]any{}
	for _, s := range gemmShapes {
		if !strings.Contains(s.name, *only) {
			continue
		}
		out = append(out, map[string]any{"name": s.name, "transA": s.transA, "transB": s.transB, "m": s.m, "n": s.n, "k": s.k})
	}
	return out
}
