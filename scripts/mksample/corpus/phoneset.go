package corpus

import (
	"fmt"
	"slices"
)

// Inventory is the phone set every synthesiser is mapped onto: silence,
// then the 39 phonemes of the CMU Pronouncing Dictionary (ARPAbet without
// stress), in alphabetical order. A label is an index into it.
var Inventory = []string{"sil",
	"aa", "ae", "ah", "ao", "aw", "ay", "b", "ch", "d", "dh", "eh", "er", "ey",
	"f", "g", "hh", "ih", "iy", "jh", "k", "l", "m", "n", "ng", "ow", "oy", "p",
	"r", "s", "sh", "t", "th", "uh", "uw", "v", "w", "y", "z", "zh"}

// joinPrevious is the label of a synthesiser event that is not a phone of
// its own (eSpeak's linking mark ";"): the phone before it goes on.
const joinPrevious = -1

// join in a map marks such an event.
const join = "+"

// cmuMap maps the phone names Flite's and Festival's US English voices
// emit (the CMU set: ARPAbet in lower case, plus the reduced vowel ax and
// the pause pau) onto the inventory.
var cmuMap = func() map[string]string {
	m := map[string]string{"pau": "sil", "ax": "ah"}
	for _, p := range Inventory[1:] {
		m[p] = p
	}
	return m
}()

// phoneMaps holds, for each synthesiser, its phone names → inventory
// names (README.md, "Phone set", explains the choices).
var phoneMaps = map[string]map[string]string{
	"espeak":   espeakMap,
	"flite":    cmuMap,
	"festival": cmuMap,
}

// PhoneID maps a synthesiser's phone to its inventory index, or to
// joinPrevious; a phone without a mapping is an error naming it.
func PhoneID(synth, phone string) (int, error) {
	m, ok := phoneMaps[synth]
	if !ok {
		return 0, fmt.Errorf("no phone map for synthesiser %q", synth)
	}
	to, ok := m[phone]
	if !ok {
		return 0, fmt.Errorf("%s phone %q has no mapping onto the shared phone set (add it to scripts/mksample/corpus/phoneset.go and README.md)", synth, phone)
	}
	if to == join {
		return joinPrevious, nil
	}
	i := slices.Index(Inventory, to)
	if i < 0 {
		return 0, fmt.Errorf("%s phone %q maps to %q, which is not in the inventory", synth, phone, to)
	}
	return i, nil
}
