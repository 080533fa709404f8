package corpus

import (
	"slices"
	"strings"
	"testing"
)

// Every phone a synthesiser emits maps onto the inventory, and together
// they reach every inventory phone: a corpus from any one synthesiser can
// use the whole label set.
func TestEmittedPhonesMapOntoInventory(t *testing.T) {
	for _, synth := range Synthesisers {
		emitted := Emitted[synth]
		if len(emitted) == 0 {
			t.Fatalf("%s: no emitted phones listed", synth)
		}
		reached := map[int]bool{}
		for _, p := range emitted {
			id, err := PhoneID(synth, p)
			if err != nil {
				t.Fatal(err)
			}
			reached[id] = true
		}
		for i, p := range Inventory {
			if !reached[i] {
				t.Errorf("%s: no emitted phone maps to %q", synth, p)
			}
		}
	}
}

// No map entry is left over from a phone the synthesisers do not emit: a
// mapping nobody has seen used is a guess.
func TestMapsHoldOnlyEmittedPhones(t *testing.T) {
	for _, synth := range Synthesisers {
		for p := range phoneMaps[synth] {
			if !slices.Contains(Emitted[synth], p) {
				t.Errorf("%s map has %q, which %s does not emit (emitted.go)", synth, p, synth)
			}
		}
	}
}

func TestUnknownPhoneIsNamed(t *testing.T) {
	for _, c := range []struct{ synth, phone, want string }{
		{"espeak", "Q#", `"Q#"`}, {"flite", "dx", `"dx"`}, {"festival", "h#", `"h#"`}, {"htk", "a", `"htk"`},
	} {
		_, err := PhoneID(c.synth, c.phone)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("PhoneID(%s, %s) = %v, want an error naming %s", c.synth, c.phone, err, c.want)
		}
	}
}

func TestInventoryIsSilencePlusCMU39(t *testing.T) {
	if len(Inventory) != 40 || Inventory[0] != "sil" || !slices.IsSorted(Inventory[1:]) {
		t.Fatalf("inventory: %d phones starting %q, sorted %v", len(Inventory), Inventory[0], slices.IsSorted(Inventory[1:]))
	}
	if id, _ := PhoneID("espeak", ";"); id != joinPrevious {
		t.Errorf(`eSpeak's ";" maps to %d, want joinPrevious`, id)
	}
}
