//go:build mksample && cgo

package main

/*
#cgo LDFLAGS: -lespeak-ng
#include <espeak-ng/speak_lib.h>
#include <stdlib.h>
#include <string.h>

// The synthesis callback runs on the calling thread (synchronous mode) and
// only appends to these buffers; Go copies them out after espeak_Synth
// returns. Keeping the callback in C avoids exporting Go functions.
typedef struct { int sample; char name[9]; } mk_phone;

short *mk_pcm; int mk_npcm, mk_cappcm;
mk_phone *mk_ph; int mk_nph, mk_capph;

static int mk_callback(short *wav, int n, espeak_EVENT *ev) {
	if (n > 0) {
		if (mk_npcm + n > mk_cappcm) {
			mk_cappcm = 2 * (mk_npcm + n);
			mk_pcm = realloc(mk_pcm, mk_cappcm * sizeof(short));
		}
		memcpy(mk_pcm + mk_npcm, wav, n * sizeof(short));
		mk_npcm += n;
	}
	for (; ev != NULL && ev->type != espeakEVENT_LIST_TERMINATED; ev++) {
		if (ev->type != espeakEVENT_PHONEME) continue;
		if (mk_nph == mk_capph) {
			mk_capph = 2 * mk_capph + 64;
			mk_ph = realloc(mk_ph, mk_capph * sizeof(mk_phone));
		}
		// ev->sample is the position in output samples (at the synthesis
		// rate); audio_position is the same in whole milliseconds, too coarse
		// for 10 ms frames.
		mk_ph[mk_nph].sample = ev->sample;
		memcpy(mk_ph[mk_nph].name, ev->id.string, 8);
		mk_ph[mk_nph].name[8] = 0;
		mk_nph++;
	}
	return 0;
}

static int mk_init(void) {
	int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL,
		espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_DONT_EXIT);
	espeak_SetSynthCallback(mk_callback);
	return rate;
}

static int mk_say(const char *text) {
	mk_npcm = 0;
	mk_nph = 0;
	espeak_ERROR err = espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
		espeakCHARS_UTF8, NULL, NULL);
	if (err == EE_OK) err = espeak_Synchronize();
	return err;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// synthesize runs libespeak-ng in this process.
func synthesize(r request) (speech, error) {
	rate := int(C.mk_init())
	if rate <= 0 {
		return speech{}, fmt.Errorf("espeak_Initialize failed (%d)", rate)
	}
	cv := C.CString(r.Voice)
	defer C.free(unsafe.Pointer(cv))
	if e := C.espeak_SetVoiceByName(cv); e != C.EE_OK {
		return speech{}, fmt.Errorf("voice %q: espeak error %d", r.Voice, int(e))
	}
	// Parameters are set after the voice, which would otherwise reset them.
	for _, p := range []struct {
		k C.espeak_PARAMETER
		v int
	}{{C.espeakRATE, r.Rate}, {C.espeakPITCH, r.Pitch}, {C.espeakRANGE, r.Range}, {C.espeakVOLUME, r.Volume}} {
		if e := C.espeak_SetParameter(p.k, C.int(p.v), 0); e != C.EE_OK {
			return speech{}, fmt.Errorf("espeak_SetParameter(%d, %d): error %d", int(p.k), p.v, int(e))
		}
	}
	ct := C.CString(r.Text)
	defer C.free(unsafe.Pointer(ct))
	if e := C.mk_say(ct); e != C.EE_OK {
		return speech{}, fmt.Errorf("espeak_Synth %q: error %d", r.Text, int(e))
	}
	sp := speech{Rate: rate, PCM: make([]int16, int(C.mk_npcm))}
	if len(sp.PCM) > 0 {
		copy(sp.PCM, unsafe.Slice((*int16)(unsafe.Pointer(C.mk_pcm)), len(sp.PCM)))
	}
	if n := int(C.mk_nph); n > 0 {
		for _, p := range unsafe.Slice(C.mk_ph, n) {
			sp.Phones = append(sp.Phones, phone{int(p.sample), C.GoString(&p.name[0])})
		}
	}
	return sp, nil
}
