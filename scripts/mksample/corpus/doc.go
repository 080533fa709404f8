// Package corpus holds the parts of scripts/mksample that need no
// synthesiser: the phone set shared by eSpeak NG, Flite and Festival and the
// maps onto it, frame labels in CPC_audio's format, a windowed-sinc
// resampler, a seeded sentence generator and the corpus manifest (rooms
// and noise are core/room's, which the trainer shares). Everything random is drawn
// from generators seeded by the corpus seed and a named purpose (Stream),
// so a corpus depends only on its seed and settings.
package corpus

import (
	"hash/fnv"
	"math/rand/v2"
)

// Stream returns a generator for one purpose ("speaker", "noise", …) and
// index path under seed: each utterance draws from its own stream, so its
// audio does not depend on what was drawn for any other.
func Stream(seed uint64, purpose string, index ...int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	for _, i := range index {
		var b [8]byte
		for k := range b {
			b[k] = byte(uint64(i) >> (8 * k))
		}
		h.Write(b[:])
	}
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}
