package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gocpc/cpc/core/cpc"
)

// progressBar draws training progress on a terminal as one line redrawn in
// place; elsewhere (a log file, CI) it prints a plain line now and then.
type progressBar struct {
	w        io.Writer
	terminal bool
	open     bool // a redrawn line awaits its newline
	last     time.Time
	steps    int // the step training goes to
}

func newProgressBar(w io.Writer, steps int) *progressBar {
	f, ok := w.(*os.File)
	term := false
	if ok {
		if st, err := f.Stat(); err == nil {
			term = st.Mode()&os.ModeCharDevice != 0
		}
	}
	return &progressBar{w: w, terminal: term, steps: steps}
}

// update shows the step p; it never fails.
func (b *progressBar) update(p cpc.Metrics) error {
	steps := b.steps
	done := p.Step == steps
	interval := 10 * time.Second
	if b.terminal {
		interval = 100 * time.Millisecond
	}
	if !done && time.Since(b.last) < interval {
		return nil
	}
	b.last = time.Now()
	const width = 24
	filled := width * p.Step / max(steps, 1)
	eta := "--"
	if p.StepsPerSec > 0 {
		eta = time.Duration(float64(steps-p.Step) / p.StepsPerSec * float64(time.Second)).Round(time.Second).String()
	}
	line := fmt.Sprintf("step %*d/%d [%s%s] loss %.4f acc %5.1f%% %.2f steps/s ETA %s",
		len(fmt.Sprint(steps)), p.Step, steps, strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		p.Loss, 100*p.Accuracy, p.StepsPerSec, eta)
	if b.terminal {
		fmt.Fprintf(b.w, "\r%s\x1b[K", line)
		b.open = true
		if done {
			b.finish()
		}
		return nil
	}
	fmt.Fprintln(b.w, line)
	return nil
}

// finish ends a redrawn line so the next message starts on its own.
func (b *progressBar) finish() {
	if b.open {
		fmt.Fprintln(b.w)
		b.open = false
	}
}
