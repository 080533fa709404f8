//go:build mksample && !cgo

package main

import "errors"

// synthesize needs libespeak-ng through cgo; without cgo (cross-compiling,
// CGO_ENABLED=0) the program still builds, for vet, but cannot run eSpeak.
func synthesize(request) (speech, error) {
	return speech{}, errors.New("mksample was built without cgo: eSpeak NG needs it (CGO_ENABLED=1, libespeak-ng-dev)")
}
