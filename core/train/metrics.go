package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gocpc/cpc/core/cpc"
)

// MetricsFile gets one JSON object per logged step.
const MetricsFile = "metrics.jsonl"

// Record is one line of metrics.jsonl: means over the steps since the
// previous line.
type Record struct {
	Step        int       `json:"step"`
	Loss        float64   `json:"loss"`
	Accuracy    float64   `json:"accuracy"`
	LossK       []float64 `json:"loss_k"`     // per prediction step k = 1..K
	AccuracyK   []float64 `json:"accuracy_k"` // per prediction step k = 1..K
	GradNorm    float64   `json:"grad_norm"`
	LR          float64   `json:"lr"`
	StepsPerSec float64   `json:"steps_per_sec"` // over this invocation so far
	ElapsedSec  float64   `json:"elapsed_sec"`   // of this invocation
}

type accumulator struct {
	n                   int
	loss, acc, norm, lr float64
	lossK, accK         []float64
}

func (a *accumulator) add(m cpc.Metrics, norm, lr float64) {
	if a.lossK == nil {
		a.lossK, a.accK = make([]float64, len(m.LossK)), make([]float64, len(m.AccK))
	}
	a.n++
	a.loss += m.Loss
	a.acc += m.Accuracy
	a.norm += norm
	a.lr = lr
	for k := range m.LossK {
		a.lossK[k] += m.LossK[k]
		a.accK[k] += m.AccK[k]
	}
}

// record returns the means so far and resets the accumulator.
func (a *accumulator) record(step int, elapsed time.Duration, stepsThisRun int) Record {
	n := float64(a.n)
	r := Record{Step: step, Loss: a.loss / n, Accuracy: a.acc / n, GradNorm: a.norm / n, LR: a.lr,
		StepsPerSec: float64(stepsThisRun) / elapsed.Seconds(), ElapsedSec: elapsed.Seconds()}
	for k := range a.lossK {
		r.LossK = append(r.LossK, a.lossK[k]/n)
		r.AccuracyK = append(r.AccuracyK, a.accK[k]/n)
	}
	*a = accumulator{}
	return r
}

// readMetrics returns the records of dir's metrics file up to step.
func readMetrics(dir string, step int) ([]Record, error) {
	path := filepath.Join(dir, MetricsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var recs []Record
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		if r.Step <= step {
			recs = append(recs, r)
		}
	}
	return recs, sc.Err()
}

// writeMetrics replaces dir's metrics file with recs.
func writeMetrics(dir string, recs []Record) error {
	var buf bytes.Buffer
	for _, r := range recs {
		b, _ := json.Marshal(r) // plain fields; NaN never gets here
		buf.Write(append(b, '\n'))
	}
	return os.WriteFile(filepath.Join(dir, MetricsFile), buf.Bytes(), 0o644)
}

func appendMetrics(dir string, r Record) error {
	f, err := os.OpenFile(filepath.Join(dir, MetricsFile), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(r)
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
