package main

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/sample"
	"github.com/gocpc/cpc/core/train"
)

// corpusSource is where and how a command reads its corpus.
type corpusSource struct {
	dir, split string         // the bundled sample if dir is empty
	cache      string         // cache directory; "": the default one; "none": decode into memory
	onBad      data.OnBadFile // a file that does not decode
}

// savedSource is the corpus a checkpoint's state records (Trainer.Source):
// the directory and split as absolute paths ("" for the bundled sample
// and for none), or a split's name inside the corpus.
type savedSource struct {
	Data  string `json:"data"`
	Split string `json:"split,omitempty"`
}

// record gives the source to keep in the state, its paths made absolute
// so that a resume from another directory finds them.
func (src corpusSource) record() (string, error) {
	var s savedSource
	var err error
	if src.dir != "" {
		if s.Data, err = filepath.Abs(src.dir); err != nil {
			return "", err
		}
	}
	s.Split = src.split
	if _, statErr := os.Stat(src.split); src.split != "" && statErr == nil { // a path, as dataFile reads it
		if s.Split, err = filepath.Abs(src.split); err != nil {
			return "", err
		}
	}
	b, err := json.Marshal(s)
	return string(b), err
}

// fromSaved makes the corpus (and the split, if split) the ones the run
// saved in dir was trained on: a resume without --data trains on them.
func (src *corpusSource) fromSaved(g dist.Group, dir string, split bool, log io.Writer) error {
	text, err := train.SavedSource(g, dir)
	if err != nil || text == "" { // saved before sources were kept: the bundled sample, as then
		return err
	}
	var s savedSource
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		return fmt.Errorf("%s: corpus source %q: %w", filepath.Join(dir, train.StateFile), text, err)
	}
	src.dir = s.Data
	if split {
		src.split = s.Split
	}
	where := cmp.Or(src.dir, "the bundled sample")
	if src.split != "" {
		where += ", split " + src.split
	}
	fmt.Fprintf(log, "corpus of the saved run: %s\n", where)
	return nil
}

// loadCorpus scans the corpus and decodes it: into memory (the bundled
// sample, or with --cache none), else into its corpus cache, from which
// training reads windows. log gets what the cache did.
func loadCorpus(src corpusSource, log io.Writer) (*data.Corpus, string, error) {
	fsys, where, err := openCorpus(src.dir)
	if err != nil {
		return nil, "", err
	}
	var ids []string
	if src.split != "" {
		if ids, err = readSplit(fsys, src.split); err != nil {
			return nil, "", err
		}
	}
	c, err := data.Scan(fsys, ids)
	if err != nil {
		return nil, "", fmt.Errorf("corpus %s: %w", where, err)
	}
	dir, cached, err := src.cacheDir()
	if err != nil {
		return nil, "", err
	}
	if !cached {
		if err := c.Load(fsys); err != nil {
			return nil, "", fmt.Errorf("corpus %s: %w", where, err)
		}
		return c, where, nil
	}
	start, last := time.Now(), time.Now()
	rep, err := c.Cache(fsys, dir, src.onBad, func(done, total int) {
		if time.Since(last) > 5*time.Second || done == total {
			fmt.Fprintf(log, "corpus cache: decoded %d of %d files\n", done, total)
			last = time.Now()
		}
	})
	if err != nil {
		return nil, "", fmt.Errorf("corpus %s: %w", where, err)
	}
	for i, e := range rep.Skipped {
		if i == 10 {
			fmt.Fprintf(log, "skipped: … %d more\n", len(rep.Skipped)-10)
			break
		}
		fmt.Fprintf(log, "skipped: %v\n", e)
	}
	fmt.Fprintf(log, "corpus cache: %s: %d utterances reused, %d decoded, %d skipped; %.2f GB; ready in %s\n",
		dir, rep.Reused, rep.Decoded, len(rep.Skipped), float64(rep.Bytes)/1e9, time.Since(start).Round(time.Millisecond))
	return c, where, nil
}

// cacheDir is the corpus cache to use, if any: none for the bundled
// sample or with --cache none; --cache's directory; by default one under
// the user's cache directory, named after the corpus's absolute path.
func (src corpusSource) cacheDir() (dir string, cached bool, err error) {
	switch {
	case src.dir == "" || src.cache == "none":
		return "", false, nil
	case src.cache != "":
		return src.cache, true, nil
	}
	dir, err = defaultCacheDir(src.dir)
	return dir, err == nil, err
}

func defaultCacheDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the corpus (%w): give --cache DIR, or --cache none to decode into memory", err)
	}
	h := sha256.Sum256([]byte(abs))
	return filepath.Join(base, "cpc", "corpus-"+hex.EncodeToString(h[:8])), nil
}

// openCorpus returns the corpus directory dir, or the bundled sample if
// dir is empty, and how to name it.
func openCorpus(dir string) (fs.FS, string, error) {
	if dir == "" {
		return sample.FS, "the bundled sample", nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, "", fmt.Errorf("corpus: %w", err)
	}
	if !st.IsDir() {
		return nil, "", fmt.Errorf("corpus %s is not a directory", dir)
	}
	return os.DirFS(dir), dir, nil
}

// dataFile locates a file given as a path or as a name inside the corpus:
// the file system holding it and its name there.
func dataFile(corpus fs.FS, name string) (fs.FS, string) {
	if _, err := os.Stat(name); err == nil {
		return os.DirFS(filepath.Dir(name)), filepath.Base(name)
	}
	return corpus, name
}

// readSplit reads a split file given as a path or as a name in the corpus.
func readSplit(corpus fs.FS, name string) ([]string, error) {
	fsys, file := dataFile(corpus, name)
	ids, err := data.ReadSplit(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("split %s: %w", name, err)
	}
	return ids, nil
}
