package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/gocpc/cpc/core/audio"
)

// Sampler draws training windows at random positions of the utterances long
// enough to hold one.
type Sampler struct {
	window    int
	speakers  int // per batch; 0: windows drawn uniformly over utterances
	eligible  []*Utterance
	bySpeaker [][]*Utterance // eligible utterances per speaker
	drawn     []int          // speakers > 0: this batch's speakers
	scratch   []byte         // a window's bytes read from a corpus cache
	Skipped   int            // utterances shorter than a window
}

// NewSampler prepares windows of window samples from c, drawn as
// Use(speakers) says.
func NewSampler(c *Corpus, window, speakers int) (*Sampler, error) {
	s := &Sampler{window: window}
	index := map[string]int{} // speaker → position in bySpeaker
	for i := range c.Utterances {
		u := &c.Utterances[i]
		if u.Samples() < window {
			s.Skipped++
			continue
		}
		s.eligible = append(s.eligible, u)
		k, ok := index[u.Speaker]
		if !ok {
			k = len(s.bySpeaker)
			index[u.Speaker] = k
			s.bySpeaker = append(s.bySpeaker, nil)
		}
		s.bySpeaker[k] = append(s.bySpeaker[k], u)
	}
	if len(s.eligible) == 0 {
		return nil, fmt.Errorf("no utterance holds a window of %d samples (%.2f s); all %d are shorter",
			window, float64(window)/audio.SampleRate, s.Skipped)
	}
	s.drawn = make([]int, len(s.bySpeaker))
	if err := s.Use(speakers); err != nil {
		return nil, err
	}
	return s, nil
}

// Use sets how the following batches are drawn. With speakers = N > 0,
// every batch comes from N different speakers (drawn uniformly), its
// windows dealt to them in turn; with 0, every window from any utterance.
// Fewer speakers make the batch's negatives harder: fewer of them differ
// by voice, so the model must tell the positive by what is said, and
// needs the voice less.
func (s *Sampler) Use(speakers int) error {
	if speakers > len(s.bySpeaker) {
		return fmt.Errorf("%d speakers per batch, but only %d speakers have an utterance of a window (%d samples) or longer",
			speakers, len(s.bySpeaker), s.window)
	}
	s.speakers = speakers
	return nil
}

// Eligible is the number of utterances windows are drawn from.
func (s *Sampler) Eligible() int { return len(s.eligible) }

// Fill writes len(out)/window windows into out, back to back. Only a
// corpus cache that cannot be read fails it.
func (s *Sampler) Fill(out []float32, rng *rand.Rand) error {
	return s.FillShare(out, rng, 0, len(out)/s.window)
}

// FillShare draws a batch of total windows, as Fill into a buffer of total
// windows would, and writes windows first, first+1, … of it into out
// (len(out)/window of them); the others are drawn but not read. Replicas
// that draw from generators in the same state each get their share of
// the batch one process would draw.
func (s *Sampler) FillShare(out []float32, rng *rand.Rand, first, total int) error {
	n := len(out) / s.window
	if first < 0 || first+n > total {
		return fmt.Errorf("windows %d to %d of a batch of %d", first, first+n-1, total)
	}
	if s.speakers > 0 { // the first N of a partial Fisher–Yates shuffle
		for i := range s.drawn {
			s.drawn[i] = i
		}
		for i := 0; i < s.speakers; i++ {
			j := i + rng.IntN(len(s.drawn)-i)
			s.drawn[i], s.drawn[j] = s.drawn[j], s.drawn[i]
		}
	}
	for i := range total {
		pool := s.eligible
		if s.speakers > 0 {
			pool = s.bySpeaker[s.drawn[i%s.speakers]]
		}
		u := pool[rng.IntN(len(pool))]
		start := rng.IntN(u.Samples() - s.window + 1)
		if i < first || i >= first+n {
			continue
		}
		b := (i - first) * s.window
		if err := u.read(start, out[b:b+s.window], &s.scratch); err != nil {
			return err
		}
	}
	return nil
}
