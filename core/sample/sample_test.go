package sample

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"testing"
)

// streamInfo reads rate, channels, bits per sample and the total sample
// count from a FLAC file's STREAMINFO block, which the format requires to be
// the first metadata block.
func streamInfo(b []byte) (rate, channels, bits int, samples int64, err error) {
	if len(b) < 4+4+34 || string(b[:4]) != "fLaC" || b[4]&0x7f != 0 {
		return 0, 0, 0, 0, errors.New("no FLAC STREAMINFO")
	}
	si := b[8 : 8+34]
	// Bytes 10-17: 20 bits rate, 3 bits channels-1, 5 bits bits-1, 36 bits samples.
	v := binary.BigEndian.Uint64(si[10:18])
	rate = int(v >> 44)
	channels = int(v>>41&7) + 1
	bits = int(v>>36&31) + 1
	samples = int64(v & (1<<36 - 1))
	return rate, channels, bits, samples, nil
}

func lines(t *testing.T, name string) []string {
	t.Helper()
	b, err := fs.ReadFile(FS, name)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := sc.Text(); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// path maps an utterance id "100-1-0003" to "100/1/100-1-0003.flac".
func path(id string) string {
	p := strings.Split(id, "-")
	if len(p) != 3 {
		return ""
	}
	return fmt.Sprintf("%s/%s/%s.flac", p[0], p[1], id)
}

func TestCorpus(t *testing.T) {
	// Every FLAC file: 16 kHz mono 16-bit, at least 1.6 s.
	samples := map[string]int64{}
	err := fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".flac") {
			return err
		}
		b, err := fs.ReadFile(FS, p)
		if err != nil {
			return err
		}
		rate, ch, bits, n, err := streamInfo(b)
		if err != nil {
			return fmt.Errorf("%s: %v", p, err)
		}
		if rate != 16000 || ch != 1 || bits != 16 || n < 25600 {
			t.Errorf("%s: %d Hz, %d channels, %d bits, %d samples", p, rate, ch, bits, n)
		}
		id := strings.TrimSuffix(p[strings.LastIndex(p, "/")+1:], ".flac")
		if path(id) != p {
			t.Errorf("%s: not in LibriSpeech layout", p)
		}
		samples[id] = n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Each chapter's <spk>-<chapter>.trans.txt has a line per file.
	for id := range samples {
		p := path(id)
		dir := p[:strings.LastIndex(p, "/")]
		trans := fmt.Sprintf("%s/%s.trans.txt", dir, id[:strings.LastIndex(id, "-")])
		found := false
		for _, l := range lines(t, trans) {
			found = found || strings.HasPrefix(l, id+" ")
		}
		if !found {
			t.Errorf("%s: no transcript", id)
		}
	}

	classes := map[int]bool{}
	for _, l := range lines(t, "phone_classes.txt") {
		var id int
		var name string
		if _, err := fmt.Sscanf(l, "%d %s", &id, &name); err != nil || classes[id] {
			t.Fatalf("phone_classes.txt: bad line %q", l)
		}
		classes[id] = true
	}
	for i := range classes {
		if i < 0 || i >= len(classes) {
			t.Errorf("phone_classes.txt: ids are not 0..%d", len(classes)-1)
		}
	}

	// phones.txt: one line per file, floor(samples/160) known labels each,
	// and mostly speech rather than silence (label 0).
	labelled := map[string]bool{}
	var frames, silent int
	for _, l := range lines(t, "phones.txt") {
		f := strings.Fields(l)
		n, ok := samples[f[0]]
		if !ok || labelled[f[0]] {
			t.Errorf("phones.txt: %s has no file or is listed twice", f[0])
			continue
		}
		labelled[f[0]] = true
		if int64(len(f)-1) != n/160 {
			t.Errorf("phones.txt: %s has %d labels for %d samples", f[0], len(f)-1, n)
		}
		for _, s := range f[1:] {
			c, err := strconv.Atoi(s)
			if err != nil || !classes[c] {
				t.Fatalf("phones.txt: %s: label %q not in phone_classes.txt", f[0], s)
			}
			frames++
			if c == 0 {
				silent++
			}
		}
	}
	if len(labelled) != len(samples) {
		t.Errorf("phones.txt labels %d of %d utterances", len(labelled), len(samples))
	}
	if silent*4 > frames {
		t.Errorf("%d of %d frames are silence", silent, frames)
	}

	// Splits: disjoint, covering every file, every speaker in both, ≥15
	// utterances and ≥10 speakers.
	split := map[string]string{}
	inSplit := map[string]map[string]bool{"train.txt": {}, "test.txt": {}}
	for _, name := range []string{"train.txt", "test.txt"} {
		for _, id := range lines(t, name) {
			if _, ok := samples[id]; !ok {
				t.Errorf("%s: %s has no file", name, id)
			}
			if split[id] != "" {
				t.Errorf("%s: %s already in %s", name, id, split[id])
			}
			split[id] = name
			inSplit[name][strings.Split(id, "-")[0]] = true
		}
	}
	perSpeaker := map[string]int{}
	for id := range samples {
		perSpeaker[strings.Split(id, "-")[0]]++
		if split[id] == "" {
			t.Errorf("%s is in neither split", id)
		}
	}
	if len(perSpeaker) < 10 {
		t.Errorf("%d speakers, want at least 10", len(perSpeaker))
	}
	for s, n := range perSpeaker {
		if n < 15 {
			t.Errorf("speaker %s has %d utterances, want at least 15", s, n)
		}
		if !inSplit["train.txt"][s] || !inSplit["test.txt"][s] {
			t.Errorf("speaker %s is missing from a split", s)
		}
	}
}
