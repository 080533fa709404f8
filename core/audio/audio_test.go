package audio

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"
)

func TestReadFileAndFS(t *testing.T) {
	wav := EncodeWAV16([]float32{0.5, -0.25}, SampleRate)
	dir := t.TempDir()
	path := filepath.Join(dir, "a.wav")
	if err := os.WriteFile(path, wav, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	equalSamples(t, got, []float32{0.5, -0.25})
	if _, err := ReadFile(filepath.Join(dir, "missing.wav")); !os.IsNotExist(err) {
		t.Fatalf("missing file: %v", err)
	}

	fsys := fstest.MapFS{
		"corpus/a.wav":   {Data: wav},
		"corpus/b.flac":  {Data: readFixture(t, "mono16.flac")},
		"corpus/bad.wav": {Data: EncodeWAV16([]float32{0}, 22050)},
	}
	if got, err = ReadFS(fsys, "corpus/a.wav"); err != nil {
		t.Fatal(err)
	}
	equalSamples(t, got, []float32{0.5, -0.25})
	if got, err = ReadFS(fsys, "corpus/b.flac"); err != nil || len(got) != 1600 {
		t.Fatalf("flac from fs: %d samples, %v", len(got), err)
	}
	_, err = ReadFS(fsys, "corpus/bad.wav")
	wantError(t, "corpus/bad.wav", err, "sample rate is 22050 Hz")
	if !errors.Is(err, ErrSampleRate) || errors.Is(err, ErrTooLong) {
		t.Errorf("wrong rate: %v does not wrap ErrSampleRate alone", err)
	}
}

func TestNotWAVOrFLAC(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{nil, "empty file"},
		{[]byte("RIFF\x04\x00\x00\x00AVI "), `RIFF file of type "AVI "`},
		{[]byte("RIFX\x04\x00\x00\x00WAVE"), "RIFX"},
		{[]byte("RF64\xff\xff\xff\xffWAVE"), "RF64"},
		{[]byte("OggS\x00\x02"), "Ogg"},
		{[]byte("FORM\x00\x00\x00\x00AIFF"), "AIFF"},
		{[]byte("\x00\x00\x00\x20ftypM4A "), "MP4"},
		{[]byte{0xff, 0xfb, 0x90, 0x64}, "MP3"},
		{[]byte("RIFF"), `starts with "RIFF"`},
		{[]byte("hello, world!"), `starts with "hello, world"`},
	} {
		_, err := Decode("x.wav", tc.data)
		wantError(t, "x.wav", err, tc.want)
	}
}

func TestDecodeLimitWAV(t *testing.T) {
	wav := EncodeWAV16(make([]float32, 1001), SampleRate)
	if _, err := DecodeLimit("ok.wav", wav, 1001); err != nil {
		t.Fatal(err)
	}
	_, err := DecodeLimit("long.wav", wav, 1000)
	wantError(t, "long.wav", err, "audio too long: 1001 samples")
	if !errors.Is(err, ErrTooLong) || errors.Is(err, ErrSampleRate) {
		t.Errorf("too long: %v does not wrap ErrTooLong alone", err)
	}
}

// Headers that claim gigabytes must not be believed: allocation follows the
// bytes actually present.
func TestLyingSizesAllocateLittle(t *testing.T) {
	wav := EncodeWAV16(make([]float32, 100), SampleRate)
	wav[40], wav[41], wav[42], wav[43] = 0xf0, 0xff, 0xff, 0xff
	flacLie := streamInfo(readFixture(t, "mono16.flac"), 0, 0, 0, MaxSamples)
	for name, data := range map[string][]byte{"huge.wav": wav, "huge.flac": flacLie} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Decode(name, data)
		runtime.ReadMemStats(&after)
		wantError(t, name, err, "")
		if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
			t.Errorf("%s: decoding allocated %d bytes", name, n)
		}
	}
}
