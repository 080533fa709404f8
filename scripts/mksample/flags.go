//go:build mksample

package main

import (
	"flag"
	"fmt"
	"runtime"
	"strings"

	"github.com/gocpc/cpc/core/room"
	"github.com/gocpc/cpc/scripts/mksample/corpus"
)

// genFlags are the corpus generator's flags.
type genFlags struct {
	corpusConfig
	synthList, snr, colour, rt60 string
	drr                          float64
}

func corpusFlags() *genFlags {
	g := &genFlags{}
	flag.Uint64Var(&g.Seed, "seed", 1, "corpus: seed of every random draw (speakers, sentences, variation, noise, rooms)")
	flag.Float64Var(&g.Minutes, "minutes", 0, "corpus: generate at least this many minutes of audio")
	flag.IntVar(&g.Utterances, "utterances", 0, "corpus: generate this many utterances (instead of -minutes)")
	flag.StringVar(&g.synthList, "synth", "espeak,flite,festival", "corpus: synthesisers, comma-separated (espeak, flite, festival)")
	flag.IntVar(&g.Speakers, "speakers", 12, "corpus: speakers, shared round robin among the synthesisers")
	flag.StringVar(&g.Text, "text", "mixed", "corpus: sentences: bundled (sentences.txt), generated, or mixed (one in three bundled)")
	flag.StringVar(&g.snr, "snr", "", "corpus: add noise at an SNR in dB, fixed (20) or drawn per utterance from a range (10:30); empty: none")
	flag.StringVar(&g.colour, "noise", room.Pink, "corpus: noise colour, white or pink")
	flag.StringVar(&g.rt60, "rt60", "", "corpus: reverberate with a synthetic room of this RT60 in seconds, fixed (0.4) or a range (0.2:0.8); empty: none")
	flag.Float64Var(&g.drr, "drr", 3, "corpus: the rooms' direct-to-reverberant ratio in dB")
	flag.IntVar(&g.Jobs, "jobs", runtime.NumCPU(), "corpus: utterances made in parallel (the output does not depend on it)")
	return g
}

// check validates the corpus flags and fills in the parsed settings.
func (g *genFlags) check() error {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case !set["out"]:
		return fmt.Errorf("a corpus needs -out (the default is the bundled sample's folder)")
	case g.Minutes > 0 && g.Utterances > 0:
		return fmt.Errorf("give -minutes or -utterances, not both")
	case g.Minutes < 0 || g.Utterances < 0 || g.Speakers < 1 || g.Jobs < 1:
		return fmt.Errorf("-minutes and -utterances must not be negative, -speakers and -jobs must be positive")
	case g.Text != "bundled" && g.Text != "generated" && g.Text != "mixed":
		return fmt.Errorf("-text %q: want bundled, generated or mixed", g.Text)
	}
	g.Synths = strings.Split(g.synthList, ",")
	if g.snr != "" {
		r, err := room.ParseRange(g.snr)
		if err != nil {
			return fmt.Errorf("-snr %w", err)
		}
		if g.colour != room.White && g.colour != room.Pink {
			return fmt.Errorf("-noise %q: want white or pink", g.colour)
		}
		g.Noise = &corpus.Noise{Colour: g.colour, SNRLo: r.Lo, SNRHi: r.Hi}
	}
	if g.rt60 != "" {
		r, err := room.ParseRange(g.rt60)
		if err != nil {
			return fmt.Errorf("-rt60 %w", err)
		}
		if !(r.Lo > 0) || r.Hi > 10 {
			return fmt.Errorf("-rt60 %q: want seconds in (0, 10]", g.rt60)
		}
		g.Reverb = &corpus.Reverb{RT60Lo: r.Lo, RT60Hi: r.Hi, DRR: g.drr}
	}
	return nil
}
