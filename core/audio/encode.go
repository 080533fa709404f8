package audio

import (
	"encoding/binary"
	"math"
)

// EncodeWAV16 returns a mono 16-bit PCM WAV file of samples at rate. It is
// the inverse of Decode for 16-bit input: each sample is multiplied by 32768
// and rounded to the nearest integer (so x/32768 round-trips exactly),
// values outside [−1, 1) are clipped, and NaN is written as 0.
//
// It panics if the data would exceed RIFF's 4 GiB limit (over 2^31 samples).
func EncodeWAV16(samples []float32, rate int) []byte {
	size := 2 * uint64(len(samples))
	if size > math.MaxUint32-36 {
		panic("audio: EncodeWAV16: too many samples for a RIFF file")
	}
	b := make([]byte, 44, 44+size)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+size))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], wavPCM)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(size))
	for _, x := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(pcm16(x)))
	}
	return b
}

func pcm16(x float32) int16 {
	v := math.Round(float64(x) * 32768)
	switch {
	case math.IsNaN(v):
		return 0
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}
