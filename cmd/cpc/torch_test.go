package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
)

// Lines bench/torch_step.py prints first: Debian's torch 1.13 on the
// reference BLAS and on OpenBLAS (as seen on the project's machine), and
// torch 2 builds as they would report: MKL linked in (x86 wheels) and
// OpenBLAS bundled beside it (arm64 wheels).
var (
	helloReference = `{"torch": "1.13.0a0", "path": "/usr/lib/python3/dist-packages/torch", "cpu_capability": "AVX2", "blas": {"kind": "reference", "lib": "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0", "note": "netlib reference BLAS", "build": "generic"}}`
	helloOpenBLAS  = `{"torch": "1.13.0a0", "path": "/usr/lib/python3/dist-packages/torch", "cpu_capability": "AVX2", "blas": {"kind": "openblas", "lib": "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", "version": "0.3.21", "core": "Cooperlake", "threading": "pthreads", "note": "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64", "build": "generic"}}`
	helloMKL       = `{"torch": "2.11.0+cpu", "path": "/opt/venv/lib/python3.11/site-packages/torch", "cpu_capability": "AVX512", "blas": {"kind": "mkl", "lib": "/opt/venv/lib/python3.11/site-packages/torch/lib/libtorch_cpu.so", "version": "2024.2", "note": "linked into torch", "build": "mkl"}}`
	helloARM       = `{"torch": "2.11.0", "path": "/opt/venv/lib/python3.11/site-packages/torch", "cpu_capability": "DEFAULT", "blas": {"kind": "openblas", "lib": "/opt/venv/lib/python3.11/site-packages/torch.libs/libopenblasp-r0-2eadb500.3.29.so", "version": "0.3.29", "core": "NEOVERSEN1", "threading": "pthreads", "build": "open"}}`
	helloUnknown   = `{"torch": "2.11.0", "path": "/x/torch", "cpu_capability": "", "blas": {"kind": "unknown", "lib": "", "note": "no BLAS library found", "build": ""}}`
)

func TestParseTorchInfo(t *testing.T) {
	for _, c := range []struct {
		line    string
		want    []string // in the header
		noRatio bool
	}{
		{helloReference, []string{"PyTorch 1.13.0a0 (/usr/lib/python3/dist-packages/torch; built for BLAS generic; ATen CPU capability AVX2)",
			"BLAS: the netlib reference BLAS (/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0)", "No PyTorch/ours ratio: "}, true},
		{helloOpenBLAS, []string{"PyTorch 1.13.0a0 (", "BLAS: OpenBLAS 0.3.21, Cooperlake kernel, pthreads (/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3)"}, false},
		{helloMKL, []string{"PyTorch 2.11.0+cpu (/opt/venv/lib/python3.11/site-packages/torch; built for BLAS mkl; ATen CPU capability AVX512)",
			"BLAS: MKL 2024.2 ("}, false},
		{helloARM, []string{"PyTorch 2.11.0 (", "BLAS: OpenBLAS 0.3.29, NEOVERSEN1 kernel, pthreads ("}, false},
		{helloUnknown, []string{"PyTorch 2.11.0 (/x/torch)", "BLAS: not identified (no BLAS library found)"}, false},
	} {
		ti, err := parseTorchInfo([]byte(c.line))
		if err != nil {
			t.Fatalf("%s: %v", c.line, err)
		}
		h := ti.header()
		for _, w := range c.want {
			if !strings.Contains(h, w) {
				t.Errorf("header lacks %q:\n%s", w, h)
			}
		}
		if (ti.noRatio() != "") != c.noRatio {
			t.Errorf("%s: noRatio() = %q, want a reason: %v", ti.BLAS.Kind, ti.noRatio(), c.noRatio)
		}
		if !c.noRatio && strings.Contains(h, "No PyTorch/ours ratio") {
			t.Errorf("header refuses the ratio for %s:\n%s", ti.BLAS.Kind, h)
		}
	}
	for _, bad := range []string{`{"ms": 3.2, "threads": 1}`, `{"torch": "1.13.0"}`, `not json`} {
		if _, err := parseTorchInfo([]byte(bad)); err == nil {
			t.Errorf("parseTorchInfo(%s) gave no error", bad)
		}
	}
}

// TestAnchorEnv checks that the anchor goes without the variables that
// would force OpenBLAS's kernel or blocking, that the header says so, and
// that nothing else is taken out.
func TestAnchorEnv(t *testing.T) {
	env, unset := anchorEnv([]string{"PATH=/bin", "OPENBLAS_CORETYPE=Haswell", "OPENBLAS_NUM_THREADS=1",
		"OPENBLAS_L2_SIZE=1048576", "PYTHONPATH=/opt/venv/site", "X_OPENBLAS_CORETYPE=1"})
	if want := []string{"PATH=/bin", "OPENBLAS_NUM_THREADS=1", "PYTHONPATH=/opt/venv/site", "X_OPENBLAS_CORETYPE=1"}; !slices.Equal(env, want) {
		t.Errorf("env %q, want %q", env, want)
	}
	if want := []string{"OPENBLAS_CORETYPE=Haswell", "OPENBLAS_L2_SIZE=1048576"}; !slices.Equal(unset, want) {
		t.Errorf("unset %q, want %q", unset, want)
	}
	ti, _ := parseTorchInfo([]byte(helloOpenBLAS))
	ti.Unset = unset
	if h := ti.header(); !strings.Contains(h, "unset for it: OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=1048576") {
		t.Errorf("header does not say what was unset:\n%s", h)
	}
}

// TestBenchRowRatio checks the table row: PyTorch's time always, the
// ratio only when PyTorch's BLAS is not the reference one.
func TestBenchRowRatio(t *testing.T) {
	arch, err := cpc.Preset("small")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		hello, want string
	}{{helloOpenBLAS, "| 2.00× |"}, {helloReference, "| – (reference BLAS) |"}} {
		ti, _ := parseTorchInfo([]byte(c.hello))
		p := &point{cfg: benchModel{Arch: arch, Window: 20480, Batch: 8}, threads: []int{1},
			ours: [][]float64{{100}}, torch: [][]float64{{200}}, rss: "1 MiB", anchor: &ti}
		var b bytes.Buffer
		p.print(&b)
		if row := b.String(); !strings.Contains(row, "| 200.0 "+c.want) {
			t.Errorf("%s: row %q lacks %q", ti.BLAS.Kind, row, "| 200.0 "+c.want)
		}
	}
}
