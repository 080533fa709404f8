package imagecpc

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/images"
	"github.com/gocpc/cpc/core/nn"
	"github.com/gocpc/cpc/core/probe"
	"github.com/gocpc/cpc/core/safetensors"
)

// FeatureDim is the length of a region's feature vector: D + H.
func (a Arch) FeatureDim() int { return a.Dim + a.Hidden }

// PooledDim is the length of an image's feature vector pooled over
// regions×regions blocks of the grid.
func (a Arch) PooledDim(regions int) int { return regions * regions * a.FeatureDim() }

// CheckRegions reports whether the grid can be cut into regions×regions
// blocks, each of one patch or more.
func (a Arch) CheckRegions(regions int) error {
	if regions < 1 || regions > a.Grid() {
		return fmt.Errorf("imagecpc: %d×%d regions of a %d×%d grid: want 1 to %d", regions, regions, a.Grid(), a.Grid(), a.Grid())
	}
	return nil
}

// region is the block, 0..regions−1, that grid row (or column) i falls in:
// the grid's rows cut into regions runs as even as they can be.
func region(i, grid, regions int) int { return i * regions / grid }

// Features writes the frozen model's features of the workspace's batch of
// images into out [batch, PooledDim(regions)]: z and c averaged over the
// patches of each of regions×regions blocks of the grid, the blocks in
// row-major order, each z then c. One region is the paper's probe input,
// the mean over the whole grid; 2×2 keeps where in the image a feature
// is, a common variant of the linear evaluation.
func (w *Workspace[T]) Features(imgs [][]byte, out []float32, regions int) error {
	a := w.m.Arch
	if err := a.CheckRegions(regions); err != nil {
		return err
	}
	if err := w.Encode(imgs); err != nil {
		return err
	}
	F, R := a.FeatureDim(), regions
	clear(out[:w.batch*a.PooledDim(R)])
	count := make([]int, R) // grid rows (or columns) in each run
	for i := range w.grid {
		count[region(i, w.grid, R)]++
	}
	for p := range w.n { // p = (i·batch + b)·grid + j
		i, b, j := p/w.g, p/w.grid%w.batch, p%w.grid
		ri, rj := region(i, w.grid, R), region(j, w.grid, R)
		scale := 1 / float32(count[ri]*count[rj])
		f := out[(b*R*R+ri*R+rj)*F:][:F]
		for c, v := range w.z[p*a.Dim:][:a.Dim] {
			f[c] += float32(v) * scale
		}
		for c, v := range w.ctx[p*a.Hidden:][:a.Hidden] {
			f[a.Dim+c] += float32(v) * scale
		}
	}
	return nil
}

// SetFeatures returns the features of the first n images of s (all of them
// if n ≤ 0 or beyond s.N), [n, PooledDim(regions)], computed batch images
// at a time.
func (m *Model[T]) SetFeatures(s *images.Set, n, batch, regions int) ([]float32, error) {
	n = limit(n, s.N)
	if s.H != m.Arch.Image || s.W != m.Arch.Image {
		return nil, fmt.Errorf("imagecpc: images of %d×%d, the model takes %d×%d", s.H, s.W, m.Arch.Image, m.Arch.Image)
	}
	if err := m.Arch.CheckRegions(regions); err != nil {
		return nil, err
	}
	F := m.Arch.PooledDim(regions)
	out := make([]float32, n*F)
	w := m.NewWorkspace(batch)
	imgs, feats := make([][]byte, batch), make([]float32, batch*F)
	for lo := 0; lo < n; lo += batch {
		for b := range imgs {
			imgs[b] = s.Image(min(lo+b, n-1)) // the last batch repeats the last image
		}
		if err := w.Features(imgs, feats, regions); err != nil {
			return nil, err
		}
		copy(out[lo*F:], feats[:min(batch, n-lo)*F])
	}
	return out, nil
}

// Pixels returns the first n images of s as rows of pixels scaled to
// [0, 1]: the probe's raw-pixel baseline.
func Pixels(s *images.Set, n int) []float32 {
	n = limit(n, s.N)
	out := make([]float32, n*s.H*s.W)
	for i, v := range s.Pix[:len(out)] {
		out[i] = float32(v) / 255
	}
	return out
}

// L2Grid is the image probe's L2 strengths, on standardised features as
// core/probe's, each feature set's chosen from them by cross-validation on
// its train rows. It reaches two decades weaker than the speech probe's
// grid: with 1e-5 its weakest, the untrained network's mean-pooled
// features chose that edge on MNIST (1500-step model, 3000 train and 2000
// test images: 1e-6 there, 80.7 % against 80.1 %); no set chose 1e-7.
var L2Grid = append(slices.Clone(probe.L2Grid), 1e-6, 1e-7)

