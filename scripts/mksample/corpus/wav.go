package corpus

import (
	"encoding/binary"
	"fmt"
)

// ReadWAV16 reads a RIFF WAVE file of 16-bit mono PCM, as Flite and
// Festival write, at any sample rate: samples scaled to [-1, 1) and the
// rate.
func ReadWAV16(b []byte) ([]float64, int, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("wav: not a RIFF WAVE file")
	}
	rate := 0
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8:]
		if n > len(body) {
			n = len(body) // writers streaming to a pipe leave the size unknown
		}
		switch id {
		case "fmt ":
			if n < 16 {
				return nil, 0, fmt.Errorf("wav: fmt chunk of %d bytes", n)
			}
			format, ch, bits := binary.LittleEndian.Uint16(body), binary.LittleEndian.Uint16(body[2:]), binary.LittleEndian.Uint16(body[14:])
			if format != 1 || ch != 1 || bits != 16 {
				return nil, 0, fmt.Errorf("wav: format %d, %d channels, %d bits: want PCM (1), mono, 16 bits", format, ch, bits)
			}
			rate = int(binary.LittleEndian.Uint32(body[4:]))
		case "data":
			if rate <= 0 {
				return nil, 0, fmt.Errorf("wav: data before a valid fmt chunk")
			}
			x := make([]float64, n/2)
			for i := range x {
				x[i] = float64(int16(binary.LittleEndian.Uint16(body[2*i:]))) / 32768
			}
			return x, rate, nil
		}
		p += 8 + n + n&1 // chunks are padded to even length
	}
	return nil, 0, fmt.Errorf("wav: no data chunk")
}
