package train

import "math/rand/v2"

// prefetch reads the next step's windows while this step runs, so that
// reading a corpus cache, or drawing the past's rooms and noise
// (Options.AugmentPast), never stalls the step. The windows are drawn in
// the same order as without it, and what a checkpoint saves is the data
// generator's state before the draw of the first batch not yet trained
// on, so runs and resumes stay exact.
type prefetch struct {
	buf  []float32  // the next step's windows, once its read is done
	past []float32  // and their past (Options.AugmentPast)
	done chan error // the read's result
	busy bool       // a read was started and not yet taken
	step int        // the step whose windows the read is of
	// read reads them: one function value made with the trainer, so that
	// starting a read (go read()) allocates nothing.
	read func()
	// The data generator's state before the draw of the batch being
	// trained on, and before the next one's.
	cur, next rand.PCG
}

// takeBatch puts the windows of step t.Step into t.batch (prefetched, or
// read now) and starts reading the next step's.
func (t *Trainer) takeBatch() error {
	if t.draw != nil { // a test's windows
		t.draw(t.batch)
		return t.augment(t.batch, t.past, t.Step)
	}
	p := &t.pre
	if p.busy {
		err := <-p.done
		p.busy, p.cur = false, p.next
		if err != nil {
			*t.dataPCG = p.cur
			return err
		}
		t.batch, p.buf = p.buf, t.batch
		t.past, p.past = p.past, t.past
		if err := t.ws.SetPast(t.past); err != nil {
			return err
		}
	} else {
		p.cur = *t.dataPCG
		if err := t.fill(t.batch, t.past, t.Step); err != nil {
			*t.dataPCG = p.cur
			return err
		}
	}
	p.next, p.busy, p.step = *t.dataPCG, true, t.Step+1
	go p.read()
	return nil
}

// readAhead reads the windows of the step t.pre.step into the prefetch
// buffers (prefetch.read).
func (t *Trainer) readAhead() { t.pre.done <- t.fill(t.pre.buf, t.pre.past, t.pre.step) }

// fill draws the global batch of step (0-based), reads this replica's
// share of its windows into batch and, with past augmentation, their
// past into past.
func (t *Trainer) fill(batch, past []float32, step int) error {
	if err := t.Sampler.Use(t.Opts.SpeakersAt(step)); err != nil {
		return err // checked for every phase by SetCorpus
	}
	share := t.Opts.Batch / t.group.Size()
	if err := t.Sampler.FillShare(batch, t.dataRNG, t.group.Rank()*share, t.Opts.Batch); err != nil {
		return err
	}
	return t.augment(batch, past, step)
}

// augment draws the past of this replica's windows of step, if the run
// augments it.
func (t *Trainer) augment(batch, past []float32, step int) error {
	if t.aug == nil {
		return nil
	}
	return t.aug.apply(batch, past, step, t.group.Rank()*len(batch)/t.Opts.Window)
}

// undoBatch forgets the batch taken and the next one's read: the step
// failed, and a retry draws the same windows again.
func (t *Trainer) undoBatch() {
	if t.draw != nil {
		return
	}
	t.dropPrefetch()
	*t.dataPCG = t.pre.cur
}

// dropPrefetch waits for a read under way and forgets it, the data
// generator back to its state before that read's draw.
func (t *Trainer) dropPrefetch() {
	if t.pre.busy {
		<-t.pre.done
		t.pre.busy = false
		*t.dataPCG = t.pre.next
	}
}

// dataState is the data generator's state to save: before the draw of the
// first batch not trained on.
func (t *Trainer) dataState() *rand.PCG {
	if t.pre.busy {
		return &t.pre.next
	}
	return t.dataPCG
}
