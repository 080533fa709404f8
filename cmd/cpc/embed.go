package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/npy"
)

func runEmbed(args []string, stderr io.Writer) error {
	fl := newFlags("embed", "--model DIR|FILE [flags] FILE...", stderr)
	modelPath := fl.String("model", "", "checkpoint: a model.safetensors file or a training directory (required)")
	layer := fl.String("layer", "c", "features: c (GRU context, H per frame) or z (encoder, C per frame)")
	pool := fl.String("pool", "none", "none (one vector per 160 samples) or mean (one vector per file)")
	format := fl.String("format", "npy", "npy or jsonl")
	out := fl.String("out", "", "output: for npy, the file for one input or for --pool mean (default embeddings.npy), or a directory (an existing one, one ending in /, or any with several inputs) for one .npy per input (default: each beside its input, dir/a.wav giving dir/a.npy); for jsonl, a file ('-' or empty: standard output)")
	if err := parse(fl, args); err != nil {
		return err
	}
	switch {
	case *modelPath == "":
		return usageError{fmt.Errorf("--model is required")}
	case *pool != "none" && *pool != "mean":
		return usageError{fmt.Errorf("--pool %q: want none or mean", *pool)}
	case *format != "npy" && *format != "jsonl":
		return usageError{fmt.Errorf("--format %q: want npy or jsonl", *format)}
	case fl.NArg() == 0:
		return usageError{fmt.Errorf("no audio files given")}
	}
	l, err := cpc.ParseLayer(*layer)
	if err != nil {
		return usageError{fmt.Errorf("--%w", err)} // --layer "x": want c or z
	}
	model, _, err := cpc.Load(*modelPath)
	if err != nil {
		return err
	}
	files := fl.Args()
	var embs []embedding
	for _, f := range files {
		e, err := embedFile(model, f, l, *pool == "mean")
		if err != nil {
			return err
		}
		embs = append(embs, e)
	}
	if *format == "jsonl" {
		return writeJSONL(*out, embs)
	}
	return writeNpy(*out, embs, *pool == "mean")
}

// embedding is one file's features: rows × dim, row-major.
type embedding struct {
	file      string
	rows, dim int
	data      []float32
}

// embedFile returns the features of the audio file at path, pooled to
// their mean if pool is set.
func embedFile(m *cpc.Model[float32], path string, layer cpc.Layer, pool bool) (embedding, error) {
	samples, err := audio.ReadFile(path)
	if err != nil {
		return embedding{}, err
	}
	e, err := cpc.Embed(m, samples, layer)
	if err != nil {
		return embedding{}, fmt.Errorf("%s: %w", path, err)
	}
	if pool {
		e = e.Mean()
	}
	return embedding{file: path, rows: e.Frames, dim: e.Dim, data: e.Data}, nil
}

// writeNpy writes the embeddings as .npy files. Pooled, they are one
// array, written to out (embeddings.npy when out is empty). Otherwise each
// file's array goes to out when it names a file and there is one input,
// into out when it is a directory (or ends in a separator; made if
// missing), and beside its input, with the extension .npy, when out is
// empty, as a converter writes its output.
func writeNpy(out string, embs []embedding, pooled bool) error {
	if pooled {
		if out == "" {
			out = "embeddings.npy"
		}
		var all []float32
		for _, e := range embs {
			all = append(all, e.data...)
		}
		return npy.WriteFile(out, []int{len(embs), embs[0].dim}, all)
	}
	dir := out != "" && (len(embs) > 1 || isDir(out) || os.IsPathSeparator(out[len(out)-1]))
	if dir {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
	}
	seen := map[string]string{}
	for _, e := range embs {
		path := out
		if dir || out == "" {
			path = npyPath(e.file, out)
		}
		if prev, ok := seen[path]; ok {
			return fmt.Errorf("%s and %s would both be written to %s", prev, e.file, path)
		}
		seen[path] = e.file
		if err := npy.WriteFile(path, []int{e.rows, e.dim}, e.data); err != nil {
			return err
		}
	}
	return nil
}

// npyPath is where file's array goes in dir: its name with the extension
// .npy, or its own path so changed when dir is empty.
func npyPath(file, dir string) string {
	if dir == "" {
		return strings.TrimSuffix(file, filepath.Ext(file)) + ".npy"
	}
	base := filepath.Base(file)
	return filepath.Join(dir, strings.TrimSuffix(base, filepath.Ext(base))+".npy")
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// writeJSONL writes one object a file: {"file", "shape", "embedding"}, the
// embedding a list of rows (or one vector when pooled to one row).
func writeJSONL(out string, embs []embedding) error {
	w := io.Writer(os.Stdout)
	if out != "" && out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, e := range embs {
		rows := make([][]float32, e.rows)
		for r := range rows {
			rows[r] = e.data[r*e.dim : (r+1)*e.dim]
		}
		rec := map[string]any{"file": e.file, "shape": []int{e.rows, e.dim}, "embedding": rows}
		if e.rows == 1 {
			rec["shape"], rec["embedding"] = []int{e.dim}, rows[0]
		}
		if err := enc.Encode(rec); err != nil {
			return err
		}
	}
	return bw.Flush()
}
