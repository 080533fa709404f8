package train

import (
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/safetensors"
)

// StateFile holds what resuming needs beyond the weights: Adam's moments
// (as <name>.exp_avg and <name>.exp_avg_sq, PyTorch's state names), the
// step, the options, the random generators' states, and the corpus's
// fingerprint and source.
const StateFile = "state.safetensors"

// The state's metadata keys of the corpus: its fingerprint (checked on
// resume: the batches of an exact resume come from the same utterances)
// and where it came from (Trainer.Source).
const (
	corpusKey = "corpus"
	sourceKey = "corpus_source"
)

// TargetKey is the state's metadata key of the step a run was planned to
// end at (Trainer.Target); states written before it have none.
const TargetKey = "target_step"

// SavedTarget returns the target step a state's metadata records, 0 if
// it records none.
func SavedTarget(meta map[string]string) (int, error) {
	s, ok := meta[TargetKey]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%q is not a step number", s)
	}
	return n, nil
}

// replicasKey is the state's metadata key of how many replicas saved it
// (absent: one).
const replicasKey = "replicas"

// SavedReplicas returns how many replicas saved the run in dir: 1 where
// its state records none or cannot be read (resuming it says what is
// wrong).
func SavedReplicas(dir string) int {
	meta, err := safetensors.ReadMetadata(filepath.Join(dir, StateFile))
	if err != nil {
		return 1
	}
	n, err := strconv.Atoi(meta[replicasKey])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// save writes the state, then the model, into dir; both carry the step, and loading
// insists they agree, so a crash between the two renames is detected.
// rngs are every replica's generator states, in rank order.
func (t *Trainer) save(dir string, rngs [][]byte) error {
	params := t.Model.Params()
	tensors := AdamTensors(params, t.adam)
	step := strconv.Itoa(t.Step)
	meta := map[string]string{"step": step, "options": t.Opts.JSON(), corpusKey: t.corpus}
	if t.Source != "" {
		meta[sourceKey] = t.Source
	}
	if t.Target > 0 {
		meta[TargetKey] = strconv.Itoa(t.Target)
	}
	for r, b := range rngs {
		meta[rngKey("data_rng", r)] = hex.EncodeToString(b[:len(b)/2])
		meta[rngKey("negatives_rng", r)] = hex.EncodeToString(b[len(b)/2:])
	}
	if len(rngs) > 1 {
		meta[replicasKey] = strconv.Itoa(len(rngs))
	}
	if err := safetensors.WriteFile(filepath.Join(dir, StateFile), tensors, meta); err != nil {
		return err
	}
	return t.Model.Save(filepath.Join(dir, cpc.ModelFile), t.ModelMeta())
}

// rngKey is the state's key of a generator of replica r: the name itself
// for rank 0, as one process alone saves it.
func rngKey(name string, r int) string {
	if r == 0 {
		return name
	}
	return name + "." + strconv.Itoa(r)
}

// generatorStates returns every replica's generator states (data's, then
// the negatives'), in rank order.
func (t *Trainer) generatorStates() ([][]byte, error) {
	dataRNG, _ := t.dataState().MarshalBinary() // PCG's marshalling cannot fail
	negRNG, _ := t.negPCG.MarshalBinary()
	return dist.AllGatherBytes(t.group, append(dataRNG, negRNG...))
}

// ModelMeta is the metadata a checkpoint of the model gets: the step and
// the options it was trained with.
func (t *Trainer) ModelMeta() map[string]string {
	return map[string]string{"step": strconv.Itoa(t.Step), MetaKey: t.Opts.JSON()}
}

// Resume continues the run saved in dir on corpus c (already loaded),
// with the saved options. The metrics lines after the saved step are
// dropped, so that a resumed run's metrics.jsonl reads as if it had never
// stopped.
func Resume(dir string, c *data.Corpus) (*Trainer, error) {
	return ResumeReplica(dist.Single, dir, c)
}

// ResumeReplica is Resume for replica g.Rank() of g: rank 0 reads dir and
// sends the checkpoint to the others, so only rank 0 needs the files; the
// run must have been saved by as many replicas.
func ResumeReplica(g dist.Group, dir string, c *data.Corpus) (*Trainer, error) {
	files := []string{filepath.Join(dir, cpc.ModelFile), filepath.Join(dir, StateFile)}
	var blobs [2][]byte
	var readErr error
	if g.Rank() == 0 {
		for i, f := range files {
			if blobs[i], readErr = os.ReadFile(f); readErr != nil {
				break
			}
		}
	}
	if err := agree(g, readErr); err != nil {
		return nil, err
	}
	for i := range blobs {
		var err error
		if blobs[i], err = dist.BroadcastBytes(g, blobs[i], 0); err != nil {
			return nil, err
		}
	}
	t, err := resumeFrom(g, blobs[0], blobs[1], files, c)
	if err := agree(g, err); err != nil {
		return nil, err
	}
	if g.Rank() == 0 {
		if t.History, err = ReadMetrics(dir, t.Step); err != nil {
			return nil, err
		}
	}
	t.saved = fmt.Sprintf("the checkpoint of step %d in %s is kept", t.Step, dir)
	return t, nil
}

// SavedSource returns the Source of the run saved in dir ("" if it had
// none, or has no state file). Rank 0 reads it and tells the other
// replicas.
func SavedSource(g dist.Group, dir string) (string, error) {
	var source []byte
	var readErr error
	if g.Rank() == 0 {
		meta, err := safetensors.ReadMetadata(filepath.Join(dir, StateFile))
		switch {
		case err == nil:
			source = []byte(meta[sourceKey])
		case !errors.Is(err, fs.ErrNotExist): // a missing file: ResumeReplica names what is missing
			readErr = err
		}
	}
	if err := agree(g, readErr); err != nil {
		return "", err
	}
	b, err := dist.BroadcastBytes(g, source, 0)
	return string(b), err
}

// resumeFrom rebuilds a saved run from its model's and state's bytes,
// which came from files.
func resumeFrom(g dist.Group, modelBytes, stateBytes []byte, files []string, c *data.Corpus) (*Trainer, error) {
	model, meta, err := cpc.Decode(modelBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", files[0], err)
	}
	path := files[1]
	tensors, smeta, err := safetensors.Decode(stateBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	bad := func(what string, err error) error { return fmt.Errorf("%s: %s: %w", path, what, err) }
	if meta["step"] != smeta["step"] {
		return nil, fmt.Errorf("%s is at step %s but %s at step %s: the run was stopped while saving; no consistent state to resume",
			cpc.ModelFile, meta["step"], StateFile, smeta["step"])
	}
	step, err := strconv.Atoi(smeta["step"])
	if err != nil || step < 0 {
		return nil, bad("step", fmt.Errorf("%q is not a step number", smeta["step"]))
	}
	if saved := cmp.Or(smeta[replicasKey], "1"); saved != strconv.Itoa(g.Size()) {
		return nil, bad(replicasKey, fmt.Errorf("the run was saved by %s replicas: resume it with as many, not %d", saved, g.Size()))
	}
	opts, err := parseOptions(smeta["options"])
	if err != nil {
		return nil, bad("options", err)
	}
	pcgs := []*rand.PCG{{}, {}}
	for i, name := range []string{"data_rng", "negatives_rng"} {
		key := rngKey(name, g.Rank())
		b, err := hex.DecodeString(smeta[key])
		if err == nil {
			err = pcgs[i].UnmarshalBinary(b)
		}
		if err != nil {
			return nil, bad(key, err)
		}
	}
	t, err := build(g, model, opts, step, pcgs[0], pcgs[1], c)
	if err != nil {
		return nil, err
	}
	if saved := smeta[corpusKey]; saved != "" && saved != t.corpus { // older states have none
		return nil, fmt.Errorf("%s: the run was trained on a corpus of %s, not on this one of %s: resume it on the same corpus and split (a new run can start from its weights: cpc train --init)",
			path, saved, t.corpus)
	}
	t.Source = smeta[sourceKey]
	if t.Target, err = SavedTarget(smeta); err != nil {
		return nil, bad(TargetKey, err)
	}
	if err := SetAdamTensors(model.Params(), t.adam, tensors); err != nil {
		return nil, bad("optimizer state", err)
	}
	return t, nil
}
