package cpc

import (
	"fmt"
	"time"
)

// SetPast makes the context network read past instead of the windows
// themselves in the following Loss, Gradients and Encode calls: c_t
// summarises the encoding of past (the same B windows, changed: through
// another room, noise), and predicts the encoding of the windows as they
// are, the targets z. This is CPC_audio's past augmentation (Kharitonov et
// al. 2020, "Data augmenting contrastive learning of speech
// representations in the time domain"): features that name the room or
// the noise no longer help the prediction. The encoder runs on both and
// its gradients add up. nil turns it off. past is read, not copied, at
// each call; the first non-nil past allocates the twin encoder's buffers.
func (w *Workspace[T]) SetPast(past []T) error {
	if past != nil && len(past) != w.batch*w.samples {
		return fmt.Errorf("past windows: %d samples, want %d windows of %d", len(past), w.batch, w.samples)
	}
	if past != nil && w.twin == nil {
		w.twin = w.m.newWorkspace(w.batch, w.samples, forPast)
	}
	w.past = past
	return nil
}

// foldTwinTimes moves the twin's phase times into the workspace's.
func (w *Workspace[T]) foldTwinTimes() {
	if w.twin == nil {
		return
	}
	for p, d := range w.twin.Times {
		w.Times[p] += d
	}
	w.twin.Times = [NumPhases]time.Duration{}
}
