package corpus

import (
	"encoding/json"
	"fmt"
	"io"
)

// Manifest records everything a corpus was made from (manifest.json at
// its root): the settings, the speakers drawn from the seed, what came out
// and the tool versions, so the same command on the same tools makes the
// same corpus.
type Manifest struct {
	Seed         uint64    `json:"seed"`
	Synthesisers []string  `json:"synthesisers"`
	Speakers     []Speaker `json:"speakers"`
	Minutes      float64   `json:"minutes_requested,omitempty"`
	Utterances   int       `json:"utterances_requested,omitempty"`
	Text         string    `json:"text"` // bundled, generated or mixed
	Noise        *Noise    `json:"noise,omitempty"`
	Reverb       *Reverb   `json:"reverb,omitempty"`
	PhoneSet     []string  `json:"phone_set"`
	Tools        []string  `json:"tools"`   // version lines of the synthesisers and encoders
	Command      []string  `json:"command"` // the arguments that made it
	Made         Made      `json:"made"`
}

// Noise is additive noise at an SNR drawn per utterance, uniform in
// [SNRLo, SNRHi] dB.
type Noise struct {
	Colour string  `json:"colour"`
	SNRLo  float64 `json:"snr_db_lo"`
	SNRHi  float64 `json:"snr_db_hi"`
}

// Reverb is the synthetic room of room.ImpulseResponse with an RT60 drawn per
// utterance, uniform in [RT60Lo, RT60Hi] s, and a fixed DRR.
type Reverb struct {
	RT60Lo float64 `json:"rt60_s_lo"`
	RT60Hi float64 `json:"rt60_s_hi"`
	DRR    float64 `json:"drr_db"`
}

// Made is what the generator produced.
type Made struct {
	Utterances int     `json:"utterances"`
	Train      int     `json:"train"`
	Test       int     `json:"test"`
	Minutes    float64 `json:"minutes"`
	Skipped    int     `json:"sentences_skipped_as_short"`
}

// WriteManifest writes m as indented JSON.
func WriteManifest(w io.Writer, m *Manifest) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// ReadManifest parses a manifest, rejecting unknown fields (a misspelt
// field would otherwise be dropped without a word) and one without a
// synthesiser or speaker.
func ReadManifest(r io.Reader) (*Manifest, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if len(m.Synthesisers) == 0 || len(m.Speakers) == 0 {
		return nil, fmt.Errorf("manifest: no synthesisers or speakers")
	}
	return &m, nil
}
