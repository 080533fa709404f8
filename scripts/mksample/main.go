//go:build mksample

// Command mksample builds speech corpora from speech synthesisers: synthetic
// English speakers in LibriSpeech layout, 16 kHz mono 16-bit FLAC,
// frame-level phone labels in CPC_audio's format and a train/test split.
// Without -minutes or -utterances it rebuilds the bundled sample
// (core/sample/corpus, eSpeak NG only, eSpeak's own phone classes); with
// either it generates a corpus of that size from a seed, from eSpeak NG,
// Flite and Festival voices, with labels in one shared phone set
// (generate.go). See README.md.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/scripts/mksample/corpus"
)

const (
	outRate   = audio.SampleRate
	frameLen  = 160             // one label per 160 samples (the encoder's stride)
	minLen    = outRate * 8 / 5 // 1.6 s: a 20480-sample training window always fits
	chapter   = 1
	volume    = 45 // eSpeak's default 100 clips some voices before resampling; the level is set after it (see resample)
	silence   = "sil"
	testEvery = 5 // every 5th utterance of a speaker goes to test.txt
)

// speaker is one synthetic voice: an eSpeak NG language voice (accent), a
// variant from espeak-ng-data/voices/!v that changes pitch range, formants
// and voicing, and prosody: base pitch and pitch range (0-100) and rate
// (words per minute). Each variant serves two speakers, of different
// accents and pitches: one vocal tract per speaker would let a single
// spectral envelope name the speaker.
type speaker struct {
	ID                 int
	Sex                string
	Voice, Variant     string
	Pitch, Range, Rate int
}

var speakers = []speaker{
	{100, "M", "en-us", "m1", 40, 50, 165},
	{101, "F", "en", "f2", 65, 60, 160},
	{102, "M", "en-gb-scotland", "m3", 30, 40, 175},
	{103, "F", "en-us", "f4", 70, 70, 170},
	{104, "M", "en-gb-x-rp", "m1", 55, 30, 150},
	{105, "F", "en-029", "f2", 80, 55, 180},
	{106, "M", "en-us-nyc", "m3", 45, 60, 185},
	{107, "F", "en-gb-x-gbclan", "f4", 55, 45, 155},
	{108, "M", "en-gb-x-gbcwmd", "m5", 50, 65, 170},
	{109, "M", "en-us", "m5", 35, 50, 160},
	{110, "F", "en-gb-scotland", "f5", 80, 60, 165},
	{111, "F", "en-gb-x-rp", "f5", 65, 40, 175},
}

// utt is one synthesised utterance, held in memory until all are made.
type utt struct {
	ID     string
	Spk    int
	Text   string
	Vary   variation
	FLAC   []byte
	Labels []string // one phone mnemonic per 160-sample frame
	Len    int      // samples at 16 kHz
}

