package data

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/gocpc/cpc/core/atomicfile"
	"github.com/gocpc/cpc/core/audio"
)

// A corpus cache holds a corpus decoded once, so that training reads
// windows, not files: samples.bin, every utterance's samples back to back
// (16-bit when the source's samples are, else float32), and index.json,
// where each utterance's samples are and which source file, of which size
// and modification time, they came from. A run reads a batch's windows
// from samples.bin (the operating system keeps what is hot in its page
// cache), so its memory does not grow with the corpus, and the next run
// starts from the index without decoding anything. Files added or changed
// since are decoded and appended; the index is written last and
// atomically, so a run killed while decoding leaves the previous index,
// which still describes a prefix of samples.bin, and the next run
// continues from it.

const (
	cacheData    = "samples.bin"
	cacheIndex   = "index.json"
	cacheVersion = 1
)

// Sample formats in the cache.
const (
	formatInt16   = 2 // bytes a sample
	formatFloat32 = 4
)

// cacheEntry is one source file's place in samples.bin.
type cacheEntry struct {
	Path    string `json:"path"` // within the corpus
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	Offset  int64  `json:"offset"`          // bytes into samples.bin
	Samples int    `json:"samples"`         // decoded samples
	Format  int    `json:"format"`          // bytes a sample
	Error   string `json:"error,omitempty"` // why the file did not decode (then it has no samples)
}

type cacheIndexFile struct {
	Version  int          `json:"version"`
	DataSize int64        `json:"data_size"` // bytes of samples.bin the entries cover
	Entries  []cacheEntry `json:"entries"`
}

// cacheFile is an open samples.bin, shared by the utterances read from it.
type cacheFile struct{ f *os.File }

// OnBadFile says what to do with a file that does not decode.
type OnBadFile int

const (
	StopOnBadFile OnBadFile = iota // the error ends the run
	SkipBadFile                    // the file is left out, and reported
)

// CacheReport is what Cache did.
type CacheReport struct {
	Reused, Decoded int     // utterances found in the index, and decoded now
	Skipped         []error // files that did not decode, with SkipBadFile
	Bytes           int64   // size of samples.bin
}

// Cache backs c's utterances (from Scan, not loaded) by the cache in dir,
// created if missing and brought up to date: files not in the index, or
// whose size or modification time changed, are decoded (on all cores) and
// appended. progress, if not nil, is called as files are decoded. The
// utterances, changed in place (files skipped are removed), then read
// their windows from the cache; c.Close closes it.
func (c *Corpus) Cache(fsys fs.FS, dir string, onBad OnBadFile, progress func(done, total int)) (CacheReport, error) {
	var rep CacheReport
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return rep, fmt.Errorf("corpus cache: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return rep, fmt.Errorf("corpus cache: %w", err)
	}
	defer unlock()
	idx := readCacheIndex(dir)
	known := map[string]int{}
	for i, e := range idx.Entries {
		known[e.Path] = i
	}
	var todo []int // utterances to decode
	entry := make([]int, len(c.Utterances))
	for i, u := range c.Utterances {
		st, err := fs.Stat(fsys, u.Path)
		if err != nil {
			return rep, fmt.Errorf("corpus cache: %w", err)
		}
		entry[i] = -1
		k, ok := known[u.Path]
		switch {
		case !ok || idx.Entries[k].Size != st.Size() || idx.Entries[k].ModTime != st.ModTime().UnixNano():
			todo = append(todo, i)
		case idx.Entries[k].Error != "": // known not to decode, unchanged since
			bad := errors.New(idx.Entries[k].Error)
			if onBad == StopOnBadFile {
				return rep, fmt.Errorf("%w (--on-bad-file skip leaves such files out)", bad)
			}
			rep.Skipped = append(rep.Skipped, bad)
		default:
			entry[i] = k
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, cacheData), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return rep, fmt.Errorf("corpus cache: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			f.Close()
		}
	}()
	if len(todo) > 0 {
		appended, skipped, err := appendDecoded(fsys, f, &idx, c.Utterances, todo, onBad, progress)
		// What decoded is kept, also when a bad file stops the run.
		if werr := writeCacheIndex(dir, idx); err == nil {
			err = werr
		}
		if err != nil {
			return rep, err
		}
		for j, k := range appended {
			entry[todo[j]] = k
		}
		rep.Skipped = append(rep.Skipped, skipped...)
	}
	src := &cacheFile{f: f}
	kept := c.Utterances[:0] // in place: pointers to utterances stay good unless some are skipped
	for i := range c.Utterances {
		if entry[i] < 0 {
			continue // skipped: did not decode
		}
		u, e := c.Utterances[i], idx.Entries[entry[i]]
		u.Audio, u.src, u.offset, u.samples, u.format = nil, src, e.Offset, e.Samples, e.Format
		kept = append(kept, u)
	}
	rep.Reused, rep.Decoded = len(kept)-countIn(entry, todo), countIn(entry, todo)
	rep.Bytes = idx.DataSize
	if len(kept) == 0 {
		return rep, errors.New("corpus cache: no utterance decoded")
	}
	c.Utterances, c.BadFiles, c.cache, keep = kept, rep.Skipped, src, true
	return rep, nil
}

