// Package data reads corpora in LibriSpeech layout and draws training
// batches from them.
package data

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/gocpc/cpc/core/audio"
)

// Utterance is one audio file of a corpus, decoded to 16 kHz mono: in
// memory (Audio, from Load) or in a corpus cache (see Corpus.Cache).
type Utterance struct {
	ID      string // <speaker>-<chapter>-<n>
	Speaker string
	Path    string // within the corpus file system
	Audio   []float32

	src     *cacheFile // the cache holding the samples, if not in memory
	offset  int64      // where in it
	samples int
	format  int // bytes a sample there
}

// Samples is the utterance's length in samples.
func (u *Utterance) Samples() int {
	if u.src != nil {
		return u.samples
	}
	return len(u.Audio)
}

// Corpus is a set of utterances in LibriSpeech layout,
// ROOT/<speaker>/<chapter>/<speaker>-<chapter>-<n>.flac (or .wav).
type Corpus struct {
	Utterances []Utterance // sorted by ID
	BadFiles   []error     // files left out because they did not decode (Cache with SkipBadFile)
	cache      *cacheFile  // where the utterances' samples are, if not in memory
}

var uttName = regexp.MustCompile(`^([0-9A-Za-z_]+)-([0-9A-Za-z_]+)-([0-9A-Za-z_]+)\.(flac|wav)$`)

// Scan lists the utterances under fsys without decoding them. A file whose
// name does not match its speaker and chapter folders is an error, so a
// mislaid file is not silently left out. If ids is not nil only those
// utterances are kept, and every one of them must exist.
func Scan(fsys fs.FS, ids []string) (*Corpus, error) {
	c := &Corpus{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		m := uttName.FindStringSubmatch(d.Name())
		if d.IsDir() || m == nil {
			return nil
		}
		if want := path.Join(m[1], m[2], d.Name()); p != want {
			return fmt.Errorf("%s: not in LibriSpeech layout (expected %s)", p, want)
		}
		c.Utterances = append(c.Utterances, Utterance{ID: strings.TrimSuffix(d.Name(), path.Ext(p)), Speaker: m[1], Path: p})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(c.Utterances) == 0 {
		return nil, errors.New("no audio files in LibriSpeech layout (<speaker>/<chapter>/<speaker>-<chapter>-<n>.flac or .wav)")
	}
	sort.Slice(c.Utterances, func(i, j int) bool { return c.Utterances[i].ID < c.Utterances[j].ID })
	for i := 1; i < len(c.Utterances); i++ {
		if c.Utterances[i].ID == c.Utterances[i-1].ID {
			return nil, fmt.Errorf("utterance %s appears twice (%s and %s)", c.Utterances[i].ID, c.Utterances[i-1].Path, c.Utterances[i].Path)
		}
	}
	if ids != nil {
		return c.Keep(ids)
	}
	return c, nil
}

// Keep returns the utterances listed in ids (sorted by id), sharing their
// decoded audio with c; every id must be in c.
func (c *Corpus) Keep(ids []string) (*Corpus, error) {
	byID := map[string]Utterance{}
	for _, u := range c.Utterances {
		byID[u.ID] = u
	}
	kept := &Corpus{}
	for _, id := range ids {
		u, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("utterance %s of the split is not in the corpus", id)
		}
		kept.Utterances = append(kept.Utterances, u)
	}
	if len(kept.Utterances) == 0 {
		return nil, errors.New("the split lists no utterances")
	}
	sort.Slice(kept.Utterances, func(i, j int) bool { return kept.Utterances[i].ID < kept.Utterances[j].ID })
	return kept, nil
}

// Load decodes every utterance, on all cores.
func (c *Corpus) Load(fsys fs.FS) error {
	var wg sync.WaitGroup
	errs := make([]error, len(c.Utterances))
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				c.Utterances[i].Audio, errs[i] = audio.ReadFS(fsys, c.Utterances[i].Path)
			}
		})
	}
	for i := range c.Utterances {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// Speakers lists the distinct speakers, sorted.
func (c *Corpus) Speakers() []string {
	seen := map[string]bool{}
	var s []string
	for _, u := range c.Utterances {
		if !seen[u.Speaker] {
			seen[u.Speaker] = true
			s = append(s, u.Speaker)
		}
	}
	sort.Strings(s)
	return s
}

// Samples is the total number of samples.
func (c *Corpus) Samples() int {
	n := 0
	for i := range c.Utterances {
		n += c.Utterances[i].Samples()
	}
	return n
}

// Fingerprint names the corpus's contents (its utterances' ids and
// lengths, not their samples): a resumed run checks it is given the
// corpus it was trained on. Two corpora with the same fingerprint list
// the same utterances, of the same lengths.
func (c *Corpus) Fingerprint() string {
	h := sha256.New()
	for i := range c.Utterances {
		u := &c.Utterances[i]
		fmt.Fprintf(h, "%s %d\n", u.ID, u.Samples())
	}
	return fmt.Sprintf("%d utterances, %d samples, sha256 %x", len(c.Utterances), c.Samples(), h.Sum(nil)[:8])
}

// ReadSplit reads a split file: one utterance id a line; blank lines and
// lines starting with # are ignored.
func ReadSplit(fsys fs.FS, name string) ([]string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if strings.ContainsAny(s, " \t") {
			return nil, fmt.Errorf("%s:%d: %q is not one utterance id", name, line, s)
		}
		ids = append(ids, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ids, nil
}
