package corpus

import (
	"testing"

	"github.com/gocpc/cpc/core/audio"
)

func TestReadWAV16(t *testing.T) {
	in := []float32{0, 0.5, -0.25, -1, 0.999}
	x, rate, err := ReadWAV16(audio.EncodeWAV16(in, 22050))
	if err != nil {
		t.Fatal(err)
	}
	if rate != 22050 || len(x) != len(in) {
		t.Fatalf("rate %d, %d samples", rate, len(x))
	}
	for i := range x {
		if d := x[i] - float64(in[i]); d > 1.0/32768 || d < -1.0/32768 {
			t.Errorf("sample %d: %g, want %g", i, x[i], in[i])
		}
	}
	good := audio.EncodeWAV16(in, 8000)
	for name, b := range map[string][]byte{"empty": nil, "not riff": []byte("RIFX0000WAVEfmt "), "no data": good[:36], "stereo": stereo(good)} {
		if _, _, err := ReadWAV16(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func stereo(b []byte) []byte {
	s := append([]byte(nil), b...)
	s[22] = 2
	return s
}
