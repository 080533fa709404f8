//go:build mksample

package main

import "math/rand/v2"

// variation is how one utterance's prosody departs from its speaker's, as
// a reader's pitch and pace differ from one sentence to the next: added to
// the speaker's pitch, pitch range (eSpeak's 0-100) and rate (words per
// minute). The pitch moves less than the distance between the speakers
// who share a variant, so that pitch stays a cue to who is speaking.
type variation struct {
	Pitch, Range, Rate int
}

// vary draws utterance n of speaker id's variation from a generator of its
// own, so each file depends only on its speaker, index and sentence.
func vary(id, n int) variation {
	rng := rand.New(rand.NewPCG(uint64(id), uint64(n)))
	return variation{Pitch: rng.IntN(11) - 5, Range: rng.IntN(31) - 15, Rate: rng.IntN(31) - 15}
}
