package corpus

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

func TestDrawSpeakers(t *testing.T) {
	synths := []string{"espeak", "flite", "festival"}
	a, err := DrawSpeakers(3, synths, 40)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := DrawSpeakers(3, synths, 40)
	c, _ := DrawSpeakers(4, synths, 40)
	if !reflect.DeepEqual(a, b) || reflect.DeepEqual(a, c) {
		t.Fatalf("same seed equal %v, other seed equal %v", reflect.DeepEqual(a, b), reflect.DeepEqual(a, c))
	}
	ids, settings := map[int]bool{}, map[string]bool{}
	for k, s := range a {
		if s.Synth != synths[k%3] {
			t.Errorf("speaker %d: %s, want %s (round robin)", k, s.Synth, synths[k%3])
		}
		if _, err := VoiceOf(s); err != nil {
			t.Error(err)
		}
		key := fmt.Sprint(s.Synth, s.Voice, s.Warp)
		if ids[s.ID] || settings[key] {
			t.Errorf("speaker %d (%s) repeats an id or a voice and warp", s.ID, key)
		}
		ids[s.ID], settings[key] = true, true
		if s.Warp < warpLo || s.Warp > warpHi || s.Rate <= 0 {
			t.Errorf("speaker %d: warp %g, rate %g", s.ID, s.Warp, s.Rate)
		}
	}
	// 14 Festival speakers share 3 voices: each voice's warps are spread out.
	byVoice := map[string][]float64{}
	for _, s := range a {
		byVoice[s.Voice] = append(byVoice[s.Voice], s.Warp)
	}
	for v, w := range byVoice {
		slices.Sort(w)
		for i := 1; i < len(w); i++ {
			if w[i]-w[i-1] < 0.2*(warpHi-warpLo)/float64(len(w)) {
				t.Errorf("%s: warps %v too close", v, w)
			}
		}
	}
}

func TestDrawSpeakersRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		synths []string
		n      int
	}{{nil, 3}, {[]string{"espeak"}, 0}, {[]string{"sapi"}, 2}, {[]string{"flite", "flite"}, 2}} {
		if _, err := DrawSpeakers(1, c.synths, c.n); err == nil {
			t.Errorf("%v, %d speakers: no error", c.synths, c.n)
		}
	}
}

func TestJitterStaysNearTheSpeaker(t *testing.T) {
	spk, _ := DrawSpeakers(2, []string{"espeak", "flite", "festival"}, 6)
	for _, s := range spk {
		for n := range 50 {
			p, r := Jitter(2, s, n)
			if q, rr := Jitter(2, s, n); q != p || rr != r {
				t.Fatal("Jitter is not deterministic")
			}
			if s.Synth == "espeak" && (p < s.Pitch-5 || p > s.Pitch+5 || r < s.Rate*0.92-1 || r > s.Rate*1.08) {
				t.Errorf("speaker %d: pitch %g rate %g from %g %g", s.ID, p, r, s.Pitch, s.Rate)
			}
			if s.Synth != "espeak" && (p < s.Pitch*0.95-1e-3 || p > s.Pitch*1.05+1e-3 || r < s.Rate*0.92-1e-3 || r > s.Rate*1.08+1e-3) {
				t.Errorf("speaker %d: pitch %g rate %g from %g %g", s.ID, p, r, s.Pitch, s.Rate)
			}
		}
	}
}
