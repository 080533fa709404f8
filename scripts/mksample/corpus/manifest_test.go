package corpus

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestManifestRoundTrip(t *testing.T) {
	spk, err := DrawSpeakers(9, []string{"flite", "espeak"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	m := &Manifest{Seed: 9, Synthesisers: []string{"flite", "espeak"}, Speakers: spk, Minutes: 12.5, Text: "mixed",
		Noise: &Noise{"pink", 10, 30}, Reverb: &Reverb{0.2, 0.7, 3}, PhoneSet: Inventory,
		Tools: []string{"flite: 2.2"}, Command: []string{"-seed", "9"}, Made: Made{300, 240, 60, 12.61, 4}}
	var b bytes.Buffer
	if err := WriteManifest(&b, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip:\n%+v\nwant\n%+v", got, m)
	}
	bad := strings.Replace(b.String(), `"seed"`, `"sede"`, 1)
	if _, err := ReadManifest(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "sede") {
		t.Errorf("misspelt field: %v", err)
	}
	if _, err := ReadManifest(strings.NewReader(`{"seed": 1}`)); err == nil {
		t.Error("no speakers: no error")
	}
}
