package audio

import (
	"encoding/binary"
	"math"
	"testing"
)

func TestWAVRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec wavSpec
		bits int // significant bits of the test signal
	}{
		{"pcm8", wavSpec{code: wavPCM, channels: 1, bits: 8}, 8},
		{"pcm16", wavSpec{code: wavPCM, channels: 1, bits: 16}, 16},
		{"pcm24", wavSpec{code: wavPCM, channels: 1, bits: 24}, 24},
		{"pcm32", wavSpec{code: wavPCM, channels: 1, bits: 32}, 32},
		{"pcm16 stereo", wavSpec{code: wavPCM, channels: 2, bits: 16}, 16},
		{"pcm24 3ch", wavSpec{code: wavPCM, channels: 3, bits: 24}, 24},
		{"pcm32 stereo", wavSpec{code: wavPCM, channels: 2, bits: 32}, 32},
		{"extensible pcm16", wavSpec{code: wavPCM, channels: 1, bits: 16, valid: 16}, 16},
		{"extensible 20 in 24", wavSpec{code: wavPCM, channels: 2, bits: 24, valid: 20}, 20},
		{"extensible 24 in 32", wavSpec{code: wavPCM, channels: 1, bits: 32, valid: 24}, 24},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.rate = SampleRate
			ints := testSignal(1000, tc.spec.channels, tc.bits)
			got, err := Decode(tc.name, tc.spec.file(ints))
			if err != nil {
				t.Fatal(err)
			}
			equalSamples(t, got, mono(ints, tc.spec.channels, tc.bits))
		})
	}
}

func TestWAVScalingExact(t *testing.T) {
	for _, tc := range []struct {
		bits int
		in   []int64
		want []float32
	}{
		{8, []int64{-128, 0, 127}, []float32{-1, 0, 127.0 / 128}},
		{16, []int64{-32768, -1, 0, 1, 32767}, []float32{-1, -1.0 / 32768, 0, 1.0 / 32768, 32767.0 / 32768}},
		{24, []int64{-1 << 23, 1, 1<<23 - 1}, []float32{-1, 0x1p-23, 1 - 0x1p-23}},
		// (2^31−1)/2^31 rounds to 1 in float32; the API keeps [−1, 1).
		{32, []int64{math.MinInt32, 1 << 8, math.MaxInt32}, []float32{-1, 0x1p-23, math.Nextafter32(1, 0)}},
	} {
		spec := wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: tc.bits}
		got, err := Decode("x.wav", spec.file(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		equalSamples(t, got, tc.want)
	}
}

func TestWAVChannelsAveraged(t *testing.T) {
	spec := wavSpec{code: wavPCM, channels: 2, rate: SampleRate, bits: 16}
	got, err := Decode("s.wav", spec.file([]int64{-32768, -32768, 32767, -32768, 1, 2}))
	if err != nil {
		t.Fatal(err)
	}
	equalSamples(t, got, []float32{-1, -0.5 / 32768, 1.5 / 32768})

	fspec := wavSpec{code: wavFloat, channels: 3, rate: SampleRate, bits: 32}
	data := riff(fspec.fmtChunk(), chunk("data", floatPCM(0.5, -1, 2, 3, 3, 3)))
	got, err = Decode("f.wav", data)
	if err != nil {
		t.Fatal(err)
	}
	equalSamples(t, got, []float32{0.5, 3})
}

// Float WAV samples are taken as stored, even beyond ±1.
func TestWAVFloatAsStored(t *testing.T) {
	in := []float32{-1.5, -1, 0, 0x1p-30, 0.25, 1, 7}
	for _, valid := range []int{0, 32} {
		spec := wavSpec{code: wavFloat, channels: 1, rate: SampleRate, bits: 32, valid: valid}
		got, err := Decode("f.wav", riff(spec.fmtChunk(), chunk("data", floatPCM(in...))))
		if err != nil {
			t.Fatal(err)
		}
		equalSamples(t, got, in)
	}
}

func TestEncodeWAV16(t *testing.T) {
	all := make([]float32, 65536)
	for i := range all {
		all[i] = float32(i-32768) / 32768
	}
	data := EncodeWAV16(all, SampleRate)
	got, err := Decode("all.wav", data)
	if err != nil {
		t.Fatal(err)
	}
	equalSamples(t, got, all)

	clipped, err := Decode("c.wav", EncodeWAV16([]float32{2, -2, float32(math.NaN()), 0.4 / 32768, 0.6 / 32768}, SampleRate))
	if err != nil {
		t.Fatal(err)
	}
	equalSamples(t, clipped, []float32{32767.0 / 32768, -1, 0, 0, 1.0 / 32768})

	_, err = Decode("r.wav", EncodeWAV16(all, 8000))
	wantError(t, "r.wav", err, "8000 Hz")
}

func TestWAVChunkLayout(t *testing.T) {
	s16 := wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: 16}
	s8 := wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: 8}
	odd := s8.pcm([]int64{-128, 0, 64}) // 3 bytes: padded to 4
	want8 := []float32{-1, 0, 0.5}
	for _, tc := range []struct {
		name string
		data []byte
		want []float32
	}{
		{"odd LIST chunk before fmt", riff(chunk("LIST", []byte("abcde")), s16.fmtChunk(), chunk("data", s16.pcm([]int64{16384}))), []float32{0.5}},
		{"odd data chunk then more chunks", riff(s8.fmtChunk(), chunk("data", odd), chunk("LIST", []byte("x"))), want8},
		{"odd data chunk missing its pad at the end", riff(s8.fmtChunk(), chunk("data", odd))[:12+24+8+3], want8},
		{"data before fmt", riff(chunk("data", odd), s8.fmtChunk()), want8},
		{"junk after data", append(riff(s8.fmtChunk(), chunk("data", odd)), "garbage"...), want8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(tc.name, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			equalSamples(t, got, tc.want)
		})
	}
}

