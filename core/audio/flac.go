package audio

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
)

// decodeFLAC decodes every frame, checking each against the stream info, and
// verifies the stream's MD5 signature when the encoder recorded one (an
// all-zero signature means "not computed"). A mismatch is an error, as with
// the reference `flac -d`: frame CRCs already passed, so it means an encoder
// or decoder bug, and wrong samples are worse than none.
//
// The FLAC library was not written against hostile input (fuzzers have made
// it panic before), so a panic is recovered and reported as corruption
// rather than taking down a trainer or a server with it.
func decodeFLAC(name string, data []byte, maxSamples int) (out []float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errorf(name, "FLAC: corrupt stream (decoder failed: %v)", r)
		}
	}()
	stream, err := flac.New(bytes.NewReader(data))
	if err != nil {
		return nil, flacError(name, "stream header", err)
	}
	info := stream.Info
	if info.SampleRate != SampleRate {
		return nil, wrongRate(name, "FLAC", uint64(info.SampleRate))
	}
	if info.BitsPerSample > 31 {
		// github.com/mewkiz/flac v1.0.14 predates 32-bit FLAC (flac 1.4) and
		// would fail on the first frame with a cryptic "reserved pattern".
		return nil, errorf(name, "FLAC: 32-bit FLAC is not supported; use 24-bit FLAC or 32-bit WAV")
	}
	if info.NSamples > uint64(maxSamples) {
		return nil, tooLong(name, info.NSamples, maxSamples)
	}
	// The declared length is only a hint: a lying header must not allocate
	// more than the input plausibly expands to; append grows past it.
	out = make([]float32, 0, min(info.NSamples, 4*uint64(len(data))))
	var sum hash.Hash
	if info.MD5sum != [md5.Size]byte{} {
		sum = md5.New()
	}
	var raw []byte
	for n := 0; ; n++ {
		f, err := stream.Next()
		if err == io.EOF {
			break
		}
		if err == nil {
			err = checkFrame(f, info.BitsPerSample, info.NChannels)
		}
		if err == nil {
			err = f.Parse()
		}
		if err == nil {
			err = checkSubframes(f)
		}
		if err != nil {
			return nil, flacError(name, fmt.Sprintf("frame %d", n), err)
		}
		if len(out)+int(f.BlockSize) > maxSamples {
			return nil, tooLong(name, uint64(len(out))+uint64(f.BlockSize), maxSamples)
		}
		out = appendMono(out, f)
		if sum != nil {
			raw = interleave(raw[:0], f)
			sum.Write(raw)
		}
	}
	switch {
	case info.NSamples != 0 && uint64(len(out)) < info.NSamples:
		return nil, errorf(name, "FLAC: stream info declares %d samples but the frames hold %d (file truncated)", info.NSamples, len(out))
	case info.NSamples != 0 && uint64(len(out)) > info.NSamples:
		return nil, errorf(name, "FLAC: stream info declares %d samples but the frames hold %d", info.NSamples, len(out))
	case len(out) == 0:
		return nil, errorf(name, "FLAC: no samples")
	case sum != nil && !bytes.Equal(sum.Sum(nil), info.MD5sum[:]):
		return nil, errorf(name, "FLAC: MD5 signature of the decoded audio does not match the stream info")
	}
	return out, nil
}

// checkFrame fills what a frame header may leave to the stream info (the
// library would otherwise decode with zero bits per sample) and rejects frames
// that disagree with it: mixing depths or channel counts would silently
// change the scaling.
func checkFrame(f *frame.Frame, bits, channels uint8) error {
	if f.BitsPerSample == 0 {
		f.BitsPerSample = bits
	}
	switch {
	case f.SampleRate != 0 && f.SampleRate != SampleRate:
		return fmt.Errorf("sample rate %d Hz differs from the stream info", f.SampleRate)
	case f.BitsPerSample != bits:
		return fmt.Errorf("%d bits per sample differs from the stream info (%d)", f.BitsPerSample, bits)
	case f.Channels.Count() != int(channels):
		return fmt.Errorf("%d channels differs from the stream info (%d)", f.Channels.Count(), channels)
	}
	return nil
}

// checkSubframes guards the indexing below against a decoder that returned
// fewer samples than the header promised.
func checkSubframes(f *frame.Frame) error {
	for c, sub := range f.Subframes {
		if len(sub.Samples) != int(f.BlockSize) {
			return fmt.Errorf("channel %d holds %d samples, block size is %d", c, len(sub.Samples), f.BlockSize)
		}
	}
	return nil
}

// appendMono averages the frame's channels exactly in int64 and scales once
// by 1/2^(bits−1).
func appendMono(out []float32, f *frame.Frame) []float32 {
	denom := float64(len(f.Subframes)) * math.Ldexp(1, int(f.BitsPerSample)-1)
	for i := range int(f.BlockSize) {
		var s int64
		for _, sub := range f.Subframes {
			s += int64(sub.Samples[i])
		}
		out = append(out, unit(float64(s)/denom))
	}
	return out
}

// interleave lays the frame out as the FLAC MD5 signature hashes it:
// interleaved little-endian signed samples of ⌈bits/8⌉ bytes each.
func interleave(raw []byte, f *frame.Frame) []byte {
	width := (int(f.BitsPerSample) + 7) / 8
	for i := range int(f.BlockSize) {
		for _, sub := range f.Subframes {
			v := uint32(sub.Samples[i])
			for b := range width {
				raw = append(raw, byte(v>>(8*b)))
			}
		}
	}
	return raw
}

// flacError marks running out of input as truncation: past the graceful end
// between frames (handled by the caller), any EOF is a cut file.
func flacError(name, where string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errorf(name, "FLAC: %s: file truncated: %w", where, err)
	}
	return errorf(name, "FLAC: %s: %w", where, err)
}
