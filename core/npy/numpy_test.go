package npy

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// python is Debian's interpreter, whose python3-numpy is the reference.
const python = "/usr/bin/python3"

// numpyCheck loads each of our files with numpy.load, checks dtype, shape and
// values against numpy's own arange, and saves numpy's version next to it.
const numpyCheck = `
import json, sys, numpy as np
for f in json.loads(sys.argv[1]):
    path, shape = f['Path'], tuple(f['Shape'])
    a = np.load(path)
    assert a.dtype == np.dtype('<f4'), (path, a.dtype)
    assert a.shape == shape, (path, a.shape, shape)
    assert a.flags.c_contiguous
    want = (np.arange(int(np.prod(shape)), dtype=np.float32) * np.float32(0.25) - np.float32(1)).reshape(shape)
    assert np.array_equal(a, want), path
    np.save(path + '.numpy.npy', want)
`

// TestNumpy is the interoperability check: numpy reads what we write, and
// writes byte for byte the same file. It skips without numpy, except under
// CI=true, where a missing numpy is a broken environment (js/wasm, which
// cannot start processes, always skips).
func TestNumpy(t *testing.T) {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses on " + runtime.GOOS + ": numpy is checked by the native test run")
	}
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s cannot import numpy (apt install python3-numpy): %v", python, err)
		}
		t.Skipf("%s with numpy not available: %v", python, err)
	}
	dir := t.TempDir()
	type file struct {
		Path  string
		Shape []int
	}
	var files []file
	for i, shape := range [][]int{{}, {0}, {7}, {3, 4}, {2, 3, 4}, {1, 1, 1, 5}, {20480}, {0, 3}, wholePadLine} {
		n, _ := count(shape)
		data := make([]float32, n)
		for j := range data {
			data[j] = float32(j)*0.25 - 1
		}
		path := filepath.Join(dir, string(rune('a'+i))+".npy")
		if err := WriteFile(path, shape, data); err != nil {
			t.Fatal(err)
		}
		files = append(files, file{path, append([]int{}, shape...)})
	}
	arg, err := json.Marshal(files)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(python, "-c", numpyCheck, string(arg)).CombinedOutput(); err != nil {
		t.Fatalf("numpy rejected our files: %v\n%s", err, out)
	}
	for _, f := range files {
		ours, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := os.ReadFile(f.Path + ".numpy.npy")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours, theirs) {
			n := min(len(ours), len(theirs), 128)
			t.Errorf("shape %v: differs from numpy.save\n ours %q\nnumpy %q", f.Shape, ours[:n], theirs[:n])
		}
	}
}
