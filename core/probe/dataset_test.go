package probe

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/data"
)

// synthCorpus makes speakers × perSpeaker utterances "<s>-1-<n>" of
// frames·LabelHop samples each, with no audio yet.
func synthCorpus(speakers, perSpeaker, frames int) *data.Corpus {
	c := &data.Corpus{}
	for s := 1; s <= speakers; s++ {
		for n := 0; n < perSpeaker; n++ {
			c.Utterances = append(c.Utterances, data.Utterance{
				ID: fmt.Sprintf("%d-1-%d", s, n), Speaker: fmt.Sprint(s), Audio: make([]float32, frames*LabelHop)})
		}
	}
	return c
}

// labelText gives every utterance of c the label lines n labels long.
func labelText(c *data.Corpus, n int) string {
	var b strings.Builder
	for _, u := range c.Utterances {
		b.WriteString(u.ID)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, " %d", i%3)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestReadLabelsErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"a-1-0 1 2\na-1-1 1 x 3\n", `phones.txt:2: utterance a-1-1: label 2 is "x"`},
		{"a-1-0 1 -2\n", `phones.txt:1: utterance a-1-0: label 2 is "-2"`},
		{"a-1-0 1 2.5\n", `label 2 is "2.5"`},
		{"\na-1-0\n", "phones.txt:2: utterance a-1-0 has no labels"},
		{"a-1-0 1\n\na-1-0 2\n", "phones.txt:3: utterance a-1-0 is already labelled on line 1"},
		{"\n  \n", "phones.txt: no labelled utterances"},
	} {
		_, err := ReadLabels(strings.NewReader(c.text), "phones.txt")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.text, err, c.want)
		}
	}
	l, err := ReadLabels(strings.NewReader("a-1-0 0 0 7\r\nb-1-0\t3 1\n"), "phones.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Of("b-1-0"); l.Classes != 8 || len(got) != 2 || got[0] != 3 {
		t.Errorf("classes %d, b-1-0 %v", l.Classes, got)
	}
}

func TestLabelFor(t *testing.T) {
	for _, c := range []struct{ t, width, hop, want int }{
		{0, 465, 160, 1}, {9, 465, 160, 10}, // the paper's encoder: centre 160t+232
		{0, 400, 160, 1}, {9, 400, 160, 10}, // an MFCC frame: centre 160t+199.5
		{0, 160, 160, 0}, {5, 160, 160, 5}, // a frame that is one label span
		{3, 320, 80, 2}, // centre 399.5
	} {
		if got := LabelFor(c.t, c.width, c.hop); got != c.want {
			t.Errorf("LabelFor(%d, %d, %d) = %d, want %d", c.t, c.width, c.hop, got, c.want)
		}
	}
}

func TestDatasetErrors(t *testing.T) {
	c := synthCorpus(2, 3, 20)
	good := labelText(c, 20)
	train := Split{"train.txt", []string{"1-1-0", "1-1-1", "2-1-0", "2-1-1"}}
	test := Split{"test.txt", []string{"1-1-2", "2-1-2"}}
	labels := func(text string) *Labels {
		l, err := ReadLabels(strings.NewReader(text), "phones.txt")
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if _, err := NewDataset(c, labels(good), train, test); err != nil {
		t.Fatalf("good dataset: %v", err)
	}
	for _, bad := range []struct {
		name        string
		text        string
		train, test Split
		want        string
	}{
		{"unknown utterance", good + "3-1-0 1 2\n", train, test, "phones.txt:7: utterance 3-1-0 is not in the corpus"},
		{"empty split", good, Split{"train.txt", nil}, test, "split train.txt lists no utterances"},
		{"in both splits", good, train, Split{"test.txt", []string{"1-1-2", "2-1-0"}}, "utterance 2-1-0 is listed twice: in split train.txt and in split test.txt"},
		{"twice in a split", good, train, Split{"test.txt", []string{"1-1-2", "1-1-2"}}, "utterance 1-1-2 is listed twice"},
		{"split id not in corpus", good, train, Split{"test.txt", []string{"1-1-2", "2-1-9"}}, "split test.txt: utterance 2-1-9 is not in the corpus"},
		{"missing labels", strings.Join(strings.Split(good, "\n")[:5], "\n"), train, test, "split test.txt: utterance 2-1-2 has no line in phones.txt"},
		{"speaker not in test", good, train, Split{"test.txt", []string{"1-1-2"}}, "speaker 2 has no utterances in the test split test.txt (2 in the train split)"},
		{"speaker not in train", good, Split{"train.txt", []string{"1-1-0"}}, test, "speaker 2 has no utterances in the train split train.txt"},
	} {
		_, err := NewDataset(c, labels(bad.text), bad.train, bad.test)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want %q", bad.name, err, bad.want)
		}
	}

	// One label more or fewer than the 20 frames is a counting convention;
	// two is a mismatch, reported with the utterance and its line.
	for n, want := range map[int]string{19: "", 21: "", 18: "phones.txt:1: utterance 1-1-0 has 18 labels, but its 3200 samples make 20 frames of 160", 22: "has 22 labels"} {
		d, err := NewDataset(c, labels(labelText(c, n)), train, test)
		if err != nil {
			t.Fatal(err)
		}
		err = d.checkLengths()
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%d labels for 20 frames: error %v, want %q", n, err, want)
		}
	}
}
