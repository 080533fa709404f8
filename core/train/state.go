package train

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/nn"
	"github.com/gocpc/cpc/core/optim"
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
	meta := map[string]string{"step": step, "options": t.Opts.json(),
		"data_rng": hex.EncodeToString(dataRNG), "negatives_rng": hex.EncodeToString(negRNG)}
	if err := safetensors.WriteFile(filepath.Join(t.Opts.Out, StateFile), tensors, meta); err != nil {
		return err
	}
	return t.Model.Save(filepath.Join(t.Opts.Out, cpc.ModelFile), map[string]string{"step": step})
}

// loadState restores a run saved by save from dir.
func loadState(dir string) (*Trainer, error) {
	model, meta, err := cpc.Load(filepath.Join(dir, cpc.ModelFile))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, StateFile)
	tensors, smeta, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	bad := func(what string, err error) error { return fmt.Errorf("%s: %s: %v", path, what, err) }
	if meta["step"] != smeta["step"] {
		return nil, fmt.Errorf("%s is at step %s but %s at step %s: the run was stopped while saving; no consistent state to resume",
			cpc.ModelFile, meta["step"], StateFile, smeta["step"])
	}
	t := &Trainer{Model: model}
	if t.Step, err = strconv.Atoi(smeta["step"]); err != nil || t.Step < 0 {
		return nil, bad("step", fmt.Errorf("%q is not a step number", smeta["step"]))
	}
	dec := json.NewDecoder(strings.NewReader(smeta["options"]))
	dec.DisallowUnknownFields() // a setting this build does not know would be silently dropped
	if err := dec.Decode(&t.Opts); err != nil {
		return nil, bad("options", err)
	}
	if !t.Opts.Config.SameArchitecture(model.Config) {
		return nil, fmt.Errorf("%s: options config %s does not match the model's %s", path, t.Opts.Config.JSON(), model.Config.JSON())
	}
	t.dataPCG, t.negPCG = &rand.PCG{}, &rand.PCG{}
	for key, pcg := range map[string]*rand.PCG{"data_rng": t.dataPCG, "negatives_rng": t.negPCG} {
		b, err := hex.DecodeString(smeta[key])
		if err == nil {
			err = pcg.UnmarshalBinary(b)
		}
		if err != nil {
			return nil, bad(key, err)
		}
	}
	params := model.Params()
	t.adam = optim.NewAdam(params, t.Opts.Config.LR)
	t.adam.Step = t.Step
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
	return t, nil
}
