// Package audio decodes the audio files a user brings (WAV and FLAC, 16 kHz)
// into mono float32 samples, the model's only input.
//
// Integer samples are scaled by 1/2^(bits−1), so b-bit audio maps onto
// [−1, 1) by the same convention as torchaudio and soundfile; float WAV
// samples are taken as stored (they may exceed ±1, but NaN or ±Inf is an
// error). Several channels are averaged to one. The format is chosen by the
// leading magic bytes, never by the file name, so a mislabelled file still
// decodes or gets an error that says what it really is.
//
// Every error names the file and what was wrong, and malformed input never
// panics. Sizes in headers are not believed: memory follows the bytes
// actually present (and at most MaxSamples samples). A WAV chunk that claims
// more bytes than the file holds is a truncation error, except for the data
// chunk sizes streaming writers leave unpatched (0xFFFFFFFF, or 0 where the
// RIFF size ends at the data header): then the rest of the file is the
// samples, less any partial frame. FLAC frames carry CRCs, and the stream's
// MD5 signature, when recorded, must match the decoded audio.
package audio

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
)

// SampleRate is the only rate accepted: the encoder's strides assume
// 16 kHz (one frame every 160 samples = 10 ms), and silently resampling
// would hide a corpus mistake.
const SampleRate = 16000

// MaxSamples bounds the decoded length Decode accepts: 2^28 samples, about
// 4 h 40 min at 16 kHz, or 1 GiB of float32. FLAC can compress digital silence
// more than 1000:1, so without a bound a few megabytes of crafted input
// could demand hundreds of gigabytes.
const MaxSamples = 1 << 28

// Decode decodes a WAV or FLAC file held in data. name is used only in error
// messages.
func Decode(name string, data []byte) ([]float32, error) {
	return DecodeLimit(name, data, MaxSamples)
}

// DecodeLimit is Decode with a caller-chosen bound on the number of samples,
// for callers with less memory to spare than MaxSamples implies (a Workers
// endpoint, the browser).
func DecodeLimit(name string, data []byte, maxSamples int) ([]float32, error) {
	switch {
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WAVE":
		return decodeWAV(name, data, maxSamples)
	case bytes.HasPrefix(data, []byte("fLaC")):
		return decodeFLAC(name, data, maxSamples)
	case bytes.HasPrefix(data, []byte("ID3")):
		// ID3v2 tags prefix both FLAC and MP3; only what follows decides.
		rest, ok := skipID3v2(data)
		if ok && bytes.HasPrefix(rest, []byte("fLaC")) {
			return decodeFLAC(name, rest, maxSamples)
		}
		return nil, errorf(name, "ID3 tag not followed by a FLAC stream (MP3 is not supported; convert to WAV or FLAC)")
	}
	return nil, errorf(name, "%s", sniff(data))
}

// ReadFile reads and decodes the audio file at path.
func ReadFile(path string) ([]float32, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, data)
}

// ReadFS reads and decodes the audio file at path in fsys.
func ReadFS(fsys fs.FS, path string) ([]float32, error) {
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, err
	}
	return Decode(path, data)
}

// skipID3v2 returns what follows an ID3v2 tag: a 10-byte header whose size
// is a 28-bit "syncsafe" integer, plus a 10-byte footer when flagged.
func skipID3v2(data []byte) ([]byte, bool) {
	if len(data) < 10 {
		return nil, false
	}
	size := int(data[6]&0x7f)<<21 | int(data[7]&0x7f)<<14 | int(data[8]&0x7f)<<7 | int(data[9]&0x7f)
	end := 10 + size
	if data[5]&0x10 != 0 {
		end += 10
	}
	if end > len(data) {
		return nil, false
	}
	return data[end:], true
}

// sniff says what data looks like when it is neither WAV nor FLAC, so the
// error points at the conversion the user needs.
func sniff(data []byte) string {
	if len(data) == 0 {
		return "empty file"
	}
	head := data[:min(len(data), 12)]
	has := func(magic string) bool { return bytes.HasPrefix(head, []byte(magic)) }
	var what string
	switch {
	case has("RIFF") && len(head) == 12:
		what = fmt.Sprintf("a RIFF file of type %q, not WAVE", head[8:12])
	case has("RIFX"):
		what = "big-endian WAV (RIFX), which is not supported"
	case has("RF64"), has("BW64"):
		what = "RF64 WAV, which is not supported"
	case has("OggS"):
		what = "an Ogg stream (Vorbis, Opus or Ogg FLAC), which is not supported"
	case has("FORM"):
		what = "AIFF, which is not supported"
	case len(head) >= 8 && string(head[4:8]) == "ftyp":
		what = "MP4/M4A, which is not supported"
	case len(head) >= 2 && head[0] == 0xff && head[1]&0xe0 == 0xe0:
		what = "MP3 or AAC, which is not supported"
	default:
		return fmt.Sprintf("not a WAV or FLAC file (starts with %q)", head)
	}
	return "not a WAV or FLAC file: looks like " + what + "; convert to 16 kHz WAV or FLAC"
}

// errorf prefixes name the way os errors do ("open name: …"), keeping %w.
func errorf(name, format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{name}, args...)...)
}

// belowOne is the largest float32 under 1. Rounding to float32 can lift the
// top 32-bit integer codes (2^31−1)/2^31 up to exactly 1; clamping to
// belowOne keeps the documented half-open range [−1, 1).
var belowOne = math.Nextafter32(1, 0)

// unit converts an exactly scaled float64 sample to float32 within [−1, 1).
func unit(v float64) float32 {
	f := float32(v)
	if f >= 1 {
		return belowOne
	}
	return f
}

// ErrTooLong and ErrSampleRate are wrapped by the errors of audio longer
// than the caller's bound and of audio at another rate than SampleRate, so
// that a caller can tell them from malformed input (a server answers them
// with different statuses). The messages stay as they are.
var (
	ErrTooLong    = errors.New("audio too long")
	ErrSampleRate = errors.New("wrong sample rate")
)

// kindError is an error whose message is err's and which also matches kind.
type kindError struct{ err, kind error }

func (e kindError) Error() string   { return e.err.Error() }
func (e kindError) Unwrap() []error { return []error{e.err, e.kind} }

func tooLong(name string, n uint64, maxSamples int) error {
	return kindError{errorf(name, "audio too long: %d samples (%.0f s at 16 kHz), limit is %d samples", n, float64(n)/SampleRate, maxSamples), ErrTooLong}
}

func wrongRate(name, format string, rate uint64) error {
	return kindError{errorf(name, "%s: sample rate is %d Hz, need %d Hz (resample first)", format, rate, SampleRate), ErrSampleRate}
}
