package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var regenFLAC = flag.Bool("regen-flac", false, "re-encode testdata/*.flac from testSignal with the flac tool")

// flacFixtures are small FLAC files made by the reference encoder (flac 1.4)
// from testSignal, so decoding is checked against an independent encoder.
var flacFixtures = []struct {
	file   string
	spec   wavSpec // the WAV handed to flac
	bits   int     // significant bits
	frames int
	flags  []string
}{
	{"mono16.flac", wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: 16}, 16, 1600, nil},
	{"stereo24.flac", wavSpec{code: wavPCM, channels: 2, rate: SampleRate, bits: 24}, 24, 800, nil},
	// 18 bits has no frame-header code, so frames defer to the stream info;
	// it is outside the FLAC subset, hence --lax.
	{"mono18.flac", wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: 24, valid: 18}, 18, 400, []string{"--lax"}},
}

func TestFLACFixtures(t *testing.T) {
	for _, fx := range flacFixtures {
		t.Run(fx.file, func(t *testing.T) {
			ints := testSignal(fx.frames, fx.spec.channels, fx.bits)
			path := filepath.Join("testdata", fx.file)
			if *regenFLAC {
				wav := filepath.Join(t.TempDir(), "in.wav")
				if err := os.WriteFile(wav, fx.spec.file(ints), 0o644); err != nil {
					t.Fatal(err)
				}
				args := append([]string{"--silent", "--best", "-b", "256", "--no-padding", "--no-seektable", "-f", "-o", path}, fx.flags...)
				if out, err := exec.Command("flac", append(args, wav)...).CombinedOutput(); err != nil {
					t.Fatalf("flac: %v\n%s", err, out)
				}
			}
			got, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			equalSamples(t, got, mono(ints, fx.spec.channels, fx.bits))
		})
	}
}

// quietLog silences the FLAC library's log.Printf notes about rare sample
// rates, which corrupt frame headers trigger by the hundred.
func quietLog(t testing.TB) {
	w := log.Writer()
	log.SetOutput(io.Discard)
	t.Cleanup(func() { log.SetOutput(w) })
}

func readFixture(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// streamInfo rewrites the packed STREAMINFO fields that follow the block
// sizes and frame sizes: rate (20 bits), channels−1 (3), bits−1 (5), total
// samples (36). Zero leaves a field as it is.
func streamInfo(data []byte, rate, channels, bits, samples uint64) []byte {
	d := append([]byte(nil), data...)
	v := binary.BigEndian.Uint64(d[18:])
	set := func(x, bias uint64, shift, width uint) {
		if x != 0 {
			mask := uint64(1)<<width - 1
			v = v&^(mask<<shift) | (x-bias)&mask<<shift
		}
	}
	set(rate, 0, 44, 20)
	set(channels, 1, 41, 3)
	set(bits, 1, 36, 5)
	set(samples, 0, 0, 36)
	binary.BigEndian.PutUint64(d[18:], v)
	return d
}

func TestFLACErrors(t *testing.T) {
	mono16 := readFixture(t, "mono16.flac")
	noMD5 := append([]byte(nil), mono16...)
	clear(noMD5[26:42])
	badMD5 := append([]byte(nil), mono16...)
	badMD5[30] ^= 0x10
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"rate.flac", streamInfo(mono16, 44100, 0, 0, 0), "FLAC: sample rate is 44100 Hz"},
		{"md5.flac", badMD5, "MD5 signature"},
		{"channels.flac", streamInfo(mono16, 0, 2, 0, 0), "1 channels differs from the stream info (2)"},
		{"bits.flac", streamInfo(mono16, 0, 0, 20, 0), "16 bits per sample differs from the stream info (20)"},
		{"bits32.flac", streamInfo(mono16, 0, 0, 32, 0), "32-bit FLAC is not supported"},
		{"short.flac", streamInfo(mono16, 0, 0, 0, 1601), "declares 1601 samples but the frames hold 1600 (file truncated)"},
		{"extra.flac", streamInfo(mono16, 0, 0, 0, 1000), "declares 1000 samples but the frames hold 1600"},
		{"long.flac", streamInfo(mono16, 0, 0, 0, 1<<36-1), "audio too long: 68719476735 samples"},
		{"no-md5-too-short.flac", streamInfo(noMD5, 0, 0, 0, 1599), "declares 1599 samples"},
		{"magic-only.flac", []byte("fLaC"), "FLAC: stream header: file truncated"},
		{"id3-mp3.mp3", append([]byte("ID3\x04\x00\x00\x00\x00\x00\x02\x00\x00"), 0xff, 0xfb, 0x90), "MP3 is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.name, tc.data)
			wantError(t, tc.name, err, tc.want)
		})
	}
}

// An all-zero MD5 means the encoder did not compute one; unknown length
// (zero total samples) is legal for streamed FLAC.
func TestFLACOptionalFields(t *testing.T) {
	mono16 := readFixture(t, "mono16.flac")
	want, err := Decode("a.flac", mono16)
	if err != nil {
		t.Fatal(err)
	}
	d := append([]byte(nil), mono16...)
	clear(d[26:42])
	binary.BigEndian.PutUint64(d[18:], binary.BigEndian.Uint64(d[18:])&^(1<<36-1))
	got, err := Decode("b.flac", d)
	if err != nil {
		t.Fatal(err)
	}
	equalSamples(t, got, want)

	// An ID3v2 tag in front (size 3, syncsafe) and a .wav name change nothing.
	got, err = Decode("mislabelled.wav", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x03abc"), mono16...))
	if err != nil {
		t.Fatal(err)
	}
	equalSamples(t, got, want)

	_, err = DecodeLimit("limit.flac", mono16, 1000)
	wantError(t, "limit.flac", err, "audio too long: 1600 samples")
	_, err = DecodeLimit("limit.flac", d, 1000)
	wantError(t, "limit.flac", err, "audio too long")
	if !errors.Is(err, ErrTooLong) {
		t.Errorf("%v does not wrap ErrTooLong", err)
	}
}

// Every truncation is an error naming the file: a cut inside a frame fails
// its read, a cut between frames falls short of the declared length.
func TestFLACTruncated(t *testing.T) {
	for _, fx := range flacFixtures {
		data := readFixture(t, fx.file)
		for n := len("fLaC"); n < len(data); n++ {
			_, err := Decode(fx.file, data[:n])
			wantError(t, fx.file, err, "FLAC")
		}
	}
}

// Frame headers carry a CRC-8, frames a CRC-16 and the stream an MD5, so a
// flipped bit either fails or changes nothing the decoder uses (vendor
// string, frame-size hints): never different samples, never a panic. Every
// bit of the headers is tried, then one bit per byte (rotating) of the frames.
func TestFLACBitFlips(t *testing.T) {
	quietLog(t)
	for _, fx := range flacFixtures {
		data := readFixture(t, fx.file)
		want, err := Decode(fx.file, data)
		if err != nil {
			t.Fatal(err)
		}
		step := func(i int) int {
			if i < 8*128 {
				return 1
			}
			return 9
		}
		for i := 0; i < 8*len(data); i += step(i) {
			d := bytes.Clone(data)
			d[i/8] ^= 1 << (i % 8)
			got, err := Decode(fx.file, d)
			if err != nil {
				wantError(t, fx.file, err, "")
				continue
			}
			if len(got) != len(want) {
				t.Fatalf("bit %d: %d samples, want %d", i, len(got), len(want))
			}
			for j := range got {
				if got[j] != want[j] {
					t.Fatalf("bit %d: sample %d = %v, want %v", i, j, got[j], want[j])
				}
			}
		}
	}
}
