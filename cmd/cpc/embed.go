package main

import (
	"bufio"
	"cmp"
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
	out := fl.String("out", "", "output: for npy, the file for one input or for --pool mean (default embeddings.npy; in a directory named, its embeddings.npy), or a directory (an existing one, one ending in /, or any with several inputs) for one .npy per input (default: each beside its input, dir/a.wav giving dir/a.npy); for jsonl, a file ('-' or empty: standard output)")
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
	var sink embedSink
	if *format == "jsonl" {
		sink, err = newJSONLSink(*out)
	} else {
		sink, err = newNpySink(*out, files, *pool == "mean")
	}
	if err != nil {
		return err
	}
	for _, f := range files {
		e, err := embedFile(model, f, l, *pool == "mean")
		if err == nil {
			err = sink.put(e)
		}
		if err != nil {
			sink.close()
			return err
		}
	}
	return sink.close()
}

// embedSink takes each file's embedding as it is computed, so that memory
// holds one file's at a time (pooled, every file's mean: one row each).
type embedSink interface {
	put(e embedding) error
	close() error
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

// npySink writes the embeddings as .npy files. Pooled, they are one
// array, written to out (embeddings.npy when out is empty) at the end.
// Otherwise each file's array goes to out when it names a file and there
// is one input, into out when it is a directory (or ends in a separator;
// made if missing), and beside its input, with the extension .npy, when
// out is empty, as a converter writes its output.
type npySink struct {
	out    string
	pooled bool
	paths  map[string]string // input file → its .npy, unpooled
	means  []float32
	dim    int
}

// newNpySink checks, before anything is computed, that no two inputs
// would be written to one file.
func newNpySink(out string, files []string, pooled bool) (*npySink, error) {
	s := &npySink{out: out, pooled: pooled, paths: map[string]string{}}
	named := out != "" && (isDir(out) || os.IsPathSeparator(out[len(out)-1])) // a directory
	if pooled {
		if named { // the one array goes into it, under the default name
			s.out = filepath.Join(out, "embeddings.npy")
			return s, os.MkdirAll(out, 0o755)
		}
		return s, nil
	}
	dir := named || out != "" && len(files) > 1
	if dir {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, err
		}
	}
	seen := map[string]string{}
	for _, f := range files {
		path := out
		if dir || out == "" {
			path = npyPath(f, out)
		}
		if prev, ok := seen[path]; ok {
			return nil, fmt.Errorf("%s and %s would both be written to %s", prev, f, path)
		}
		seen[path], s.paths[f] = f, path
	}
	return s, nil
}

func (s *npySink) put(e embedding) error {
	if s.pooled {
		s.means, s.dim = append(s.means, e.data...), e.dim
		return nil
	}
	return npy.WriteFile(s.paths[e.file], []int{e.rows, e.dim}, e.data)
}

func (s *npySink) close() error {
	if !s.pooled || s.dim == 0 {
		return nil
	}
	return npy.WriteFile(cmp.Or(s.out, "embeddings.npy"), []int{len(s.means) / s.dim, s.dim}, s.means)
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

// jsonlSink writes one object a file: {"file", "shape", "embedding"},
// the embedding a list of rows (or one vector when pooled to one row), to
// out ('-' or empty: standard output).
type jsonlSink struct {
	f   *os.File // nil for standard output
	bw  *bufio.Writer
	enc *json.Encoder
}

func newJSONLSink(out string) (*jsonlSink, error) {
	s := &jsonlSink{}
	w := io.Writer(os.Stdout)
	if out != "" && out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return nil, err
		}
		s.f, w = f, f
	}
	s.bw = bufio.NewWriter(w)
	s.enc = json.NewEncoder(s.bw)
	return s, nil
}

func (s *jsonlSink) put(e embedding) error {
	rows := make([][]float32, e.rows)
	for r := range rows {
		rows[r] = e.data[r*e.dim : (r+1)*e.dim]
	}
	rec := map[string]any{"file": e.file, "shape": []int{e.rows, e.dim}, "embedding": rows}
	if e.rows == 1 {
		rec["shape"], rec["embedding"] = []int{e.dim}, rows[0]
	}
	return s.enc.Encode(rec)
}

func (s *jsonlSink) close() error {
	err := s.bw.Flush()
	if s.f != nil {
		err = cmp.Or(err, s.f.Close())
	}
	return err
}
