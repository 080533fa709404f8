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

	"github.com/gocpc/cpc/core/cpc"
)

// MetricsFile gets one JSON object per logged step.
const MetricsFile = "metrics.jsonl"

// accumulator sums the metrics of the steps of one metrics.jsonl line.
type accumulator struct {
	n   int
	sum cpc.Metrics
}

func (a *accumulator) add(m cpc.Metrics) {
	if a.n == 0 {
		a.sum = m.Clone()
		a.sum.Loss, a.sum.Accuracy, a.sum.GradNorm, a.sum.Seconds = 0, 0, 0, 0
		clear(a.sum.LossK)
		clear(a.sum.AccuracyK)
	}
	a.n++
	s := &a.sum
	s.Step, s.LR, s.StepsPerSec, s.ElapsedSec = m.Step, m.LR, m.StepsPerSec, m.ElapsedSec
	s.Loss += m.Loss
	s.Accuracy += m.Accuracy
	s.GradNorm += m.GradNorm
	s.Seconds += m.Seconds
	for k := range m.LossK {
		s.LossK[k] += m.LossK[k]
		s.AccuracyK[k] += m.AccuracyK[k]
	}
}

// mean returns the means of the steps added (the learning rate and speed
// of the last) and starts afresh.
func (a *accumulator) mean() cpc.Metrics {
	n := float64(a.n)
	r := a.sum
	r.Loss, r.Accuracy, r.GradNorm, r.Seconds = r.Loss/n, r.Accuracy/n, r.GradNorm/n, r.Seconds/n
	for k := range r.LossK {
		r.LossK[k] /= n
		r.AccuracyK[k] /= n
	}
	*a = accumulator{}
	return r
}

// ReadMetrics returns the lines of dir's metrics file up to step (none if
// there is no file).
func ReadMetrics(dir string, step int) ([]cpc.Metrics, error) {
	path := filepath.Join(dir, MetricsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var recs []cpc.Metrics
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var r cpc.Metrics
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if r.Step <= step {
			recs = append(recs, r)
		}
	}
	return recs, sc.Err()
}

// WriteMetrics replaces dir's metrics file with recs.
func WriteMetrics(dir string, recs []cpc.Metrics) error {
	var buf bytes.Buffer
	for _, r := range recs {
		b, _ := json.Marshal(r) // plain fields; NaN never gets here
		buf.Write(append(b, '\n'))
	}
	return os.WriteFile(filepath.Join(dir, MetricsFile), buf.Bytes(), 0o644)
}

// AppendMetrics adds r as one line to dir's metrics file ("": nothing).
func AppendMetrics(dir string, r cpc.Metrics) error {
	if dir == "" {
		return nil
	}
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
