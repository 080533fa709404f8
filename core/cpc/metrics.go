package cpc

// Metrics are the figures of training: the loss (mean cross-entropy over
// every prediction) and the accuracy (share of predictions whose positive
// scored highest), overall and per step k (index k−1), and the step's
// bookkeeping. One type flows from the step to every face: a workspace
// fills the loss and accuracy, the trainer the rest; a metrics.jsonl line
// and the progress bar are the same type, averaged over the steps since
// the last line.
type Metrics struct {
	Step        int       `json:"step"` // updates done, this one included
	Loss        float64   `json:"loss"`
	Accuracy    float64   `json:"accuracy"`
	LossK       []float64 `json:"loss_k"`              // per prediction step k = 1..K
	AccuracyK   []float64 `json:"accuracy_k"`          // per prediction step k = 1..K
	GradNorm    float64   `json:"grad_norm"`           // before clipping
	LR          float64   `json:"lr"`                  // of this update
	Seconds     float64   `json:"seconds"`             // the step's time, batch drawing to update
	StepsPerSec float64   `json:"steps_per_sec"`       // since the training call began
	ElapsedSec  float64   `json:"elapsed_sec"`         // since the training call began
	BadFiles    int       `json:"bad_files,omitempty"` // corpus files left out: they did not decode

	counts []int // predictions per k, while the loss is being summed
}

// NewMetrics returns metrics with room for k prediction steps.
func NewMetrics(k int) Metrics {
	return Metrics{LossK: make([]float64, k), AccuracyK: make([]float64, k), counts: make([]int, k)}
}

// Clone returns m with slices of its own.
func (m Metrics) Clone() Metrics {
	c := m
	c.LossK, c.AccuracyK, c.counts = append([]float64(nil), m.LossK...), append([]float64(nil), m.AccuracyK...), nil
	return c
}

func (m *Metrics) reset() {
	m.Loss, m.Accuracy = 0, 0
	clear(m.LossK)
	clear(m.AccuracyK)
	clear(m.counts)
}

// add records step k's summed loss and correct count over n predictions.
func (m *Metrics) add(k int, loss float64, correct, n int) {
	m.LossK[k-1], m.AccuracyK[k-1], m.counts[k-1] = loss, float64(correct), n
}

// finish turns the sums into means.
func (m *Metrics) finish() {
	total := 0
	for i, n := range m.counts {
		m.Loss += m.LossK[i]
		m.Accuracy += m.AccuracyK[i]
		total += n
		m.LossK[i] /= float64(n)
		m.AccuracyK[i] /= float64(n)
	}
	m.Loss /= float64(total)
	m.Accuracy /= float64(total)
}
