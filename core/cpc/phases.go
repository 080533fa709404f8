package cpc

import "time"

// Phase names a part of the training step, for the time split that
// benchmarks print.
type Phase int

const (
	EncoderForward Phase = iota
	GRUForward
	PredictorsForward
	ScoresMatmul // InfoNCE: score matrices
	LogSumExp    // InfoNCE: log-sum-exp, softmax, accuracy
	InfoNCEBack  // InfoNCE: gradients of predictions and candidates
	PredictorsBackward
	GRUBackward
	EncoderBackward
	Communication // between replicas: gathering z, summing its gradient
	NumPhases
)

var phaseNames = [NumPhases]string{"encoder forward", "GRU forward", "predictors forward",
	"InfoNCE scores matmul", "InfoNCE log-sum-exp", "InfoNCE backward",
	"predictors backward", "GRU backward", "encoder backward", "communication"}

func (p Phase) String() string { return phaseNames[p] }

// lap adds the time since *t to phase p and restarts *t. Reading the clock
// a few dozen times a step costs nothing measurable.
func (w *Workspace[T]) lap(p Phase, t *time.Time) {
	now := time.Now()
	w.Times[p] += now.Sub(*t)
	*t = now
}