// ProbeAccuracy fits a linear classifier (multinomial logistic regression
// on standardised features, its L2 weight chosen from l2 by 4-fold
// cross-validation on the train rows) and returns its accuracy on the test
// rows and the strength chosen. Labels are 0..classes−1.
func ProbeAccuracy(train []float32, trainY []byte, test []float32, testY []byte, dim, classes int, l2 []float64) (acc, chosen float64, err error) {
	p, err := FitLinear(train, trainY, dim, classes, l2)
	if err != nil {
		return 0, 0, err
	}
	return p.Accuracy(test, testY), p.L2(), nil
}

// LinearProbe is a fitted linear classifier with the standardisation of
// the features it was fitted on.
type LinearProbe struct {
	std probe.Standardizer
	c   *probe.Classifier
}

// FitLinear fits a linear probe on n rows of dim features with labels
// 0..classes−1, its L2 weight chosen from l2 by 4-fold cross-validation.
func FitLinear(x []float32, y []byte, dim, classes int, l2 []float64) (*LinearProbe, error) {
	p := &LinearProbe{std: probe.NewStandardizer(x, dim)}
	x = slices.Clone(x)
	p.std.Apply(x)
	labels := make([]int32, len(y))
	for i, l := range y {
		labels[i] = int32(l)
	}
	c, err := probe.FitCV(x, labels, dim, classes, l2)
	if err != nil {
		return nil, err
	}
	p.c = c
	return p, nil
}

// L2 is the strength cross-validation chose.
func (p *LinearProbe) L2() float64 { return p.c.Fit.L2 }

// Classify returns the class the probe gives each row of x.
func (p *LinearProbe) Classify(x []float32) []int {
	x = slices.Clone(x)
	p.std.Apply(x)
	n, k := len(x)/p.c.Dim, p.c.Classes
	scores := make([]float32, n*k)
	p.c.Scores(x, n, scores)
	out := make([]int, n)
	for i := range out {
		row := scores[i*k:][:k]
		for c, v := range row {
			if v > row[out[i]] {
				out[i] = c
			}
		}
	}
	return out
}

// Accuracy is the share of rows of x the probe classifies as y says.
func (p *LinearProbe) Accuracy(x []float32, y []byte) float64 {
	correct := 0
	for i, c := range p.Classify(x) {
		if c == int(y[i]) {
			correct++
		}
	}
	return float64(correct) / float64(len(y))
}

// Save writes m (float32) as a safetensors checkpoint with PyTorch's
// names, shapes and layouts, the architecture as JSON under "config" and
// meta beside it.
func (m *Model[T]) Save(path string, meta map[string]string) error {
	tensors, md, err := m.checkpoint(meta)
	if err != nil {
		return err
	}
	return safetensors.WriteFile(path, tensors, md)
}

// Encode returns the checkpoint Save writes, as bytes.
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
		return nil, nil, fmt.Errorf("imagecpc: only float32 models are saved")
	}
	arch, _ := json.Marshal(m.Arch) // plain fields always marshal
	md := map[string]string{"config": string(arch), "format": "cpc-images"}
	maps.Copy(md, meta)
	return cpc.Tensors(fm.Params(), "", weights), md, nil
}

// Load reads a checkpoint Save wrote.
func Load(path string) (*Model[float32], map[string]string, error) {
	tensors, meta, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return fromCheckpoint(path, tensors, meta)
}

// Decode reads a checkpoint Encode made; name says where it came from in
// errors.
func Decode(b []byte, name string) (*Model[float32], map[string]string, error) {
	tensors, meta, err := safetensors.Decode(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return fromCheckpoint(name, tensors, meta)
}

func fromCheckpoint(name string, tensors map[string]safetensors.Tensor, meta map[string]string) (*Model[float32], map[string]string, error) {
	var a Arch
	if meta["format"] != "cpc-images" || json.Unmarshal([]byte(meta["config"]), &a) != nil {
		return nil, nil, fmt.Errorf("%s: not an image CPC checkpoint (format %q)", name, meta["format"])
	}
	m, err := New[float32](a, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := cpc.SetTensors(m.Params(), "", tensors, weights); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := cpc.CheckNoExtra(m.Params(), tensors, ""); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, meta, nil
}

func weights(_ int, p *nn.Param[float32]) []float32 { return p.W }
