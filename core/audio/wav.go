package audio

import (
	"encoding/binary"
	"math"
)

// WAVE format codes; EXTENSIBLE carries the real code in a GUID.
const (
	wavPCM        = 0x0001
	wavFloat      = 0x0003
	wavExtensible = 0xfffe
)

// streamingSize is what writers that cannot seek (pipes, recorders killed
// mid-write) leave in a size field they meant to patch later.
const streamingSize = 0xffffffff

// guidSuffix is the tail shared by every KSDATAFORMAT_SUBTYPE GUID; the first
// two bytes hold the classic format code.
var guidSuffix = [14]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71}

// codeNames names format codes users meet, so the error says what the file is.
var codeNames = map[uint16]string{
	0x0002: "Microsoft ADPCM",
	0x0006: "A-law",
	0x0007: "µ-law",
	0x0011: "IMA ADPCM",
	0x0050: "MPEG",
	0x0055: "MP3",
}

// wavFormat is a validated fmt chunk.
type wavFormat struct {
	code     uint16 // wavPCM or wavFloat, EXTENSIBLE resolved
	channels int
	width    int // bytes per sample in its container
	align    int // bytes per frame (all channels)
}

// wavChunks finds the fmt chunk and the sample bytes of a RIFF/WAVE file.
// Chunk sizes are trusted only when the file holds them: a size larger
// than what follows is a truncated file and an error, except for the
// placeholders a streaming writer leaves (0xFFFFFFFF, or 0 while the RIFF
// size does not cover anything after the data header), where the rest of the
// file is taken as samples and a trailing partial frame is dropped.
func wavChunks(name string, data []byte) (f wavFormat, pcm []byte, streaming bool, err error) {
	riffEnd := 8 + uint64(binary.LittleEndian.Uint32(data[4:]))
	var fmtBody []byte
	haveData := false
	off := uint64(12)
	for uint64(len(data))-off >= 8 && (fmtBody == nil || !haveData) {
		id := string(data[off : off+4])
		size := uint64(binary.LittleEndian.Uint32(data[off+4:]))
		body := off + 8
		rest := uint64(len(data)) - body
		if id == "data" && !haveData && (size == streamingSize || size == 0 && rest > 0 && riffEnd <= body) {
			pcm, haveData, streaming = data[body:], true, true
			break
		}
		if size > rest {
			return f, nil, false, errorf(name, "WAV: %q chunk declares %d bytes but only %d follow (file truncated)", id, size, rest)
		}
		switch {
		case id == "fmt " && fmtBody == nil:
			fmtBody = data[body : body+size]
		case id == "data" && !haveData:
			pcm, haveData = data[body:body+size], true
		}
		// RIFF pads odd-sized chunks to an even length; the pad byte may be
		// missing at the very end of the file.
		off = min(body+size+size&1, uint64(len(data)))
	}
	switch {
	case fmtBody == nil:
		return f, nil, false, errorf(name, "WAV: no fmt chunk")
	case !haveData:
		return f, nil, false, errorf(name, "WAV: no data chunk")
	}
	f, err = parseFmt(name, fmtBody)
	return f, pcm, streaming, err
}