// countIn counts the utterances of todo that have an entry.
func countIn(entry, todo []int) int {
	n := 0
	for _, i := range todo {
		if entry[i] >= 0 {
			n++
		}
	}
	return n
}

// Close closes the cache the corpus reads from, if any.
func (c *Corpus) Close() error {
	if c.cache == nil {
		return nil
	}
	return c.cache.f.Close()
}

// readCacheIndex returns dir's index, or an empty one where there is none
// it can trust: missing, unreadable, of another version, or describing
// more of samples.bin than there is.
func readCacheIndex(dir string) cacheIndexFile {
	empty := cacheIndexFile{Version: cacheVersion}
	b, err := os.ReadFile(filepath.Join(dir, cacheIndex))
	if err != nil {
		return empty
	}
	var idx cacheIndexFile
	if json.Unmarshal(b, &idx) != nil || idx.Version != cacheVersion {
		return empty
	}
	st, err := os.Stat(filepath.Join(dir, cacheData))
	if err != nil || st.Size() < idx.DataSize {
		return empty
	}
	for _, e := range idx.Entries {
		if e.Offset < 0 || e.Samples < 0 || (e.Format != formatInt16 && e.Format != formatFloat32) ||
			e.Offset+int64(e.Samples*e.Format) > idx.DataSize {
			return empty
		}
	}
	return idx
}

// writeCacheIndex writes idx, an entry a path: a file decoded again
// replaces its earlier entry (whose bytes stay unused in samples.bin).
func writeCacheIndex(dir string, idx cacheIndexFile) error {
	last := map[string]int{}
	for i, e := range idx.Entries {
		last[e.Path] = i
	}
	entries := make([]cacheEntry, 0, len(last))
	for i, e := range idx.Entries {
		if last[e.Path] == i {
			entries = append(entries, e)
		}
	}
	idx.Entries = entries
	b, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, cacheIndex), b)
}

