package corpus

import (
	"fmt"
	"slices"
)

// Synthesisers, in the order their speaker ids are numbered: a speaker of
// synthesiser i has id 1000·(i+1) + k.
var Synthesisers = []string{"espeak", "flite", "festival"}

// Voice is one base voice of a synthesiser. Native is the sample rate it
// synthesises at; Pitch is whether the synthesiser lets us set its mean
// pitch (Festival's HTS voice does not: its speakers differ by vocal-tract
// scale and rate only).
type Voice struct {
	Name   string
	Sex    string
	Native int
	Pitch  bool
}

// espeakAccents and espeakVariants make eSpeak NG voices "accent+variant":
// the accent sets the phoneme inventory and rules, the variant (from
// espeak-ng-data/voices/!v) formants and voicing.
var (
	espeakAccents  = []string{"en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"}
	espeakVariants = []string{"m1", "f2", "m3", "f4", "m5", "f5", "m2", "f1", "m4", "f3", "m6", "m7"}
)

// Voices lists each synthesiser's base voices. eSpeak NG's are all
// accent × variant pairs, interleaved so that any run of them mixes
// accents, variants and sexes.
var Voices = map[string][]Voice{
	"espeak": espeakVoices(),
	"flite": {
		{"kal", "M", 8000, true}, {"kal16", "M", 16000, true}, {"awb", "M", 16000, true},
		{"rms", "M", 16000, true}, {"slt", "F", 16000, true},
	},
	"festival": {
		{"kal_diphone", "M", 16000, true}, {"ked_diphone", "M", 16000, true},
		{"cmu_us_slt_arctic_hts", "F", 32000, false},
	},
}

func espeakVoices() []Voice {
	var vs []Voice
	// Accent i mod 8 with variant (i/8 + i mod 8) mod 12 runs through all
	// 96 pairs, neighbours differing in accent and variant.
	for i := range len(espeakAccents) * len(espeakVariants) {
		a := espeakAccents[i%len(espeakAccents)]
		v := espeakVariants[(i/len(espeakAccents)+i%len(espeakAccents))%len(espeakVariants)]
		vs = append(vs, Voice{a + "+" + v, map[byte]string{'m': "M", 'f': "F"}[v[0]], 22050, true})
	}
	return vs
}

// Speaker is one synthetic speaker: a base voice and the settings every
// utterance of it starts from. Pitch is eSpeak's 0-100 pitch or, for Flite
// and Festival, the mean F0 in Hz (0: the voice's own); Rate is eSpeak's
// words per minute or Flite's and Festival's duration stretch (>1 slower);
// Warp scales the vocal tract: the audio is resampled as if it had been
// synthesised at Warp times its rate, which multiplies formants and pitch
// by Warp and durations by 1/Warp.
type Speaker struct {
	ID    int     `json:"id"`
	Synth string  `json:"synth"`
	Voice string  `json:"voice"`
	Sex   string  `json:"sex"`
	Pitch float64 `json:"pitch"`
	Rate  float64 `json:"rate"`
	Warp  float64 `json:"warp"`
}

// Vocal-tract scales are spread over [warpLo, warpHi]: ±10 %, about the
// spread of adult vocal-tract lengths within one sex.
const warpLo, warpHi = 0.9, 1.1

// DrawSpeakers makes n speakers for the given synthesisers, round robin,
// each synthesiser's base voices taken in turn from an offset drawn from
// the seed. Speakers sharing a base voice get vocal-tract scales from
// distinct slots of [warpLo, warpHi], so no two speakers coincide.
func DrawSpeakers(seed uint64, synths []string, n int) ([]Speaker, error) {
	if n < 1 || len(synths) == 0 {
		return nil, fmt.Errorf("need at least one speaker and one synthesiser (got %d, %v)", n, synths)
	}
	for i, s := range synths {
		if !slices.Contains(Synthesisers, s) {
			return nil, fmt.Errorf("unknown synthesiser %q (have %v)", s, Synthesisers)
		}
		if slices.Contains(synths[:i], s) {
			return nil, fmt.Errorf("synthesiser %q named twice", s)
		}
	}
	sp := make([]Speaker, n)
	same := map[string][]int{} // speakers of each base voice
	for k := range sp {
		synth := synths[k%len(synths)]
		vs := Voices[synth]
		off := Stream(seed, "voice-offset", slices.Index(Synthesisers, synth)).IntN(len(vs))
		v := vs[(off+k/len(synths))%len(vs)]
		sp[k] = drawSettings(seed, k, synth, v)
		sp[k].ID = 1000*(slices.Index(Synthesisers, synth)+1) + k
		same[synth+"/"+v.Name] = append(same[synth+"/"+v.Name], k)
	}
	for _, ks := range same {
		for j, k := range ks {
			u := 0.15 + 0.7*Stream(seed, "warp", k).Float64()
			sp[k].Warp = round3(warpLo + (warpHi-warpLo)*(float64(j)+u)/float64(len(ks)))
		}
	}
	return sp, nil
}

// drawSettings draws speaker k's pitch and rate in the synthesiser's units.
func drawSettings(seed uint64, k int, synth string, v Voice) Speaker {
	r := Stream(seed, "speaker", k)
	s := Speaker{Synth: synth, Voice: v.Name, Sex: v.Sex}
	uniform := func(lo, hi float64) float64 { return round3(lo + (hi-lo)*r.Float64()) }
	switch {
	case synth == "espeak" && v.Sex == "M":
		s.Pitch, s.Rate = float64(25+r.IntN(31)), float64(145+r.IntN(41))
	case synth == "espeak":
		s.Pitch, s.Rate = float64(55+r.IntN(31)), float64(145+r.IntN(41))
	case !v.Pitch:
		s.Rate = uniform(0.9, 1.15)
	case v.Sex == "M":
		s.Pitch, s.Rate = uniform(90, 135), uniform(0.9, 1.15)
	default:
		s.Pitch, s.Rate = uniform(160, 220), uniform(0.9, 1.15)
	}
	return s
}

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

// VoiceOf returns the base voice a speaker uses.
func VoiceOf(s Speaker) (Voice, error) {
	for _, v := range Voices[s.Synth] {
		if v.Name == s.Voice {
			return v, nil
		}
	}
	return Voice{}, fmt.Errorf("speaker %d: %s has no voice %q", s.ID, s.Synth, s.Voice)
}

// Jitter is how utterance n of a speaker departs from the speaker's
// settings, as a reader's pitch and pace move from one sentence to the
// next: the pitch and rate to synthesise it with. Pitch moves by up to ±5
// on eSpeak's scale or ±5 % in Hz, less than the spacing of speakers, so
// that it stays a cue to who speaks; rate by up to ±8 %.
func Jitter(seed uint64, s Speaker, n int) (pitch, rate float64) {
	r := Stream(seed, "jitter", s.ID, n)
	dp, dr := 2*r.Float64()-1, 2*r.Float64()-1
	if s.Synth == "espeak" {
		return s.Pitch + float64(int(5*dp+5.5)-5), float64(int(s.Rate * (1 + 0.08*dr)))
	}
	return round3(s.Pitch * (1 + 0.05*dp)), round3(s.Rate * (1 + 0.08*dr))
}
