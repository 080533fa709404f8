package npy

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Expected headers follow the format spec and numpy.save: the dict, 21 − len(str(shape[0]))
// spare spaces for in-place growth (none for 0-d), then spaces and '\n' so
// that magic (6) + version (2) + length (2) + dict is a multiple of 64.
func TestHeaderBytes(t *testing.T) {
	const d = "{'descr': '<f4', 'fortran_order': False, 'shape': "
	for _, tc := range []struct {
		shape []int
		dict  string
		pad   int // spaces between the dict and '\n'
	}{
		{[]int{3, 4}, d + "(3, 4), }", 20 + 38},
		{[]int{5}, d + "(5,), }", 20 + 40},
		{[]int{}, d + "(), }", 62},
		{[]int{0}, d + "(0,), }", 20 + 40},
		{[]int{2, 3, 4}, d + "(2, 3, 4), }", 20 + 35},
		{[]int{16000}, d + "(16000,), }", 16 + 40},
		{wholePadLine, d + "(1, 100, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), }", 20 + 64},
	} {
		n, _ := count(tc.shape)
		var buf bytes.Buffer
		if err := Write(&buf, tc.shape, make([]float32, n)); err != nil {
			t.Fatal(err)
		}
		dict := tc.dict + strings.Repeat(" ", tc.pad) + "\n"
		want := "\x93NUMPY\x01\x00" + string([]byte{byte(len(dict)), byte(len(dict) >> 8)}) + dict
		if len(want)%64 != 0 {
			t.Fatalf("test expectation for %v is %d bytes, not a multiple of 64", tc.shape, len(want))
		}
		if got := buf.String()[:min(buf.Len(), len(want))]; got != want {
			t.Errorf("shape %v header\n got %q\nwant %q", tc.shape, got, want)
		}
		if buf.Len() != len(want)+4*n {
			t.Errorf("shape %v: %d bytes, want %d", tc.shape, buf.Len(), len(want)+4*n)
		}
	}
}

// wholePadLine is a shape whose dict and growth room end exactly on a 64-byte
// boundary, where numpy pads a whole extra line (64 spaces) rather than none.
var wholePadLine = []int{1, 100, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}

// A long shape needs a second 64-byte line; the length stays a multiple.
func TestHeaderAlignment(t *testing.T) {
	for dims := 0; dims <= maxDims; dims++ {
		shape := make([]int, dims)
		for i := range shape {
			shape[i] = 1
		}
		h := header(shape)
		if len(h)%align != 0 || h[len(h)-1] != '\n' || int(h[8])|int(h[9])<<8 != len(h)-10 {
			t.Fatalf("%d dims: header of %d bytes, length field %d", dims, len(h), int(h[8])|int(h[9])<<8)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, math.MaxFloat32, math.SmallestNonzeroFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for _, shape := range [][]int{{}, {0}, {len(specials)}, {3, 3}, {1, 3, 1, 3}, {0, 5}, {100000}} {
		n, _ := count(shape)
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i)*0.125 - 3
		}
		if n == len(specials) {
			copy(data, specials)
		}
		var buf bytes.Buffer
		if err := Write(&buf, shape, data); err != nil {
			t.Fatal(err)
		}
		buf.WriteString("trailing bytes stay unread")
		gotShape, got, err := Read(&buf)
		if err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		if !reflect.DeepEqual(gotShape, shape) && !(len(shape) == 0 && len(gotShape) == 0) {
			t.Fatalf("shape %v read back as %v", shape, gotShape)
		}
		if len(got) != n {
			t.Fatalf("%v: %d values, want %d", shape, len(got), n)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(data[i]) {
				t.Fatalf("%v: value %d = %v, want %v", shape, i, got[i], data[i])
			}
		}
	}
}

func TestWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		shape []int
		n     int
		want  string
	}{
		{[]int{2, 3}, 5, "holds 6 values, got 5"},
		{[]int{}, 0, "holds 1 values, got 0"},
		{[]int{-1}, 0, "negative dimension"},
		{[]int{math.MaxInt, 2}, 0, "overflows"},
		{make([]int, 33), 0, "33 dimensions"},
	} {
		var buf bytes.Buffer
		err := Write(&buf, tc.shape, make([]float32, tc.n))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("shape %v: error %v, want %q", tc.shape, err, tc.want)
		}
		if buf.Len() != 0 {
			t.Errorf("shape %v: wrote %d bytes before failing", tc.shape, buf.Len())
		}
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "z.npy")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []int{2, 2}, []float32{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	// A failed write leaves the previous file and no temporary behind.
	if err := WriteFile(path, []int{3}, []float32{1}); err == nil {
		t.Fatal("shape mismatch: no error")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	shape, data, err := Read(f)
	if err != nil || !reflect.DeepEqual(shape, []int{2, 2}) || !reflect.DeepEqual(data, []float32{1, 2, 3, 4}) {
		t.Fatalf("read back %v %v %v", shape, data, err)
	}
	if fi, err := f.Stat(); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("directory holds %v (%v), want only z.npy", entries, err)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "z.npy"), []int{1}, []float32{1}); err == nil {
		t.Fatal("missing directory: no error")
	}
	if shape, data, err := ReadFile(path); err != nil || !reflect.DeepEqual(shape, []int{2, 2}) || !reflect.DeepEqual(data, []float32{1, 2, 3, 4}) {
		t.Fatalf("ReadFile: %v %v %v", shape, data, err)
	}
	bad := filepath.Join(dir, "bad.npy")
	if err := os.WriteFile(bad, []byte("not npy"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("ReadFile of a bad file: %v, want an error naming it", err)
	}
}

func TestReadVariants(t *testing.T) {
	body := []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40} // 1.0, 2.0
	for _, h := range []string{
		`{"shape": (2,), "fortran_order": False, "descr": "<f4"}`,
		"{'descr':'<f4','fortran_order':False,'shape':(1,2,)}\n",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }" + strings.Repeat(" ", 300),
	} {
		for _, version := range []byte{1, 2, 3} {
			file := []byte("\x93NUMPY")
			file = append(file, version, 0)
			if version == 1 {
				file = append(file, byte(len(h)), byte(len(h)>>8))
			} else {
				file = append(file, byte(len(h)), byte(len(h)>>8), 0, 0)
			}
			file = append(append(file, h...), body...)
			shape, data, err := Read(bytes.NewReader(file))
			if n, _ := count(shape); err != nil || n != 2 || !reflect.DeepEqual(data, []float32{1, 2}) {
				t.Errorf("v%d %q: %v %v %v", version, h, shape, data, err)
			}
		}
	}
}

func TestReadErrors(t *testing.T) {
	npy := func(h string, body int) []byte {
		f := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
		return append(append(f, h...), make([]byte, body)...)
	}
	good := func(shape string) string {
		return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }"
	}
	for _, tc := range []struct {
		file []byte
		want string
	}{
		{nil, "reading magic"},
		{[]byte("PK\x03\x04zipfile"), "not a .npy file"},
		{[]byte("\x93NUMPY\x04\x00\x10\x00"), "version 4.0"},
		{[]byte("\x93NUMPY\x01\x00\x10"), "reading header length"},
		{[]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"), "exceeds 10000"},
		{npy(good("(2,)"), 0)[:20], "reading header"},
		{npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8), `dtype "<f8"`},
		{npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 4), `dtype ">f4"`},
		{npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16), "Fortran-order"},
		{npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", 4), "not True or False"},
		{npy("{'descr': '<f4', 'shape': (1,), }", 4), "lacks one of"},
		{npy("{'descr': '<f4', 'descr': '<f4', 'shape': (1,), }", 4), "duplicate key"},
		{npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4), `unexpected key "x"`},
		{npy(good("(3)"), 12), "expected ','"},
		{npy(good("(-1,)"), 0), "not a non-negative int"},
		{npy(good("[2]"), 8), "not a tuple"},
		{npy(good("(99999999999999999999,)"), 0), "not a non-negative int"},
		{npy(good("(4294967296, 4294967296)"), 0), "overflows"},
		{npy(good("(3,)"), 11), "data truncated"},
		{npy(good("(1000000000000,)"), 100), "data truncated"},
		{npy(good("(1,)")+" x", 4), "trailing characters"},
		{npy("{'descr: '<f4'}", 4), "missing ':'"},
		{npy("{'descr': '<f4' 'shape': (1,)}", 4), "expected ',' or '}'"},
		{npy("shape", 4), "not a dict"},
		{npy("{'descr': '<f4\\n', }", 4), "unsupported character"},
	} {
		_, _, err := Read(bytes.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "npy: ") {
			t.Errorf("%q: error %v, want %q", tc.file, err, tc.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	f.Add(buf.Bytes())
	f.Add([]byte("\x93NUMPY\x02\x00\x20\x00\x00\x00{'shape': (), 'descr': '<f4', }"))
	f.Fuzz(func(t *testing.T, file []byte) {
		shape, data, err := Read(bytes.NewReader(file))
		if err != nil {
			return
		}
		if n, cerr := count(shape); cerr != nil || n != len(data) {
			t.Fatalf("shape %v with %d values (%v)", shape, len(data), cerr)
		}
	})
}
