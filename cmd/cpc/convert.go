package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/safetensors"
)

// dtypes are the stores --dtype names.
var dtypes = map[string]safetensors.DType{"f32": safetensors.F32, "bf16": safetensors.BF16}

func runConvert(args []string, stderr io.Writer) error {
	fl := newFlags("convert", "--model CHECKPOINT --out FILE [--dtype bf16|f32]", stderr)
	model := fl.String("model", "", "checkpoint to convert: a .safetensors file (a model's, an image model's, any) or a training directory")
	out := fl.String("out", "", "safetensors file to write (replaced atomically)")
	dtype := fl.String("dtype", "bf16", "how the output stores its values: bf16 (half the bytes, 8 significant bits, rounded to nearest even as PyTorch's .bfloat16()) or f32")
	if err := parse(fl, args); err != nil {
		return err
	}
	d, ok := dtypes[strings.ToLower(*dtype)]
	switch {
	case fl.NArg() > 0:
		return usageError{fmt.Errorf("unexpected argument %q", fl.Arg(0))}
	case *model == "" || *out == "":
		return usageError{fmt.Errorf("--model and --out are needed")}
	case !ok:
		return usageError{fmt.Errorf("--dtype %q: want bf16 or f32", *dtype)}
	}
	in := *model
	if st, err := os.Stat(in); err == nil && st.IsDir() {
		in = filepath.Join(in, cpc.ModelFile)
	}
	tensors, meta, err := safetensors.ReadFile(in)
	if err != nil {
		return err
	}
	if err := safetensors.WriteFileAs(*out, tensors, meta, d); err != nil {
		return err
	}
	values := 0
	for _, t := range tensors {
		values += len(t.Data)
	}
	before, after := fileSize(in), fileSize(*out)
	fmt.Fprintf(stderr, "%s: %d tensors, %d values as %s, %d bytes (%s: %d)\n", *out, len(tensors), values, d, after, in, before)
	return nil
}

// fileSize is the size of the file at path, or -1 if it cannot be read.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return st.Size()
}
