package handler

import (
	"fmt"
	"mime"
	"strconv"
	"strings"
)

// audioTypes are the media types of a body that POST /v1/embed takes.
// Which decoder runs is still chosen by the bytes (audio.DecodeLimit), so
// a FLAC file sent as audio/wav decodes.
var audioTypes = map[string]bool{
	"audio/wav": true, "audio/x-wav": true, "audio/wave": true, "audio/vnd.wave": true,
	"audio/flac": true, "audio/x-flac": true,
}

func checkAudioType(ct string) error {
	if ct == "" {
		return fmt.Errorf("no Content-Type: send the audio as audio/wav or audio/flac")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("Content-Type %q: %v", ct, err)
	}
	if !audioTypes[mt] {
		return fmt.Errorf("Content-Type %s: want audio/wav or audio/flac (16 kHz)", mt)
	}
	return nil
}

// wantsNpy reads the Accept headers: .npy when application/x-npy is
// acceptable and ranks at least as high as JSON; JSON when the client
// takes it or says nothing (a tie between wildcards goes to JSON); an
// error when it takes neither.
func wantsNpy(accept []string) (bool, error) {
	if len(accept) == 0 {
		return false, nil
	}
	qJSON, qNpy := -1.0, -1.0 // -1: not named
	named := false            // application/x-npy itself is listed
	for _, h := range accept {
		for r := range strings.SplitSeq(h, ",") {
			if strings.TrimSpace(r) == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(r)
			if err != nil {
				return false, fmt.Errorf("Accept %q: %v", h, err)
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
					return false, fmt.Errorf("Accept %q: bad q=%s", h, s)
				}
			}
			// The most specific range that names a type decides for it.
			switch mt {
			case "application/x-npy":
				qNpy, named = q, true
			case "application/json":
				qJSON = q
			case "application/*", "*/*":
				qNpy, qJSON = orUnset(qNpy, q), orUnset(qJSON, q)
			}
		}
	}
	switch {
	case qNpy > 0 && (qNpy > qJSON || qNpy == qJSON && named):
		return true, nil
	case qJSON > 0:
		return false, nil
	}
	return false, fmt.Errorf("Accept %q: this endpoint answers application/json or application/x-npy", strings.Join(accept, ", "))
}

// orUnset keeps a q already set by a specific type over a wildcard's.
func orUnset(cur, q float64) float64 {
	if cur >= 0 {
		return cur
	}
	return q
}
