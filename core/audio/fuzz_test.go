package audio

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkDecoded is the contract for any input: an error naming the file, or
// at least one finite sample, within [−1, 1) unless the file is float WAV
// (taken as stored).
func checkDecoded(t *testing.T, data []byte, got []float32, err error) {
	t.Helper()
	if err != nil {
		if !strings.HasPrefix(err.Error(), "fuzz: ") {
			t.Fatalf("error does not name the file: %v", err)
		}
		return
	}
	if len(got) == 0 {
		t.Fatal("no error and no samples")
	}
	float := false
	if len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WAVE" {
		f, _, _, err := wavChunks("fuzz", data)
		if err != nil {
			t.Fatalf("decoded, but the chunks do not parse: %v", err)
		}
		float = f.code == wavFloat
	}
	for i, v := range got {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || !float && (v < -1 || v >= 1) {
			t.Fatalf("sample %d = %v", i, v)
		}
	}
}

func FuzzDecodeWAV(f *testing.F) {
	s16 := wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: 16}
	f.Add(s16.file(testSignal(50, 1, 16)))
	f.Add(wavSpec{code: wavPCM, channels: 2, rate: SampleRate, bits: 8}.file(testSignal(20, 2, 8)))
	f.Add(wavSpec{code: wavPCM, channels: 3, rate: SampleRate, bits: 24}.file(testSignal(20, 3, 24)))
	f.Add(wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: 32, valid: 24}.file(testSignal(20, 1, 24)))
	f.Add(riff(wavSpec{code: wavFloat, channels: 2, rate: SampleRate, bits: 32, valid: 32}.fmtChunk(), chunk("data", floatPCM(0.5, -2, 1, 0))))
	f.Add(riff(chunk("LIST", []byte("odd")), s16.fmtChunk(), chunk("data", []byte{1, 2, 3, 4})))
	streaming := s16.file(testSignal(10, 1, 16))
	streaming[40], streaming[41], streaming[42], streaming[43] = 0xff, 0xff, 0xff, 0xff
	f.Add(streaming)
	f.Add(EncodeWAV16([]float32{0.1, 0.2}, 44100))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode("fuzz", data)
		checkDecoded(t, data, got, err)
	})
}

func FuzzDecodeFLAC(f *testing.F) {
	quietLog(f)
	for _, fx := range flacFixtures {
		data, err := os.ReadFile(filepath.Join("testdata", fx.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
		clear(data[26:42]) // no MD5: lets the fuzzer reach sample values
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode("fuzz", data)
		checkDecoded(t, data, got, err)
	})
}
