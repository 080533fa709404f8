package nn

import (
	"encoding/binary"
	"hash/fnv"
	"math"
)

// Checksum hashes the bits of params' weights (FNV-1a, 64 bits): replicas
// compare it to confirm their weights are identical.
func Checksum(params []*Param[float32]) uint64 {
	h := fnv.New64a()
	var b []byte // a parameter's bits, hashed in one call rather than four bytes a call
	for _, p := range params {
		b = b[:0]
		for _, w := range p.W {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(w))
		}
		h.Write(b)
	}
	return h.Sum64()
}