func main() {
	out := flag.String("out", "core/sample/corpus", "output directory")
	budget := flag.Int("max-bytes", 15_000_000, "fail if the corpus would exceed this many bytes")
	perSpeaker := flag.Int("utts", 15, "utterances per speaker")
	stride := flag.Int("stride", 10, "sentence offset between consecutive speakers")
	isWorker := flag.Bool("worker", false, "internal: synthesise one gob-encoded request from stdin")
	gen := corpusFlags()
	listPhones := flag.Int("list-phones", 0, "print the phones each synthesiser emits, as Go source for corpus/emitted.go, "+
		"over sentences.txt and this many generated sentences, every voice (or accent), then exit")
	flag.Parse()
	log.SetFlags(0)
	var err error
	switch {
	case *isWorker:
		err = worker()
	case *listPhones > 0:
		err = printEmitted(*listPhones)
	case gen.Minutes > 0 || gen.Utterances > 0:
		if err = gen.check(); err == nil {
			gen.Out, gen.Command = *out, os.Args[1:]
			err = generate(gen.corpusConfig)
		}
	default:
		err = run(*out, *budget, *perSpeaker, *stride)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func run(out string, budget, perSpeaker, stride int) error {
	sentences := corpus.Bundled()
	tmp, err := os.MkdirTemp("", "mksample")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	var utts []utt
	size := 64 << 10                     // kept for the text files
	cursor := make([]int, len(speakers)) // next sentence for each speaker
	for n := 0; n < perSpeaker; n++ {
		for k, s := range speakers {
			u, err := nextUtt(s, k, n, sentences, stride, &cursor[k], tmp)
			if err != nil {
				return err
			}
			if cursor[k] > len(sentences) {
				return fmt.Errorf("speaker %d would read a sentence twice: %d utterances need more sentences", s.ID, perSpeaker)
			}
			utts, size = append(utts, u), size+len(u.FLAC)+4*len(u.Labels)
		}
	}
	if size > budget {
		return fmt.Errorf("the corpus takes about %d bytes, over -max-bytes %d", size, budget)
	}
	read := 0
	for _, c := range cursor {
		read += c
	}
	fmt.Printf("%d sentences skipped as shorter than 1.6 s\n", read-len(utts))
	return write(out, utts)
}

// nextUtt synthesises the speaker's next sentence as utterance n, skipping
// any that come out shorter than minLen with this utterance's variation.
func nextUtt(s speaker, k, n int, sentences []string, stride int, cursor *int, tmp string) (utt, error) {
	v := vary(s.ID, n)
	for tries := 0; tries < len(sentences); tries++ {
		text := sentences[(k*stride+*cursor)%len(sentences)]
		*cursor++
		sp, err := speak(request{s.Voice + "+" + s.Variant, s.Pitch + v.Pitch, s.Range + v.Range, s.Rate + v.Rate, volume, text})
		if err != nil {
			return utt{}, err
		}
		if len(sp.Phones) == 0 {
			return utt{}, fmt.Errorf("speaker %d: no phoneme events for %q", s.ID, text)
		}
		pcm16, err := resample(sp.PCM, sp.Rate)
		if err != nil {
			return utt{}, err
		}
		if len(pcm16) < minLen {
			continue
		}
		enc, err := encodeFLAC(pcm16, tmp)
		if err != nil {
			return utt{}, err
		}
		return utt{
			ID:     fmt.Sprintf("%d-%d-%04d", s.ID, chapter, n),
			Spk:    s.ID,
			Text:   text,
			Vary:   v,
			FLAC:   enc,
			Labels: frameLabels(sp.Phones, sp.Rate, len(pcm16)),
			Len:    len(pcm16),
		}, nil
	}
	return utt{}, fmt.Errorf("speaker %d: no sentence is at least %d samples long", s.ID, minLen)
}

// frameLabels gives frame i the phone active at its midpoint 160i+80 (16 kHz),
// mapped back to the synthesis rate: sox's rate effect compensates its own
// delay, so output sample t corresponds to input time t*inRate/outRate.
// Audio before the first event and eSpeak's pauses (mnemonics "_", "_:", …)
// are silence. eSpeak emits a final "_" event where the audio ends, so
// trailing audio is silence too.
func frameLabels(phones []phone, inRate, n16 int) []string {
	labels := make([]string, n16/frameLen)
	j := -1 // last event at or before the midpoint; midpoints only increase
	for i := range labels {
		mid := int64(frameLen*i+frameLen/2) * int64(inRate) / outRate
		for j+1 < len(phones) && int64(phones[j+1].Start) <= mid {
			j++
		}
		labels[i] = silence
		if j >= 0 && !strings.HasPrefix(phones[j].Name, "_") {
			labels[i] = phones[j].Name
		}
	}
	return labels
}

// resample converts to 16 kHz with sox's very-high-quality rate effect and
// normalises each utterance to a peak of -3 dBFS, which puts speech near
// LibriSpeech's level (about -23 dBFS RMS); quieter input makes the encoder's
// first features nearly constant and slows the start of training.
// -D turns off dither: its noise would cost FLAC bits and tie the output to
// sox's random generator, while plain rounding is far below the
// synthesiser's own noise floor.
func resample(pcm []int16, inRate int) ([]int16, error) {
	raw := []string{"-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-L"}
	args := append([]string{"-D", "-V2"}, raw...)
	args = append(append(append(args, "-r", fmt.Sprint(inRate), "-"), raw...), "-r", fmt.Sprint(outRate), "-", "rate", "-v", "gain", "-n", "-3")
	var in bytes.Buffer
	binary.Write(&in, binary.LittleEndian, pcm)
	b, err := pipe("sox", args, in.Bytes())
	if err != nil {
		return nil, err
	}
	out := make([]int16, len(b)/2)
	binary.Read(bytes.NewReader(b), binary.LittleEndian, out)
	return out, nil
}

// encodeFLAC compresses at level 8 without padding or seek table (each would
// cost bytes in the embedded corpus); the reference encoder writes no
// timestamps, so output is reproducible. It writes to a file rather than
// stdout because only then can flac fill in STREAMINFO's MD5 signature.
func encodeFLAC(pcm []int16, tmp string) ([]byte, error) {
	var in bytes.Buffer
	binary.Write(&in, binary.LittleEndian, pcm)
	path := filepath.Join(tmp, "utt.flac")
	_, err := pipe("flac", []string{"-8", "--silent", "--force", "--no-padding", "--no-seektable",
		"--force-raw-format", "--endian=little", "--sign=signed", "--channels=1", "--bps=16",
		fmt.Sprintf("--sample-rate=%d", outRate), "-o", path, "-"}, in.Bytes())
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

func pipe(name string, args []string, stdin []byte) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stdin), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %v: %s", name, err, stderr.Bytes())
	}
	if stderr.Len() > 0 { // e.g. sox clipping warnings
		return nil, fmt.Errorf("%s: %s", name, stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

// transcript writes text as LibriSpeech does: upper case, words separated by
// single spaces, no punctuation but apostrophes.
func transcript(text string) string {
	return strings.Join(strings.FieldsFunc(strings.ToUpper(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}), " ")
}

var speakerDir = regexp.MustCompile(`^[0-9]+$`)

func write(out string, utts []utt) error {
	// Remove what an earlier run wrote (numeric speaker folders and the text
	// files) but nothing else, so a mistyped -out cannot wipe a tree.
	if ents, err := os.ReadDir(out); err == nil {
		for _, e := range ents {
			if e.IsDir() && speakerDir.MatchString(e.Name()) {
				if err := os.RemoveAll(filepath.Join(out, e.Name())); err != nil {
					return err
				}
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}

	// Label ids: 0 is silence, then eSpeak's mnemonics in byte order, so the
	// table only depends on which phones occur.
	seen := map[string]bool{}
	for _, u := range utts {
		for _, l := range u.Labels {
			seen[l] = true
		}
	}
	delete(seen, silence)
	names := []string{}
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	names = append([]string{silence}, names...)
	id := map[string]int{}
	for i, n := range names {
		id[n] = i
	}

	var phones, train, test, classes, varied strings.Builder
	fmt.Fprintf(&varied, "; Each utterance's pitch, pitch range and rate, added to its speaker's (scripts/mksample/vary.go).\n")
	fmt.Fprintf(&varied, ";ID        | PITCH | RANGE | RATE\n")
	trans := map[int]*strings.Builder{} // LibriSpeech's <spk>-<chapter>.trans.txt
	count := map[int]int{}
	samples := map[int]int{}
	for _, u := range utts {
		dir := filepath.Join(out, fmt.Sprint(u.Spk), fmt.Sprint(chapter))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, u.ID+".flac"), u.FLAC, 0o644); err != nil {
			return err
		}
		if trans[u.Spk] == nil {
			trans[u.Spk] = &strings.Builder{}
		}
		fmt.Fprintf(trans[u.Spk], "%s %s\n", u.ID, transcript(u.Text))
		v := u.Vary
		fmt.Fprintf(&varied, "%-11s| %+5d | %+5d | %+4d\n", u.ID, v.Pitch, v.Range, v.Rate)
		phones.WriteString(u.ID)
		for _, l := range u.Labels {
			fmt.Fprintf(&phones, " %d", id[l])
		}
		phones.WriteByte('\n')
		if count[u.Spk]%testEvery == testEvery-1 {
			fmt.Fprintln(&test, u.ID)
		} else {
			fmt.Fprintln(&train, u.ID)
		}
		count[u.Spk]++
		samples[u.Spk] += u.Len
	}
	for i, n := range names {
		fmt.Fprintf(&classes, "%d %s\n", i, n)
	}

	var spk strings.Builder
	total := 0
	fmt.Fprintf(&spk, "; Synthetic speakers made by scripts/mksample with eSpeak NG (voice+variant, pitch 0-100,\n")
	fmt.Fprintf(&spk, "; pitch range 0-100, rate in words per minute: each utterance varies around these, see\n")
	fmt.Fprintf(&spk, "; UTTERANCES.txt). Chapter %d for every speaker.\n", chapter)
	fmt.Fprintf(&spk, ";ID |SEX| VOICE          | VARIANT | PITCH | RANGE | RATE | UTTERANCES | SECONDS\n")
	for _, s := range speakers {
		fmt.Fprintf(&spk, "%-4d| %s | %-14s | %-7s | %5d | %5d | %4d | %10d | %7.1f\n",
			s.ID, s.Sex, s.Voice, s.Variant, s.Pitch, s.Range, s.Rate, count[s.ID], float64(samples[s.ID])/outRate)
		total += samples[s.ID]
	}

	files := map[string]string{
		"phones.txt": phones.String(), "phone_classes.txt": classes.String(),
		"train.txt": train.String(), "test.txt": test.String(), "SPEAKERS.txt": spk.String(),
		"UTTERANCES.txt": varied.String(),
	}
	for s, b := range trans {
		files[fmt.Sprintf("%d/%d/%d-%d.trans.txt", s, chapter, s, chapter)] = b.String()
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(out, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%d speakers, %d utterances, %.1f s of audio, %d phone classes\n",
		len(speakers), len(utts), float64(total)/outRate, len(names))
	return nil
}
