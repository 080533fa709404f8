package audio

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// wavSpec describes a WAV file for the tests to build; the decoder under test
// never sees it, only the bytes.
type wavSpec struct {
	code     uint16 // wavPCM or wavFloat
	channels int
	rate     int
	bits     int // container bits
	valid    int // > 0 writes WAVE_FORMAT_EXTENSIBLE with these valid bits
}

func (s wavSpec) fmtChunk() []byte {
	align := s.channels * s.bits / 8
	b := binary.LittleEndian.AppendUint16(nil, s.code)
	if s.valid > 0 {
		b = binary.LittleEndian.AppendUint16(nil, wavExtensible)
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(s.channels))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.rate))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.rate*align))
	b = binary.LittleEndian.AppendUint16(b, uint16(align))
	b = binary.LittleEndian.AppendUint16(b, uint16(s.bits))
	if s.valid > 0 {
		b = binary.LittleEndian.AppendUint16(b, 22)
		b = binary.LittleEndian.AppendUint16(b, uint16(s.valid))
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint16(b, s.code)
		b = append(b, guidSuffix[:]...)
	}
	return chunk("fmt ", b)
}

// pcm encodes interleaved integer samples, left-justified in the container
// when fewer bits are valid, as WAV stores them.
func (s wavSpec) pcm(samples []int64) []byte {
	shift := 0
	if s.valid > 0 {
		shift = s.bits - s.valid
	}
	var b []byte
	for _, v := range samples {
		u := uint32(v << shift)
		if s.bits == 8 {
			u = uint32(v + 128)
		}
		for i := range s.bits / 8 {
			b = append(b, byte(u>>(8*i)))
		}
	}
	return b
}

func (s wavSpec) file(samples []int64) []byte {
	return riff(s.fmtChunk(), chunk("data", s.pcm(samples)))
}

func floatPCM(samples ...float32) []byte {
	var b []byte
	for _, v := range samples {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// chunk returns a RIFF chunk, padded to even length as the spec requires.
func chunk(id string, body []byte) []byte {
	b := append([]byte(id), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(body)))
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func riff(chunks ...[]byte) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WAVE")
	for _, c := range chunks {
		b = append(b, c...)
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

// testSignal returns n frames of interleaved deterministic samples of the
// given depth: a triangle wave (so FLAC fixtures stay small) plus a little
// noise, with the two extreme codes first so scaling is checked at the ends.
func testSignal(n, channels, bits int) []int64 {
	lo, hi := -int64(1)<<(bits-1), int64(1)<<(bits-1)-1
	x := uint32(2463534242)
	s := make([]int64, n*channels)
	for i := range s {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		t := int64(i/channels%200) - 100
		tri := (max(t, -t) - 50) * (hi / 64) * int64(i%channels+1) / int64(channels)
		s[i] = min(max(tri+int64(x%64)-32, lo), hi)
	}
	s[0], s[len(s)-1] = lo, hi
	return s
}

// mono is the reference downmix: the exact mean of each frame's channels
// divided by 2^(bits−1), rounded once.
func mono(samples []int64, channels, bits int) []float32 {
	out := make([]float32, len(samples)/channels)
	for i := range out {
		var sum int64
		for c := range channels {
			sum += samples[i*channels+c]
		}
		out[i] = float32(float64(sum) / float64(channels) / math.Ldexp(1, bits-1))
		if out[i] == 1 { // only 32-bit's top code rounds up; the API clamps it
			out[i] = math.Nextafter32(1, 0)
		}
	}
	return out
}

func equalSamples(t *testing.T, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d samples, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("sample %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// wantError checks the one-error contract: it names the file and says what.
func wantError(t *testing.T, name string, err error, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", what)
	}
	if !strings.HasPrefix(err.Error(), name+": ") || !strings.Contains(err.Error(), what) {
		t.Fatalf("error %q should start with %q and mention %q", err, name+": ", what)
	}
}
