package cpc

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gocpc/cpc/core/nn"
	"github.com/gocpc/cpc/core/safetensors"
)

// A checkpoint is a safetensors file holding the model's parameters under
// PyTorch's names, shapes and layouts, and the config as JSON under the
// metadata key "config", so safetensors.torch.load_file reads it with no
// glue and the file alone rebuilds the model.

// ModelFile is the checkpoint's name inside a training directory.
const ModelFile = "model.safetensors"

// Tensors maps each parameter's name+suffix to pick(i, p) in PyTorch's
// layout.
func Tensors(params []*nn.Param[float32], suffix string, pick func(i int, p *nn.Param[float32]) []float32) map[string]safetensors.Tensor {
	t := map[string]safetensors.Tensor{}
	for i, p := range params {
		t[p.Name+suffix] = safetensors.Tensor{Shape: slices.Clone(p.Shape), Data: p.ToTorch(pick(i, p))}
	}
	return t
}

// SetTensors writes the tensor name+suffix of each parameter (PyTorch's
// layout) into dst(i, p), after checking it exists with the right shape.
func SetTensors(params []*nn.Param[float32], suffix string, tensors map[string]safetensors.Tensor, dst func(i int, p *nn.Param[float32]) []float32) error {
	for i, p := range params {
		t, ok := tensors[p.Name+suffix]
		if !ok {
			return fmt.Errorf("tensor %s is missing", p.Name+suffix)
		}
		if !slices.Equal(t.Shape, p.Shape) {
			return fmt.Errorf("tensor %s has shape %v, the config needs %v", p.Name+suffix, t.Shape, p.Shape)
		}
		p.FromTorch(dst(i, p), t.Data)
	}
	return nil
}

// CheckNoExtra reports a tensor other than the parameters' name+suffix for
// any of suffixes.
func CheckNoExtra(params []*nn.Param[float32], tensors map[string]safetensors.Tensor, suffixes ...string) error {
	want := map[string]bool{}
	for _, p := range params {
		for _, s := range suffixes {
			want[p.Name+s] = true
		}
	}
	for name := range tensors {
		if !want[name] {
			return fmt.Errorf("unexpected tensor %s", name)
		}
	}
	return nil
}

func weights(_ int, p *nn.Param[float32]) []float32 { return p.W }

// Save writes m atomically to path, with extra metadata beside the config.
func (m *Model[T]) Save(path string, meta map[string]string) error {
	fm, ok := any(m).(*Model[float32])
	if !ok {
		return fmt.Errorf("save %s: only float32 models are saved", path)
	}
	md := map[string]string{"config": m.Config.JSON(), "format": "cpc"}
	for k, v := range meta {
		md[k] = v
	}
	return safetensors.WriteFile(path, Tensors(fm.Params(), "", weights), md)
}

// Load reads a checkpoint: a safetensors file, or a training directory
// holding model.safetensors. It returns the metadata too.
func Load(path string) (*Model[float32], map[string]string, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, ModelFile)
	}
	tensors, meta, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	js, ok := meta["config"]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no model config in the metadata (not a checkpoint of this program?)", path)
	}
	cfg, err := ParseConfig(js)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	m, err := New[float32](cfg, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	err = SetTensors(m.Params(), "", tensors, weights)
	if err == nil {
		err = CheckNoExtra(m.Params(), tensors, "")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	return m, meta, nil
}
