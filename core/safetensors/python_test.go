//go:build !js && !wasip1

package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// pythonCheck reads the file at argv[1] with a parser of its own, written
// from the format description with only json and struct, and compares it with
// the expected tensors in argv[2] bit for bit. When the safetensors package
// is importable it also loads the file with safetensors.torch.load_file, the
// call a PyTorch user makes. It prints the readers that ran.
const pythonCheck = `
import json, struct, sys
path, want = sys.argv[1], json.loads(sys.argv[2])
buf = open(path, "rb").read()
(n,) = struct.unpack("<Q", buf[:8])
assert (8 + n) % 8 == 0, "data does not start 8-byte aligned"
raw = buf[8:8 + n].decode("utf-8")
assert raw.rstrip(" ").endswith("}"), "header padding is not spaces"
header = json.loads(raw)
data = buf[8 + n:]
assert header.pop("__metadata__", {}) == want["metadata"], "metadata differs"
assert set(header) == set(want["tensors"]), sorted(header)
pos = 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
    w = want["tensors"][name]
    begin, end = info["data_offsets"]
    assert begin == pos, (name, "hole or overlap", begin, pos)
    assert info["dtype"] == "F32" and info["shape"] == w["shape"], (name, info)
    bits = list(struct.unpack("<%dI" % ((end - begin) // 4), data[begin:end]))
    assert bits == w["bits"], (name, bits, w["bits"])
    pos = end
assert pos == len(data), "data has bytes after the last tensor"
readers = ["stdlib"]
try:
    from safetensors.torch import load_file
    import torch
except ImportError:
    pass
else:
    loaded = load_file(path)
    assert set(loaded) == set(want["tensors"]), sorted(loaded)
    for name, t in loaded.items():
        w = want["tensors"][name]
        assert t.dtype == torch.float32 and list(t.shape) == w["shape"], (name, t.dtype, t.shape)
        bits = [b & 0xFFFFFFFF for b in t.reshape(-1).view(torch.int32).tolist()]
        assert bits == w["bits"], name
    readers.append("safetensors.torch")
print(" ".join(readers))
`

// TestPythonReads checks the file against a reader that shares no code with
// this package.
func TestPythonReads(t *testing.T) {
	python := python3(t)
	tensors, metadata := sample()
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := WriteFile(path, tensors, metadata); err != nil {
		t.Fatal(err)
	}

	type expected struct {
		Shape []int    `json:"shape"`
		Bits  []uint32 `json:"bits"`
	}
	want := struct {
		Metadata map[string]string   `json:"metadata"`
		Tensors  map[string]expected `json:"tensors"`
	}{metadata, map[string]expected{}}
	for name, tn := range tensors {
		e := expected{Shape: tn.Shape, Bits: []uint32{}}
		for _, v := range tn.Data {
			e.Bits = append(e.Bits, math.Float32bits(v))
		}
		want.Tensors[name] = e
	}
	wantJSON, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", pythonCheck, path, string(wantJSON)).CombinedOutput()
	if err != nil {
		t.Fatalf("python rejected the file: %v\n%s", err, out)
	}
	t.Logf("python readers: %s", out)
}

// python3 returns Debian's interpreter; under CI a missing one fails the
// test rather than skipping it, so the check cannot silently stop running.
func python3(t *testing.T) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs %s: %v", python, err)
		}
		t.Skipf("%s not available: %v", python, err)
	}
	return python
}

// torchHalves writes, at argv[1], a safetensors file of a tensor PyTorch
// rounded to half and one to bfloat16 (normals, subnormals, overflow to
// infinity, signed zeros), with a header of its own, and prints the
// float32 bits PyTorch widens them back to.
const torchHalves = `
import json, struct, sys, torch
torch.manual_seed(0)
x = torch.cat([torch.randn(200) * 10.0 ** torch.randint(-9, 6, (200,)),
               torch.tensor([0.0, -0.0, 1e-7, -3e-8, 70000.0, 1e39, 65504.0, 6.1e-5,
                             1 + 2**-8, 1 + 3 * 2**-8, -(1 + 2**-8), 3.3895e38])])
blobs, header, pos, want = [], {}, 0, {}
for name, t in (("h", x.half()), ("b", x.bfloat16())):
    raw = t.view(torch.int16).numpy().tobytes()
    header[name] = {"dtype": "F16" if name == "h" else "BF16", "shape": [len(x)], "data_offsets": [pos, pos + len(raw)]}
    blobs.append(raw); pos += len(raw)
    want[name] = [b & 0xFFFFFFFF for b in t.float().view(torch.int32).tolist()]
h = json.dumps(header).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
want["x"] = [b & 0xFFFFFFFF for b in x.view(torch.int32).tolist()]
want["x_bf16"] = [b & 0xFFFF for b in x.bfloat16().view(torch.int16).tolist()]
print(json.dumps(want))
`

// TestPythonHalves reads half and bfloat16 tensors PyTorch wrote and
// finds the float32 values PyTorch's own .float() gives, bit for bit; and
// writes the float32 values as BF16 with the bits of PyTorch's .bfloat16()
// (ties, overflow to infinity, NaN beside it).
func TestPythonHalves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "halves.safetensors")
	out, err := exec.Command(python3(t), "-c", torchHalves, path).Output()
	if err != nil {
		t.Fatalf("python with torch: %v\n%s", err, out)
	}
	var want map[string][]uint32
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	tensors, _, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	x, xBF16 := want["x"], want["x_bf16"]
	delete(want, "x")
	delete(want, "x_bf16")
	for name, bits := range want {
		got := tensors[name].Data
		if len(got) != len(bits) {
			t.Fatalf("%s: %d values, PyTorch %d", name, len(got), len(bits))
		}
		for i, b := range bits {
			if math.Float32bits(got[i]) != b {
				t.Errorf("%s[%d]: %#08x, PyTorch %#08x", name, i, math.Float32bits(got[i]), b)
			}
		}
	}
	vals := append(make([]float32, 0, len(x)+1), float32(math.NaN()))
	for _, b := range x {
		vals = append(vals, math.Float32frombits(b))
	}
	b, err := EncodeAs(map[string]Tensor{"x": {Shape: []int{len(vals)}, Data: vals}}, nil, BF16)
	if err != nil {
		t.Fatal(err)
	}
	data := b[len(b)-2*len(vals):]
	if nan := binary.LittleEndian.Uint16(data); nan&0x7f80 != 0x7f80 || nan&0x7f == 0 {
		t.Errorf("NaN written as %#04x", nan)
	}
	for i, want := range xBF16 {
		if got := binary.LittleEndian.Uint16(data[2*(i+1):]); uint32(got) != want {
			t.Errorf("BF16 of %g: %#04x, PyTorch %#04x", vals[i+1], got, want)
		}
	}
}
