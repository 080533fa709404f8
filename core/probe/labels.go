package probe

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// LabelHop is the number of samples one label of a CPC_audio label file
// covers: label i is the phone of samples [160·i, 160·i + 160).
const LabelHop = 160

// Labels are frame-level phone labels read from a file in CPC_audio's
// format: one line per utterance, "<utterance-id> <label> <label> …", each
// label a non-negative integer class (0 is silence in the bundled sample).
type Labels struct {
	Name    string // the file, for messages
	Classes int    // one more than the largest label
	byID    map[string]labelLine
}

type labelLine struct {
	labels []int32
	line   int
}

// ReadLabels parses a label file; name is used in messages, which give the
// line and the utterance of the first malformed line.
func ReadLabels(r io.Reader, name string) (*Labels, error) {
	l := &Labels{Name: name, byID: map[string]labelLine{}}
	sc := bufio.NewScanner(r)
	// A LibriSpeech utterance of 35 s has 3500 labels; allow far longer.
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		id := f[0]
		if prev, ok := l.byID[id]; ok {
			return nil, fmt.Errorf("%s:%d: utterance %s is already labelled on line %d", name, line, id, prev.line)
		}
		if len(f) == 1 {
			return nil, fmt.Errorf("%s:%d: utterance %s has no labels", name, line, id)
		}
		labels := make([]int32, len(f)-1)
		for i, s := range f[1:] {
			v, err := strconv.ParseInt(s, 10, 32)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("%s:%d: utterance %s: label %d is %q, not a non-negative integer", name, line, id, i+1, s)
			}
			labels[i] = int32(v)
			l.Classes = max(l.Classes, int(v)+1)
		}
		l.byID[id] = labelLine{labels, line}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(l.byID) == 0 {
		return nil, fmt.Errorf("%s: no labelled utterances", name)
	}
	return l, nil
}

// Of returns the labels of utterance id and whether it has any.
func (l *Labels) Of(id string) ([]int32, bool) {
	e, ok := l.byID[id]
	return e.labels, ok
}

// where names the line of utterance id, for messages.
func (l *Labels) where(id string) string {
	return fmt.Sprintf("%s:%d: utterance %s", l.Name, l.byID[id].line, id)
}

// LabelFor is the label of the frame covering samples [t·hop, t·hop+width):
// the label at the centre of that span, sample t·hop + (width−1)/2. For
// the paper's encoder (width 465, hop 160) z_t gets label t+1, whose 160
// samples [160t+160, 160t+320) hold the centre 160t+232; so does an MFCC
// frame of 400 samples (centre 160t+199.5).
func LabelFor(t, width, hop int) int { return (2*t*hop + width - 1) / (2 * LabelHop) }
