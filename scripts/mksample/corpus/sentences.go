package corpus

import (
	_ "embed"
	"math/rand/v2"
	"strings"
)

//go:embed sentences.txt
var bundledText string

// Bundled returns the hand-written sentences of sentences.txt (the bundled
// sample reads them), without comments and blank lines.
func Bundled() []string {
	var s []string
	for _, l := range strings.Split(bundledText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			s = append(s, l)
		}
	}
	return s
}

// Word lists for Sentence: common English words every synthesiser's
// lexicon or letter-to-sound rules read plainly.
var (
	names      = []string{"Anna", "Peter", "Maria", "George", "Helen", "Thomas", "Laura", "Daniel", "Grace", "Oliver", "Ruth", "Simon", "Martha", "Victor", "Nora", "Edward"}
	dets       = []string{"the", "a", "this", "that", "every", "one", "our", "her", "his", "their"}
	adjectives = []string{"old", "small", "bright", "heavy", "quiet", "yellow", "wooden", "strange", "careful", "warm", "narrow", "broken", "famous", "gentle", "silver", "muddy", "early", "thick", "empty", "curious"}
	nouns      = []string{"farmer", "window", "river", "basket", "teacher", "garden", "letter", "engine", "kitten", "market", "bridge", "doctor", "pencil", "village", "captain", "orange", "ladder", "mirror", "wagon", "sailor", "kettle", "forest", "blanket", "drummer", "island", "carpet", "lantern", "tunnel", "jacket", "singer"}
	places     = []string{"the station", "the harbour", "the kitchen", "the old mill", "the school", "the hill", "the square", "the museum", "the beach", "the library", "the bakery", "the valley"}
	preps      = []string{"near", "behind", "beside", "under", "across", "towards", "inside", "around", "past", "over"}
	adverbs    = []string{"slowly", "quickly", "again", "yesterday", "at noon", "in the morning", "every evening", "without a word", "twice", "very carefully", "last winter", "before dinner"}
	// verbs: past tense, base form; all transitive.
	verbs = [][2]string{{"carried", "carry"}, {"found", "find"}, {"painted", "paint"}, {"followed", "follow"}, {"watched", "watch"},
		{"lifted", "lift"}, {"mended", "mend"}, {"pushed", "push"}, {"visited", "visit"}, {"described", "describe"},
		{"opened", "open"}, {"cleaned", "clean"}, {"bought", "buy"}, {"dropped", "drop"}, {"measured", "measure"},
		{"remembered", "remember"}, {"washed", "wash"}, {"thanked", "thank"}, {"borrowed", "borrow"}, {"chased", "chase"}}
	modals = []string{"will", "could", "should", "might", "must", "would"}
	joins  = []string{"and then", "but later", "because", "while", "so", "after that"}
)

// Sentence draws one English sentence from r: one or two clauses of
// subject, verb and object with optional place and time phrases, as a
// statement or a question. The grammar makes far more sentences than any
// corpus needs, so large corpora hardly repeat one.
func Sentence(r *rand.Rand) string {
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	np := func() string {
		if r.IntN(4) == 0 {
			return pick(names)
		}
		d := pick(dets)
		if r.IntN(2) == 0 {
			d += " " + pick(adjectives)
		}
		return article(d + " " + pick(nouns))
	}
	clause := func() string {
		v := verbs[r.IntN(len(verbs))]
		c := np() + " " + v[0] + " " + np()
		if r.IntN(3) == 0 {
			c = np() + " " + pick(modals) + " " + v[1] + " " + np()
		}
		if r.IntN(2) == 0 {
			c += " " + pick(preps) + " " + pick(places)
		}
		if r.IntN(3) == 0 {
			c += " " + pick(adverbs)
		}
		return c
	}
	if r.IntN(6) == 0 {
		v := verbs[r.IntN(len(verbs))]
		return capitalise("why did " + np() + " " + v[1] + " " + np() + " " + pick(preps) + " " + pick(places) + "?")
	}
	s := clause()
	if r.IntN(2) == 0 {
		s += ", " + pick(joins) + " " + clause()
	}
	return capitalise(s + ".")
}

// article turns a leading "a" into "an" before a vowel.
func article(d string) string {
	if rest, ok := strings.CutPrefix(d, "a "); ok && strings.ContainsRune("aeiou", rune(rest[0])) {
		return "an " + rest
	}
	return d
}

func capitalise(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
