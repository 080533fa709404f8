package corpus

import (
	"slices"
	"strings"
	"testing"
)

func TestSentencesAreDeterministicAndVaried(t *testing.T) {
	draw := func(seed uint64) []string {
		var s []string
		for i := range 2000 {
			s = append(s, Sentence(Stream(seed, "text", i)))
		}
		return s
	}
	a, b, c := draw(1), draw(1), draw(2)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave different sentences")
	}
	if slices.Equal(a, c) {
		t.Fatal("different seeds gave the same sentences")
	}
	distinct := map[string]bool{}
	for _, s := range a {
		distinct[s] = true
		if s[0] < 'A' || s[0] > 'Z' || !strings.ContainsAny(s[len(s)-1:], ".?") {
			t.Errorf("%q: want a capital first and a full stop or question mark last", s)
		}
		for _, v := range []string{"a a", "a e", "a i", "a o", "a u"} {
			if strings.HasPrefix(strings.ToLower(s), v) || strings.Contains(s, " "+v) {
				t.Errorf("%q: %q", s, v)
			}
		}
	}
	if len(distinct) < 1990 {
		t.Errorf("%d distinct sentences of 2000", len(distinct))
	}
}

func TestBundledSentences(t *testing.T) {
	b := Bundled()
	if len(b) < 100 {
		t.Fatalf("%d bundled sentences", len(b))
	}
	for _, s := range b {
		if strings.HasPrefix(s, "#") || strings.TrimSpace(s) != s || s == "" {
			t.Errorf("bundled sentence %q", s)
		}
	}
}
