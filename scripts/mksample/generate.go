//go:build mksample

package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/gocpc/cpc/core/room"
	"github.com/gocpc/cpc/scripts/mksample/corpus"
)

// corpusConfig is a corpus to generate (flags in main.go).
type corpusConfig struct {
	Out        string
	Seed       uint64
	Minutes    float64
	Utterances int
	Synths     []string
	Speakers   int
	Text       string // bundled, generated or mixed
	Noise      *corpus.Noise
	Reverb     *corpus.Reverb
	Jobs       int
	Command    []string
}

// bundled holds corpus/sentences.txt's sentences.
var bundled = corpus.Bundled()

// chapterLen utterances of a speaker make one LibriSpeech chapter.
const chapterLen = 25

// made is one finished utterance: its file is written, these go into the
// text files.
type made struct {
	FLAC               []byte
	ID, Text           string
	Spk, Chapter, N    int
	Samples            int
	Labels             []int
	Pitch, Rate        float64
	SNR, RT60          float64
	SkippedShortBefore int
}

// generate makes the corpus: utterances go round the speakers in order,
// each drawn from its own seeded streams, until the requested minutes or
// utterances are reached. Jobs utterances are made at a time in parallel
// and kept in order, so the output does not depend on Jobs.
func generate(c corpusConfig) error {
	spk, err := corpus.DrawSpeakers(c.Seed, c.Synths, c.Speakers)
	if err != nil {
		return err
	}
	if err := prepareOut(c.Out); err != nil {
		return err
	}
	var utts []made
	samples := 0
	done := func() bool {
		if c.Utterances > 0 {
			return len(utts) >= c.Utterances
		}
		return float64(samples) >= c.Minutes*60*corpus.OutRate
	}
	for !done() {
		batch := make([]made, c.Jobs)
		errs := make([]error, c.Jobs)
		var wg sync.WaitGroup
		for j := range batch {
			i := len(utts) + j
			wg.Add(1)
			go func() {
				defer wg.Done()
				batch[j], errs[j] = makeUtterance(c, spk[i%len(spk)], i/len(spk))
			}()
		}
		wg.Wait()
		for j := range batch {
			if done() {
				break
			}
			if errs[j] != nil {
				return errs[j]
			}
			if err := writeAudio(c.Out, &batch[j]); err != nil {
				return err
			}
			utts, samples = append(utts, batch[j]), samples+batch[j].Samples
		}
		fmt.Fprintf(os.Stderr, "\r%d utterances, %.1f min", len(utts), float64(samples)/corpus.OutRate/60)
	}
	fmt.Fprintln(os.Stderr)
	return writeCorpus(c, spk, utts)
}

// makeUtterance synthesises utterance n of speaker s, runs it through the
// speaker's vocal-tract scale, the room and the noise, and returns its FLAC
// file, labels and settings. A sentence shorter than minLen
// after resampling is replaced by the next one drawn for this utterance.
func makeUtterance(c corpusConfig, s corpus.Speaker, n int) (made, error) {
	tmp, err := os.MkdirTemp("", "mkcorpus")
	if err != nil {
		return made{}, err
	}
	defer os.RemoveAll(tmp)
	m := made{Spk: s.ID, Chapter: 1 + n/chapterLen, N: n}
	m.ID = fmt.Sprintf("%d-%d-%04d", s.ID, m.Chapter, n%chapterLen)
	m.Pitch, m.Rate = corpus.Jitter(c.Seed, s, n)
	var x []float64
	for try := 0; ; try++ {
		if try == 20 {
			return made{}, fmt.Errorf("speaker %d: 20 sentences in a row shorter than %d samples", s.ID, minLen)
		}
		m.Text = pickSentence(c, s.ID, n, try)
		syn, err := synthesise(s, m.Pitch, m.Rate, m.Text, tmp)
		if err != nil {
			return made{}, err
		}
		if x, err = corpus.Resample(syn.Audio, float64(syn.Rate)*s.Warp, corpus.OutRate); err != nil {
			return made{}, err
		}
		if len(x) < minLen {
			m.SkippedShortBefore++
			continue
		}
		if m.Labels, err = corpus.FrameLabels(s.Synth, syn.Segs, syn.End, s.Warp, len(x)); err != nil {
			return made{}, fmt.Errorf("speaker %d (%s %s), %q: %w", s.ID, s.Synth, s.Voice, m.Text, err)
		}
		break
	}
	if x, err = applyRoom(c, s.ID, n, x, &m); err != nil {
		return made{}, err
	}
	m.Samples = len(x)
	m.FLAC, err = encodeFLAC(toPCM16(x), tmp)
	return m, err
}

// writeAudio writes an utterance's FLAC file into its chapter folder and
// lets go of the bytes.
func writeAudio(out string, m *made) error {
	dir := filepath.Join(out, fmt.Sprint(m.Spk), fmt.Sprint(m.Chapter))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	err := os.WriteFile(filepath.Join(dir, m.ID+".flac"), m.FLAC, 0o644)
	m.FLAC = nil
	return err
}

// pickSentence draws the text of utterance n of speaker id (its try-th
// draw): from sentences.txt, from the generator, or, for mixed, one in
// three from sentences.txt.
func pickSentence(c corpusConfig, id, n, try int) string {
	r := corpus.Stream(c.Seed, "text", id, n, try)
	if c.Text == "bundled" || (c.Text == "mixed" && r.IntN(3) == 0) {
		return bundled[r.IntN(len(bundled))]
	}
	return corpus.Sentence(r)
}