// appendDecoded decodes utterances todo of us on all cores and appends
// their samples to f after the bytes idx covers (anything past them, left
// by a run that was killed, is overwritten). It returns, for each of todo,
// its entry in idx (−1 if skipped), and the skipped files' errors.
func appendDecoded(fsys fs.FS, f *os.File, idx *cacheIndexFile, us []Utterance, todo []int, onBad OnBadFile,
	progress func(done, total int)) ([]int, []error, error) {
	if err := f.Truncate(idx.DataSize); err != nil {
		return nil, nil, fmt.Errorf("corpus cache: %w", err)
	}
	type decoded struct {
		j    int // index into todo
		x    []float32
		size int64
		mod  int64
		err  error
	}
	next, done := make(chan int), make(chan decoded)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range next {
				u := us[todo[j]]
				d := decoded{j: j}
				if st, err := fs.Stat(fsys, u.Path); err != nil {
					d.err = err
				} else {
					d.size, d.mod = st.Size(), st.ModTime().UnixNano()
					d.x, d.err = audio.ReadFS(fsys, u.Path)
				}
				done <- d
			}
		})
	}
	go func() {
		for j := range todo {
			next <- j
		}
		close(next)
		wg.Wait()
		close(done)
	}()
	entries := make([]int, len(todo))
	var skipped []error
	var stop, ioErr error // a bad file that stops the run (the others still go in); a failed write
	buf := make([]byte, 0, 1<<20)
	n := 0
	for d := range done { // one writer: the entries are appended as decoded
		n++
		if progress != nil {
			progress(n, len(todo))
		}
		entries[d.j] = -1
		if ioErr != nil {
			continue // drain the workers
		}
		if d.err != nil {
			if d.size > 0 || d.mod != 0 { // stat worked: remember the file as bad until it changes
				idx.Entries = append(idx.Entries, cacheEntry{Path: us[todo[d.j]].Path, Size: d.size, ModTime: d.mod,
					Offset: idx.DataSize, Format: formatInt16, Error: d.err.Error()})
			}
			if onBad == SkipBadFile {
				skipped = append(skipped, d.err)
			} else if stop == nil {
				stop = fmt.Errorf("%w (--on-bad-file skip leaves such files out)", d.err)
			}
			continue
		}
		e := cacheEntry{Path: us[todo[d.j]].Path, Size: d.size, ModTime: d.mod, Offset: idx.DataSize, Samples: len(d.x), Format: sampleFormat(d.x)}
		buf = encodeSamples(buf[:0], d.x, e.Format)
		if _, err := f.WriteAt(buf, e.Offset); err != nil {
			ioErr = fmt.Errorf("corpus cache: %w", err)
			continue
		}
		idx.DataSize += int64(len(buf))
		entries[d.j] = len(idx.Entries)
		idx.Entries = append(idx.Entries, e)
	}
	if err := f.Sync(); err != nil && ioErr == nil {
		ioErr = fmt.Errorf("corpus cache: %w", err)
	}
	if err := cmp.Or(ioErr, stop); err != nil {
		return nil, nil, err
	}
	return entries, skipped, nil
}

// sampleFormat is 16-bit when every sample of x is one (a 16-bit source's
// are k/32768 exactly), else float32.
func sampleFormat(x []float32) int {
	for _, v := range x {
		s := v * 32768
		if s != float32(math.Trunc(float64(s))) || s < -32768 || s > 32767 {
			return formatFloat32
		}
	}
	return formatInt16
}

func encodeSamples(b []byte, x []float32, format int) []byte {
	for _, v := range x {
		if format == formatInt16 {
			b = binary.LittleEndian.AppendUint16(b, uint16(int16(v*32768)))
		} else {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b
}

// ReadAll returns u's samples: from memory, or read from the cache into a
// slice of their own.
func (u *Utterance) ReadAll() ([]float32, error) {
	if u.src == nil {
		return u.Audio, nil
	}
	x := make([]float32, u.samples)
	var scratch []byte
	return x, u.read(0, x, &scratch)
}

// read fills dst with the samples of u from start: from memory, or from
// the cache.
func (u *Utterance) read(start int, dst []float32, scratch *[]byte) error {
	if u.src == nil {
		copy(dst, u.Audio[start:])
		return nil
	}
	n := len(dst) * u.format
	if cap(*scratch) < n {
		*scratch = make([]byte, n)
	}
	b := (*scratch)[:n]
	if _, err := u.src.f.ReadAt(b, u.offset+int64(start*u.format)); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("corpus cache, utterance %s (%s): %w", u.ID, u.Path, err)
	}
	for i := range dst {
		if u.format == formatInt16 {
			dst[i] = float32(int16(binary.LittleEndian.Uint16(b[2*i:]))) / 32768
		} else {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	}
	return nil
}