// Streaming writers leave 0xFFFFFFFF, or 0 with a RIFF size that ends at the
// data header; the rest of the file is the samples, less any partial frame.
func TestWAVStreamingSizes(t *testing.T) {
	spec := wavSpec{code: wavPCM, channels: 2, rate: SampleRate, bits: 16}
	body := append(spec.pcm([]int64{16384, 16384, -32768, 0}), 1, 2, 3) // two frames and part of a third
	want := []float32{0.5, -0.5}
	header := func(riffSize, dataSize uint32) []byte {
		b := riff(spec.fmtChunk())
		binary.LittleEndian.PutUint32(b[4:], riffSize)
		b = append(b, "data"...)
		return binary.LittleEndian.AppendUint32(b, dataSize)
	}
	for _, tc := range []struct {
		name               string
		riffSize, dataSize uint32
	}{
		{"all ones", 0xffffffff, 0xffffffff},
		{"zero", 0, 0},
		{"zero, RIFF size up to the data header", 36, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(tc.name, append(header(tc.riffSize, tc.dataSize), body...))
			if err != nil {
				t.Fatal(err)
			}
			equalSamples(t, got, want)
		})
	}
	// A zero size the RIFF size accounts for is a real empty data chunk.
	empty := riff(spec.fmtChunk(), chunk("data", nil), chunk("LIST", []byte("info")))
	_, err := Decode("empty.wav", empty)
	wantError(t, "empty.wav", err, "no samples")
}

func TestWAVErrors(t *testing.T) {
	s16 := wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: 16}
	good := s16.file([]int64{1, 2, 3, 4})
	with := func(spec wavSpec, data []byte) []byte { return riff(spec.fmtChunk(), chunk("data", data)) }
	patch := func(off int, b ...byte) []byte {
		d := append([]byte(nil), good...)
		copy(d[off:], b)
		return d
	}
	fmtBody := s16.fmtChunk()[8:]
	badGUID := wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: 16, valid: 16}.fmtChunk()
	badGUID[len(badGUID)-1] ^= 1
	// An EXTENSIBLE code with only the classic 16-byte body.
	shortExt := append(binary.LittleEndian.AppendUint16(nil, wavExtensible), fmtBody[2:]...)
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	float := wavSpec{code: wavFloat, channels: 2, rate: SampleRate, bits: 32}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"rate.wav", with(wavSpec{code: wavPCM, channels: 2, rate: 44100, bits: 16}, make([]byte, 8)), "44100 Hz"},
		{"ext-rate.wav", with(wavSpec{code: wavFloat, channels: 1, rate: 48000, bits: 32, valid: 32}, make([]byte, 8)), "48000 Hz"},
		{"adpcm.wav", with(wavSpec{code: 2, channels: 1, rate: SampleRate, bits: 4}, make([]byte, 8)), "0x0002 (Microsoft ADPCM)"},
		{"ulaw.wav", with(wavSpec{code: 7, channels: 1, rate: SampleRate, bits: 8, valid: 8}, make([]byte, 8)), "µ-law"},
		{"pcm12.wav", with(wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: 12}, make([]byte, 8)), "12-bit PCM"},
		{"double.wav", with(wavSpec{code: wavFloat, channels: 1, rate: SampleRate, bits: 64}, make([]byte, 8)), "64-bit float"},
		{"valid.wav", with(wavSpec{code: wavPCM, channels: 1, rate: SampleRate, bits: 16, valid: 20}, make([]byte, 8)), "20 valid bits"},
		{"guid.wav", riff(badGUID, chunk("data", make([]byte, 8))), "subformat GUID"},
		{"short-ext.wav", riff(chunk("fmt ", shortExt), chunk("data", make([]byte, 8))), "EXTENSIBLE fmt chunk too short"},
		{"channels.wav", patch(22, 0, 0), "zero channels"},
		{"align.wav", patch(32, 3, 0), "block align 3"},
		{"fmt-short.wav", riff(chunk("fmt ", fmtBody[:14]), chunk("data", make([]byte, 8))), "fmt chunk is 14 bytes"},
		{"no-fmt.wav", riff(chunk("data", make([]byte, 8))), "no fmt chunk"},
		{"no-data.wav", riff(s16.fmtChunk()), "no data chunk"},
		{"header-only.wav", good[:12], "no fmt chunk"},
		{"cut-fmt.wav", good[:30], `"fmt " chunk declares 16 bytes but only 10 follow`},
		{"cut-data.wav", good[:len(good)-1], `"data" chunk declares 8 bytes but only 7 follow (file truncated)`},
		{"cut-list.wav", riff(chunk("LIST", make([]byte, 100)))[:60], `"LIST" chunk declares 100 bytes`},
		{"huge.wav", patch(40, 0xf0, 0xff, 0xff, 0xff), "declares 4294967280 bytes but only 8 follow"},
		{"partial.wav", with(s16, make([]byte, 7)), "not a whole number of 2-byte frames"},
		{"empty-data.wav", with(s16, nil), "no samples"},
		{"nan.wav", with(float, floatPCM(0, 0, 0, nan)), "float sample 1 (channel 1) is NaN"},
		{"inf.wav", with(float, floatPCM(inf, 0)), "is -Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.name, tc.data)
			wantError(t, tc.name, err, tc.want)
		})
	}
}
