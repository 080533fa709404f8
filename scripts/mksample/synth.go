//go:build mksample

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gocpc/cpc/scripts/mksample/corpus"
)

// synthesis is one utterance as a synthesiser made it: audio in [-1, 1)
// at Rate Hz, its phones (names in the synthesiser's own set, starts in
// seconds) and where the last phone ends.
type synthesis struct {
	Audio []float64
	Rate  int
	Segs  []corpus.Segment
	End   float64
}

// synthesise says text with speaker s's voice at the given pitch and rate
// (in the synthesiser's units, see corpus.Speaker), in a scratch folder.
func synthesise(s corpus.Speaker, pitch, rate float64, text, tmp string) (synthesis, error) {
	switch s.Synth {
	case "espeak":
		return espeakSay(s.Voice, pitch, rate, text)
	case "flite":
		return fliteSay(s.Voice, pitch, rate, text, tmp)
	case "festival":
		return festivalSay(s.Voice, pitch, rate, text, tmp)
	}
	return synthesis{}, fmt.Errorf("unknown synthesiser %q", s.Synth)
}

// espeakSay runs libespeak-ng in a child process (see speak); its phoneme
// events carry start samples, and the final pause event marks the end.
func espeakSay(voice string, pitch, rate float64, text string) (synthesis, error) {
	sp, err := speak(request{voice, int(pitch), 50, int(rate), volume, text})
	if err != nil {
		return synthesis{}, err
	}
	if len(sp.Phones) == 0 {
		return synthesis{}, fmt.Errorf("espeak %s: no phoneme events for %q", voice, text)
	}
	out := synthesis{Rate: sp.Rate, Audio: make([]float64, len(sp.PCM))}
	for i, v := range sp.PCM {
		out.Audio[i] = float64(v) / 32768
	}
	for _, p := range sp.Phones {
		out.Segs = append(out.Segs, corpus.Segment{Start: float64(p.Start) / float64(sp.Rate), Phone: p.Name})
	}
	out.End = float64(len(sp.PCM)) / float64(sp.Rate)
	return out, nil
}

// fliteSay runs the flite command, which prints each segment with its end
// time (-psdur: "pau:0.220 dh:0.254 …").
func fliteSay(voice string, f0, stretch float64, text, tmp string) (synthesis, error) {
	wav := filepath.Join(tmp, "flite.wav")
	args := []string{"-voice", voice, "--setf", fmt.Sprintf("duration_stretch=%g", stretch)}
	if f0 > 0 {
		args = append(args, "--setf", fmt.Sprintf("int_f0_target_mean=%g", f0))
	}
	stdout, err := pipe("flite", append(args, "-psdur", "-t", text, "-o", wav), nil)
	if err != nil {
		return synthesis{}, err
	}
	var ends []corpus.Segment // Start holds the end time until toStarts
	for _, f := range strings.Fields(string(stdout)) {
		name, t, ok := strings.Cut(f, ":")
		end, err := strconv.ParseFloat(t, 64)
		if !ok || err != nil {
			return synthesis{}, fmt.Errorf("flite: unexpected segment %q in %q", f, stdout)
		}
		ends = append(ends, corpus.Segment{Start: end, Phone: name})
	}
	return withAudio(wav, ends, "flite "+voice)
}

// festivalSay runs festival on a Scheme script that selects the voice,
// sets the duration stretch and (diphone voices) the F0 target, and saves
// the wave and the segment relation (ends in seconds, xlabel format).
func festivalSay(voice string, f0, stretch float64, text, tmp string) (synthesis, error) {
	wav, segs, scm := filepath.Join(tmp, "fest.wav"), filepath.Join(tmp, "fest.segs"), filepath.Join(tmp, "say.scm")
	var b strings.Builder
	fmt.Fprintf(&b, "(voice_%s)\n(Parameter.set 'Duration_Stretch %g)\n", voice, stretch)
	if f0 > 0 { // the diphone voices' linear-regression F0 model, its target moved
		fmt.Fprintf(&b, "(set! int_lr_params '((target_f0_mean %g) (target_f0_std %g) (model_f0_mean 170) (model_f0_std 34)))\n", f0, 0.14*f0)
	}
	quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(text)
	fmt.Fprintf(&b, "(set! utt (SynthText \"%s\"))\n(utt.save.wave utt \"%s\" 'riff)\n(utt.save.segs utt \"%s\")\n", quoted, wav, segs)
	if err := os.WriteFile(scm, []byte(b.String()), 0o644); err != nil {
		return synthesis{}, err
	}
	if _, err := pipe("festival", []string{"-b", scm}, nil); err != nil {
		return synthesis{}, err
	}
	ends, err := readSegs(segs)
	if err != nil {
		return synthesis{}, err
	}
	return withAudio(wav, ends, "festival "+voice)
}

// readSegs parses Festival's xlabel segment file: a header ending in "#",
// then "<end> <colour> <phone>" per line.
func readSegs(path string) ([]corpus.Segment, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ends []corpus.Segment
	header := true
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if header {
			header = !(len(f) == 1 && f[0] == "#")
			continue
		}
		if len(f) == 0 {
			continue
		}
		end, err := strconv.ParseFloat(f[0], 64)
		if len(f) != 3 || err != nil {
			return nil, fmt.Errorf("%s: unexpected line %q", path, sc.Text())
		}
		ends = append(ends, corpus.Segment{Start: end, Phone: f[2]})
	}
	return ends, sc.Err()
}

// withAudio reads the wave a synthesiser wrote and turns segment end times
// (held in Start) into start times: each starts where the one before ends.
func withAudio(wav string, ends []corpus.Segment, who string) (synthesis, error) {
	if len(ends) == 0 {
		return synthesis{}, fmt.Errorf("%s: no segments", who)
	}
	b, err := os.ReadFile(wav)
	if err != nil {
		return synthesis{}, err
	}
	x, rate, err := corpus.ReadWAV16(b)
	if err != nil {
		return synthesis{}, fmt.Errorf("%s: %w", who, err)
	}
	out := synthesis{Audio: x, Rate: rate, End: ends[len(ends)-1].Start}
	prev := 0.0
	for _, e := range ends {
		out.Segs = append(out.Segs, corpus.Segment{Start: prev, Phone: e.Phone})
		prev = e.Start
	}
	return out, nil
}

// toolVersions names the version of each synthesiser used and of flac.
func toolVersions(synths []string) []string {
	cmds := map[string][]string{"espeak": {"espeak-ng", "--version"}, "flite": {"flite", "--version"}, "festival": {"festival", "--version"}}
	var v []string
	for _, s := range append(append([]string{}, synths...), "flac") {
		c, ok := cmds[s]
		if !ok {
			c = []string{s, "--version"}
		}
		out, err := exec.Command(c[0], c[1:]...).CombinedOutput()
		line := strings.TrimSpace(string(out))
		if line == "" && err != nil { // flite prints its version and exits 1
			line = "unknown: " + err.Error()
		}
		v = append(v, s+": "+strings.Join(strings.Fields(line), " "))
	}
	return v
}
