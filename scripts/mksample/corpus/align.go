package corpus

import (
	"fmt"
	"io"
	"strconv"
)

// OutRate is the corpus sample rate and FrameLen the samples one label
// covers (CPC_audio's 10 ms frames, the encoder's stride).
const (
	OutRate  = 16000
	FrameLen = 160
)

// Segment is one phone as a synthesiser reports it: its name in the
// synthesiser's own phone set and its start, in seconds of the audio as
// synthesised (before any resampling). A phone lasts until the next starts.
type Segment struct {
	Start float64
	Phone string
}

// FrameLabels labels n16 samples of 16 kHz audio made from a synthesiser's
// output by resampling as if it ran at warp times its rate: output sample j
// is synthesis time j·warp/16000 s. Frame i covers samples [160i, 160i+160)
// and gets the phone active at its midpoint, 160i+80, mapped to the shared
// inventory; before the first segment and from end on it is silence. There
// are floor(n16/160) frames. A phone the synthesiser's map lacks is an
// error naming it.
func FrameLabels(synth string, segs []Segment, end, warp float64, n16 int) ([]int, error) {
	ids := make([]int, len(segs))
	for i, s := range segs {
		id, err := PhoneID(synth, s.Phone)
		if err != nil {
			return nil, err
		}
		if i > 0 && s.Start < segs[i-1].Start {
			return nil, fmt.Errorf("%s: phone %d (%q) starts at %g s, before the one before it", synth, i, s.Phone, s.Start)
		}
		ids[i] = id
	}
	labels := make([]int, n16/FrameLen)
	j, cur := -1, 0 // the last segment started at or before the midpoint, and its label
	for i := range labels {
		mid := float64(FrameLen*i+FrameLen/2) * warp / OutRate
		for j+1 < len(segs) && segs[j+1].Start <= mid {
			j++
			if ids[j] != joinPrevious {
				cur = ids[j]
			}
		}
		labels[i] = cur
		if j < 0 || mid >= end {
			labels[i] = 0
		}
	}
	return labels, nil
}

// WriteLabels writes one line of a label file in CPC_audio's format:
// "<utterance-id> <label> <label> …".
func WriteLabels(w io.Writer, id string, labels []int) error {
	if len(labels) == 0 {
		return fmt.Errorf("utterance %s has no frames", id)
	}
	b := append([]byte(id), ' ')
	for i, l := range labels {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(l), 10)
	}
	_, err := w.Write(append(b, '\n'))
	return err
}

// WriteClasses writes phone_classes.txt: "<id> <phone>" for the whole
// shared inventory, whichever phones occur, so every generated corpus
// numbers its classes alike.
func WriteClasses(w io.Writer) error {
	for i, p := range Inventory {
		if _, err := fmt.Fprintf(w, "%d %s\n", i, p); err != nil {
			return err
		}
	}
	return nil
}
