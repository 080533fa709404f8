package data

import (
	"fmt"
	"math/rand/v2"
)

// Sampler draws training windows at random positions of the utterances long
// enough to hold one.
type Sampler struct {
	window    int
	eligible  []*Utterance
	bySpeaker [][]*Utterance // sameSpeaker: eligible utterances per speaker
	Skipped   int            // utterances shorter than a window
}

// NewSampler prepares windows of window samples from c. With sameSpeaker,
// every batch comes from a single speaker (drawn uniformly), which makes
// the batch's negatives harder: they no longer differ by voice.
func NewSampler(c *Corpus, window int, sameSpeaker bool) (*Sampler, error) {
	s := &Sampler{window: window}
	speakers := map[string]int{}
	for i := range c.Utterances {
		u := &c.Utterances[i]
		if len(u.Audio) < window {
			s.Skipped++
			continue
		}
		s.eligible = append(s.eligible, u)
		if sameSpeaker {
			k, ok := speakers[u.Speaker]
			if !ok {
				k = len(s.bySpeaker)
				speakers[u.Speaker] = k
				s.bySpeaker = append(s.bySpeaker, nil)
			}
			s.bySpeaker[k] = append(s.bySpeaker[k], u)
		}
	}
	if len(s.eligible) == 0 {
		return nil, fmt.Errorf("no utterance holds a window of %d samples (%.2f s); all %d are shorter",
			window, float64(window)/16000, s.Skipped)
	}
	return s, nil
}

// Eligible is the number of utterances windows are drawn from.
func (s *Sampler) Eligible() int { return len(s.eligible) }

// Fill writes len(out)/window windows into out, back to back.
func (s *Sampler) Fill(out []float32, rng *rand.Rand) {
	pool := s.eligible
	if s.bySpeaker != nil {
		pool = s.bySpeaker[rng.IntN(len(s.bySpeaker))]
	}
	for b := 0; b+s.window <= len(out); b += s.window {
		u := pool[rng.IntN(len(pool))]
		start := rng.IntN(len(u.Audio) - s.window + 1)
		copy(out[b:b+s.window], u.Audio[start:])
	}
}
