package train

import (
	"encoding/hex"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"strconv"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/nn"
	"github.com/gocpc/cpc/core/safetensors"
)

// StateFile holds what resuming needs beyond the weights: Adam's moments
// (as <name>.exp_avg and <name>.exp_avg_sq, PyTorch's state names), the
// step, the options and the random generators' states.
const StateFile = "state.safetensors"

// save writes the state, then the model; both carry the step, and loading
// insists they agree, so a crash between the two renames is detected.
func (t *Trainer) save() error {
	params := t.Model.Params()
	tensors := cpc.Tensors(params, ".exp_avg", func(i int, _ *nn.Param[float32]) []float32 { return t.adam.M[i] })
	maps.Copy(tensors, cpc.Tensors(params, ".exp_avg_sq", func(i int, _ *nn.Param[float32]) []float32 { return t.adam.V[i] }))
	dataRNG, _ := t.dataPCG.MarshalBinary() // PCG's marshalling cannot fail
	negRNG, _ := t.negPCG.MarshalBinary()
	step := strconv.Itoa(t.Step)
	meta := map[string]string{"step": step, "options": t.Opts.JSON(),
		"data_rng": hex.EncodeToString(dataRNG), "negatives_rng": hex.EncodeToString(negRNG)}
	if err := safetensors.WriteFile(filepath.Join(t.out, StateFile), tensors, meta); err != nil {
		return err
	}
	return t.Model.Save(filepath.Join(t.out, cpc.ModelFile), t.ModelMeta())
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
	model, meta, err := cpc.Load(filepath.Join(dir, cpc.ModelFile))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, StateFile)
	tensors, smeta, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
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
	opts, err := parseOptions(smeta["options"])
	if err != nil {
		return nil, bad("options", err)
	}
	pcgs := []*rand.PCG{{}, {}}
	for i, key := range []string{"data_rng", "negatives_rng"} {
		b, err := hex.DecodeString(smeta[key])
		if err == nil {
			err = pcgs[i].UnmarshalBinary(b)
		}
		if err != nil {
			return nil, bad(key, err)
		}
	}
	t, err := build(model, opts, step, pcgs[0], pcgs[1], c)
	if err != nil {
		return nil, err
	}
	params := model.Params()
	err = cpc.SetTensors(params, ".exp_avg", tensors, func(i int, _ *nn.Param[float32]) []float32 { return t.adam.M[i] })
	if err == nil {
		err = cpc.SetTensors(params, ".exp_avg_sq", tensors, func(i int, _ *nn.Param[float32]) []float32 { return t.adam.V[i] })
	}
	if err == nil {
		err = cpc.CheckNoExtra(params, tensors, ".exp_avg", ".exp_avg_sq")
	}
	if err != nil {
		return nil, bad("optimizer state", err)
	}
	if t.History, err = readMetrics(dir, step); err != nil {
		return nil, err
	}
	t.saved = fmt.Sprintf("the checkpoint of step %d in %s is kept", step, dir)
	return t, nil
}