// applyRoom convolves with a drawn room and adds noise at a drawn SNR, as
// configured, recording the draws in m.
func applyRoom(c corpusConfig, id, n int, x []float64, m *made) ([]float64, error) {
	if c.Reverb != nil {
		r := corpus.Stream(c.Seed, "reverb", id, n)
		m.RT60 = c.Reverb.RT60Lo + (c.Reverb.RT60Hi-c.Reverb.RT60Lo)*r.Float64()
		h, err := room.ImpulseResponse(r, m.RT60, c.Reverb.DRR, corpus.OutRate)
		if err != nil {
			return nil, err
		}
		x = room.Convolve(x, h)
	}
	if c.Noise != nil {
		r := corpus.Stream(c.Seed, "noise", id, n)
		m.SNR = c.Noise.SNRLo + (c.Noise.SNRHi-c.Noise.SNRLo)*r.Float64()
		return room.AddNoise(r, x, m.SNR, c.Noise.Colour)
	}
	return x, nil
}

// toPCM16 scales to a peak of -3 dBFS (the bundled sample's level, near
// LibriSpeech's) and rounds to 16 bits.
func toPCM16(x []float64) []int16 {
	peak := 0.0
	for _, v := range x {
		peak = math.Max(peak, math.Abs(v))
	}
	g := 0.0
	if peak > 0 {
		g = math.Pow(10, -3.0/20) * 32767 / peak
	}
	out := make([]int16, len(x))
	for i, v := range x {
		out[i] = int16(math.Round(v * g))
	}
	return out
}

// prepareOut makes the output folder, refusing one that holds anything but
// an earlier corpus (numeric speaker folders and the generator's files),
// whose speaker folders it then removes.
func prepareOut(out string) error {
	ents, err := os.ReadDir(out)
	if os.IsNotExist(err) {
		return os.MkdirAll(out, 0o755)
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !speakerDir.MatchString(e.Name()) && !corpusFiles[e.Name()] {
			return fmt.Errorf("%s holds %s, which this generator did not write: choose an empty or new folder", out, e.Name())
		}
	}
	for _, e := range ents {
		if e.IsDir() && speakerDir.MatchString(e.Name()) {
			if err := os.RemoveAll(filepath.Join(out, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// corpusFiles are the files writeCorpus puts at the root.
var corpusFiles = map[string]bool{"manifest.json": true, "phones.txt": true, "phone_classes.txt": true,
	"train.txt": true, "test.txt": true, "utterances.tsv": true}

// writeCorpus writes the root's text files and each chapter's transcript.
func writeCorpus(c corpusConfig, spk []corpus.Speaker, utts []made) error {
	var phones, classes, train, test, table bytes.Buffer
	if err := corpus.WriteClasses(&classes); err != nil {
		return err
	}
	fmt.Fprintf(&table, "id\tspeaker\tpitch\trate\tsnr_db\trt60_s\tseconds\ttext\n")
	trans := map[string]*bytes.Buffer{}
	mf := corpus.Manifest{Seed: c.Seed, Synthesisers: c.Synths, Speakers: spk, Minutes: c.Minutes, Utterances: c.Utterances,
		Text: c.Text, Noise: c.Noise, Reverb: c.Reverb, PhoneSet: corpus.Inventory, Tools: toolVersions(c.Synths), Command: c.Command}
	for _, u := range utts {
		if err := corpus.WriteLabels(&phones, u.ID, u.Labels); err != nil {
			return err
		}
		split := &train
		if u.N%testEvery == testEvery-1 {
			split = &test
			mf.Made.Test++
		}
		fmt.Fprintln(split, u.ID)
		key := fmt.Sprintf("%d/%d/%d-%d.trans.txt", u.Spk, u.Chapter, u.Spk, u.Chapter)
		if trans[key] == nil {
			trans[key] = &bytes.Buffer{}
		}
		fmt.Fprintf(trans[key], "%s %s\n", u.ID, transcript(u.Text))
		fmt.Fprintf(&table, "%s\t%d\t%g\t%g\t%.2f\t%.3f\t%.2f\t%s\n", u.ID, u.Spk, u.Pitch, u.Rate, u.SNR, u.RT60,
			float64(u.Samples)/corpus.OutRate, u.Text)
		mf.Made.Minutes += float64(u.Samples) / corpus.OutRate / 60
		mf.Made.Skipped += u.SkippedShortBefore
	}
	mf.Made.Utterances, mf.Made.Train = len(utts), len(utts)-mf.Made.Test
	mf.Made.Minutes = math.Round(mf.Made.Minutes*100) / 100
	var manifest bytes.Buffer
	if err := corpus.WriteManifest(&manifest, &mf); err != nil {
		return err
	}
	files := map[string][]byte{"phones.txt": phones.Bytes(), "phone_classes.txt": classes.Bytes(), "train.txt": train.Bytes(),
		"test.txt": test.Bytes(), "utterances.tsv": table.Bytes(), "manifest.json": manifest.Bytes()}
	for k, b := range trans {
		files[k] = b.Bytes()
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(c.Out, name), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%s: %d speakers, %d utterances (%d train, %d test), %.2f min\n", c.Out, len(spk), len(utts),
		mf.Made.Train, mf.Made.Test, mf.Made.Minutes)
	return nil
}