// parseFmt validates a fmt chunk: PCM 8/16/24/32-bit or float32, directly or
// through WAVE_FORMAT_EXTENSIBLE, at SampleRate.
func parseFmt(name string, b []byte) (wavFormat, error) {
	var f wavFormat
	if len(b) < 16 {
		return f, errorf(name, "WAV: fmt chunk is %d bytes, need at least 16", len(b))
	}
	f.code = binary.LittleEndian.Uint16(b[0:])
	f.channels = int(binary.LittleEndian.Uint16(b[2:]))
	rate := binary.LittleEndian.Uint32(b[4:])
	f.align = int(binary.LittleEndian.Uint16(b[12:]))
	bits := int(binary.LittleEndian.Uint16(b[14:]))
	valid := bits
	if f.code == wavExtensible {
		if len(b) < 40 || binary.LittleEndian.Uint16(b[16:]) < 22 {
			return f, errorf(name, "WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk too short (%d bytes, need 40)", len(b))
		}
		if [14]byte(b[26:40]) != guidSuffix {
			return f, errorf(name, "WAV: unknown WAVE_FORMAT_EXTENSIBLE subformat GUID % x", b[24:40])
		}
		f.code = binary.LittleEndian.Uint16(b[24:])
		// Valid bits below the container size (20 in 24, 24 in 32) are
		// left-justified, so scaling by the container keeps [−1, 1).
		if v := int(binary.LittleEndian.Uint16(b[18:])); v != 0 {
			valid = v
		}
	}
	switch {
	case f.code != wavPCM && f.code != wavFloat:
		what := codeNames[f.code]
		if what == "" {
			what = "unknown"
		}
		return f, errorf(name, "WAV: format code 0x%04x (%s) is not supported; need PCM or IEEE float", f.code, what)
	case f.code == wavPCM && bits != 8 && bits != 16 && bits != 24 && bits != 32:
		return f, errorf(name, "WAV: %d-bit PCM is not supported; need 8, 16, 24 or 32 bits", bits)
	case f.code == wavFloat && bits != 32:
		return f, errorf(name, "WAV: %d-bit float is not supported; need 32-bit float", bits)
	case valid > bits:
		return f, errorf(name, "WAV: %d valid bits do not fit %d-bit samples", valid, bits)
	case f.channels == 0:
		return f, errorf(name, "WAV: zero channels")
	case f.align != f.channels*bits/8:
		return f, errorf(name, "WAV: block align %d does not match %d channels of %d bits", f.align, f.channels, bits)
	case rate != SampleRate:
		return f, wrongRate(name, "WAV", uint64(rate))
	}
	f.width = bits / 8
	return f, nil
}

func decodeWAV(name string, data []byte, maxSamples int) ([]float32, error) {
	f, pcm, streaming, err := wavChunks(name, data)
	if err != nil {
		return nil, err
	}
	if len(pcm)%f.align != 0 && !streaming {
		return nil, errorf(name, "WAV: data chunk of %d bytes is not a whole number of %d-byte frames", len(pcm), f.align)
	}
	n := len(pcm) / f.align
	switch {
	case n == 0:
		return nil, errorf(name, "WAV: no samples")
	case n > maxSamples:
		return nil, tooLong(name, uint64(n), maxSamples)
	}
	out := make([]float32, n)
	if f.code == wavFloat {
		return out, floatFrames(name, pcm, f, out)
	}
	intFrames(pcm, f, out)
	return out, nil
}

// intFrames averages integer channels exactly (the int64 sum cannot round)
// and scales once, so mono output is the exact value x/2^(bits−1).
func intFrames(pcm []byte, f wavFormat, out []float32) {
	denom := float64(f.channels) * math.Ldexp(1, 8*f.width-1)
	for i := range out {
		frame := pcm[i*f.align:]
		var sum int64
		for c := range f.channels {
			sum += intSample(frame[c*f.width:], f.width)
		}
		out[i] = unit(float64(sum) / denom)
	}
}

// intSample reads one little-endian sample; 8-bit WAV is unsigned with 128 as
// zero, wider samples are two's complement.
func intSample(b []byte, width int) int64 {
	switch width {
	case 1:
		return int64(b[0]) - 128
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(b)))
	case 3:
		return int64(int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8)
	}
	return int64(int32(binary.LittleEndian.Uint32(b)))
}

// floatFrames takes float samples as stored; NaN or ±Inf would poison every
// gradient downstream, so they are an error rather than data.
func floatFrames(name string, pcm []byte, f wavFormat, out []float32) error {
	for i := range out {
		frame := pcm[i*f.align:]
		var sum float64
		for c := range f.channels {
			v := float64(math.Float32frombits(binary.LittleEndian.Uint32(frame[4*c:])))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errorf(name, "WAV: float sample %d (channel %d) is %v", i, c, v)
			}
			sum += v
		}
		out[i] = float32(sum / float64(f.channels))
	}
	return nil
}
