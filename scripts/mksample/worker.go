//go:build mksample

package main

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"os"
	"os/exec"
)

// phone is one espeakEVENT_PHONEME: the mnemonic starts at sample Start of
// the synthesised (not yet resampled) audio and lasts until the next event.
type phone struct {
	Start int
	Name  string
}

// request says what to synthesise: an eSpeak NG voice with a variant
// ("en-us+f2"), pitch and pitch range (0-100), rate (words per minute),
// volume (0-200) and the text.
type request struct {
	Voice                      string
	Pitch, Range, Rate, Volume int
	Text                       string
}

// speech is eSpeak NG's output: samples at Rate Hz and the phoneme events.
type speech struct {
	Rate   int
	PCM    []int16
	Phones []phone
}

// speak synthesises r in a fresh child process (this program run with
// -worker). libespeak-ng keeps synthesis state from one utterance to the next
// (lengths shift by a few ms depending on what was said before) and hangs if
// re-initialised, so a process per utterance is what makes every file depend
// only on its own speaker and sentence, whatever else the corpus holds.
func speak(r request) (speech, error) {
	exe, err := os.Executable()
	if err != nil {
		return speech{}, err
	}
	var in, out, stderr bytes.Buffer
	if err := gob.NewEncoder(&in).Encode(r); err != nil {
		return speech{}, err
	}
	cmd := exec.Command(exe, "-worker")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = &in, &out, &stderr
	if err := cmd.Run(); err != nil {
		return speech{}, fmt.Errorf("%s %q: %v: %s", r.Voice, r.Text, err, stderr.Bytes())
	}
	var sp speech
	err = gob.NewDecoder(&out).Decode(&sp)
	return sp, err
}

// worker serves one request from stdin to stdout; see speak.
func worker() error {
	var r request
	if err := gob.NewDecoder(os.Stdin).Decode(&r); err != nil {
		return err
	}
	sp, err := synthesize(r)
	if err != nil {
		return err
	}
	return gob.NewEncoder(os.Stdout).Encode(sp)
}
