package cpc

import (
	"fmt"
	"maps"
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
	tensors, md, err := m.checkpoint(meta)
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return safetensors.WriteFile(path, tensors, md)
}

// Encode returns m as safetensors bytes, as Save would write them.
func (m *Model[T]) Encode(meta map[string]string) ([]byte, error) {
	tensors, md, err := m.checkpoint(meta)
	if err != nil {
		return nil, err
	}
	return safetensors.Encode(tensors, md)
}

func (m *Model[T]) checkpoint(meta map[string]string) (map[string]safetensors.Tensor, map[string]string, error) {
	fm, ok := any(m).(*Model[float32])
	if !ok {
		return nil, nil, fmt.Errorf("only float32 models are saved")
	}
	md := map[string]string{"config": m.Arch.JSON(), "format": "cpc"}
	maps.Copy(md, meta)
	return Tensors(fm.Params(), "", weights), md, nil
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
	m, err := fromTensors(tensors, meta)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, meta, nil
}

// Decode reads a checkpoint from safetensors bytes.
func Decode(b []byte) (*Model[float32], map[string]string, error) {
	tensors, meta, err := safetensors.Decode(b)
	if err != nil {
		return nil, nil, err
	}
	m, err := fromTensors(tensors, meta)
	if err != nil {
		return nil, nil, err
	}
	return m, meta, nil
}

func fromTensors(tensors map[string]safetensors.Tensor, meta map[string]string) (*Model[float32], error) {
	js, ok := meta["config"]
	if !ok {
		return nil, fmt.Errorf("no model config in the metadata (not a checkpoint of this program?)")
	}
	cfg, err := ParseArch(js)
	if err != nil {
		return nil, err
	}
	m, err := New[float32](cfg, nil)
	if err != nil {
		return nil, err
	}
	if err := SetTensors(m.Params(), "", tensors, weights); err != nil {
		return nil, err
	}
	if err := CheckNoExtra(m.Params(), tensors, ""); err != nil {
		return nil, err
	}
	return m, nil
}
