package corpus

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/probe"
)

func ids(t *testing.T, synth string, phones ...string) []int {
	var out []int
	for _, p := range phones {
		id, err := PhoneID(synth, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// Frame midpoints are 5, 15, 25, … ms; with warp w they sit at w times
// that in synthesis time.
func TestFrameLabels(t *testing.T) {
	segs := []Segment{{0, "pau"}, {0.012, "k"}, {0.031, "ae"}, {0.050, "t"}}
	got, err := FrameLabels("flite", segs, 0.061, 1, 8*160+100)
	if err != nil {
		t.Fatal(err)
	}
	// midpoints 5,15,25,35,45,55,65,75 ms
	want := ids(t, "flite", "pau", "k", "k", "ae", "ae", "t", "pau", "pau")
	if !slices.Equal(got, want) {
		t.Errorf("warp 1: %v, want %v", got, want)
	}
	// warp 1.5: midpoints 7.5, 22.5, 37.5, 52.5, 67.5 ms of synthesis time
	got, _ = FrameLabels("flite", segs, 0.061, 1.5, 5*160)
	if want := ids(t, "flite", "pau", "k", "ae", "t", "pau"); !slices.Equal(got, want) {
		t.Errorf("warp 1.5: %v, want %v", got, want)
	}
}

// eSpeak's ";" continues the phone before it; audio before the first
// event is silence.
func TestFrameLabelsJoinAndLeadingSilence(t *testing.T) {
	segs := []Segment{{0.012, "s"}, {0.021, ";"}, {0.041, "i:"}}
	got, err := FrameLabels("espeak", segs, 1, 1, 5*160)
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]int{0}, ids(t, "espeak", "s", "s", "s", "i:")...); !slices.Equal(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
}

func TestFrameLabelsErrors(t *testing.T) {
	if _, err := FrameLabels("flite", []Segment{{0, "pau"}, {0.1, "q"}}, 1, 1, 1600); err == nil || !strings.Contains(err.Error(), `"q"`) {
		t.Errorf("unknown phone: %v", err)
	}
	if _, err := FrameLabels("flite", []Segment{{0.2, "k"}, {0.1, "t"}}, 1, 1, 1600); err == nil {
		t.Error("segments out of order: no error")
	}
}

// The label file reads back through the probe's own reader, and the
// class table lists the whole inventory.
func TestWriteLabelsReadsBack(t *testing.T) {
	var b bytes.Buffer
	in := map[string][]int{"100-1-0000": {0, 3, 3, 39}, "2001-2-0004": {5}}
	for _, id := range []string{"100-1-0000", "2001-2-0004"} {
		if err := WriteLabels(&b, id, in[id]); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteLabels(&b, "x", nil); err == nil {
		t.Error("no frames: no error")
	}
	l, err := probe.ReadLabels(&b, "phones.txt")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range in {
		got, _ := l.Of(id)
		if len(got) != len(want) {
			t.Fatalf("%s: %v, want %v", id, got, want)
		}
		for i := range got {
			if int(got[i]) != want[i] {
				t.Errorf("%s: %v, want %v", id, got, want)
			}
		}
	}
	var c bytes.Buffer
	if err := WriteClasses(&c); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(c.String()), "\n")
	if len(lines) != len(Inventory) || lines[0] != "0 sil" || lines[39] != "39 zh" {
		t.Errorf("phone_classes.txt: %d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
}
