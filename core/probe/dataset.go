// Package probe measures how much phone and speaker information frozen
// features hold, as in Table 1 of van den Oord et al. (2018): a linear
// classifier is trained on the features of a train split and its accuracy
// reported on a test split.
package probe

import (
	"fmt"
	"io/fs"
	"slices"

	"github.com/gocpc/cpc/core/data"
)

// Split is a named list of utterance ids.
type Split struct {
	Name string // the file, for messages
	IDs  []string
}

// Dataset is the utterances of a train and a test split with their phone
// labels and speakers, checked for consistency.
type Dataset struct {
	Corpus      *data.Corpus // the utterances of both splits
	Train, Test []*data.Utterance
	Labels      *Labels
	Speakers    []string // sorted; a speaker's class is its index
}

// NewDataset checks the labels and the splits against a scanned corpus and
// keeps the utterances of both splits, still to be decoded by Load. Every
// label line must name an utterance of the corpus, every split utterance
// must have labels, no utterance may be in both splits, and every speaker
// must appear in both (a speaker classifier cannot be tested on a speaker
// it never saw, nor trained without its test speakers).
func NewDataset(c *data.Corpus, labels *Labels, train, test Split) (*Dataset, error) {
	known := map[string]bool{}
	for _, u := range c.Utterances {
		known[u.ID] = true
	}
	var unknown []string
	for id := range labels.byID {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		slices.SortFunc(unknown, func(a, b string) int { return labels.byID[a].line - labels.byID[b].line })
		return nil, fmt.Errorf("%s is not in the corpus (%d labelled utterances are not)", labels.where(unknown[0]), len(unknown))
	}
	splits := []Split{train, test}
	inSplit := map[string]int{} // 0: train, 1: test
	for which, s := range splits {
		if len(s.IDs) == 0 {
			return nil, fmt.Errorf("split %s lists no utterances", s.Name)
		}
		for _, id := range s.IDs {
			if prev, ok := inSplit[id]; ok {
				return nil, fmt.Errorf("utterance %s is listed twice: in split %s and in split %s", id, splits[prev].Name, s.Name)
			}
			inSplit[id] = which
			if !known[id] {
				return nil, fmt.Errorf("split %s: utterance %s is not in the corpus", s.Name, id)
			}
			if _, ok := labels.Of(id); !ok {
				return nil, fmt.Errorf("split %s: utterance %s has no line in %s", s.Name, id, labels.Name)
			}
		}
	}
	kept, err := c.Keep(append(slices.Clone(train.IDs), test.IDs...))
	if err != nil {
		return nil, err
	}
	d := &Dataset{Corpus: kept, Labels: labels}
	speakers := map[string][2]int{} // utterances in train, test
	for i := range kept.Utterances {
		u := &kept.Utterances[i]
		n := speakers[u.Speaker]
		which := inSplit[u.ID]
		n[which]++
		speakers[u.Speaker] = n
		if which == 0 {
			d.Train = append(d.Train, u)
		} else {
			d.Test = append(d.Test, u)
		}
	}
	d.Speakers = kept.Speakers()
	for _, s := range d.Speakers {
		switch n := speakers[s]; {
		case n[0] == 0:
			return nil, fmt.Errorf("speaker %s has no utterances in the train split %s (%d in the test split)", s, train.Name, n[1])
		case n[1] == 0:
			return nil, fmt.Errorf("speaker %s has no utterances in the test split %s (%d in the train split)", s, test.Name, n[0])
		}
	}
	return d, nil
}

// Load decodes the utterances and checks each has as many labels as its
// samples make 160-sample frames, give or take one (label files differ
// in how they count a partial last frame).
func (d *Dataset) Load(fsys fs.FS) error {
	if err := d.Corpus.Load(fsys); err != nil {
		return err
	}
	return d.checkLengths()
}

// Cache is Load through the corpus cache in dir (see data.Corpus.Cache):
// the utterances are then read one at a time as their features are
// computed, so memory holds the features, not the audio.
func (d *Dataset) Cache(fsys fs.FS, dir string) error {
	if _, err := d.Corpus.Cache(fsys, dir, data.StopOnBadFile, nil); err != nil {
		return err
	}
	return d.checkLengths()
}

func (d *Dataset) checkLengths() error {
	for i := range d.Corpus.Utterances {
		u := &d.Corpus.Utterances[i]
		labels, _ := d.Labels.Of(u.ID)
		if want := u.Samples() / LabelHop; len(labels) < want-1 || len(labels) > want+1 {
			return fmt.Errorf("%s has %d labels, but its %d samples make %d frames of %d", d.Labels.where(u.ID), len(labels), u.Samples(), want, LabelHop)
		}
	}
	return nil
}

// speaker is the class of u's speaker.
func (d *Dataset) speaker(u *data.Utterance) int32 {
	i, _ := slices.BinarySearch(d.Speakers, u.Speaker)
	return int32(i)
}
