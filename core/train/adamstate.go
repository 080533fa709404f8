package train

import (
	"maps"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/nn"
	"github.com/gocpc/cpc/core/optim"
	"github.com/gocpc/cpc/core/safetensors"
)

// AdamTensors are adam's moments of params as a state file holds them,
// under PyTorch's state names: <name>.exp_avg and <name>.exp_avg_sq.
// Every model's state file (speech and image) keeps them so.
func AdamTensors(params []*nn.Param[float32], adam *optim.Adam) map[string]safetensors.Tensor {
	tensors := cpc.Tensors(params, ".exp_avg", func(i int, _ *nn.Param[float32]) []float32 { return adam.M[i] })
	maps.Copy(tensors, cpc.Tensors(params, ".exp_avg_sq", func(i int, _ *nn.Param[float32]) []float32 { return adam.V[i] }))
	return tensors
}

// SetAdamTensors reads adam's moments of params back from tensors: every
// one must be there with its shape, and nothing else.
func SetAdamTensors(params []*nn.Param[float32], adam *optim.Adam, tensors map[string]safetensors.Tensor) error {
	err := cpc.SetTensors(params, ".exp_avg", tensors, func(i int, _ *nn.Param[float32]) []float32 { return adam.M[i] })
	if err == nil {
		err = cpc.SetTensors(params, ".exp_avg_sq", tensors, func(i int, _ *nn.Param[float32]) []float32 { return adam.V[i] })
	}
	if err == nil {
		err = cpc.CheckNoExtra(params, tensors, ".exp_avg", ".exp_avg_sq")
	}
	return err
}
