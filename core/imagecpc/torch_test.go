package imagecpc

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/npy"
)

// TestMatchesPyTorch saves a model, has bench/cpc_images_torch.py (plain
// torch.nn.Conv2d, GRU, Linear, cross_entropy, in float64) load it with
// strict names and shapes, and compares its InfoNCE loss and mean-pooled
// features on MNIST digits with ours in float32.
func TestMatchesPyTorch(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import torch, numpy").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s with torch and numpy is required (make deps): %v", py, err)
		}
		t.Skipf("%s with torch and numpy not available: %v", py, err)
	}
	a, _ := Preset("mnist")
	m, _ := New[float32](a, rand.New(rand.NewPCG(6, 6)))
	dir := t.TempDir()
	model := filepath.Join(dir, "model.safetensors")
	if err := m.Save(model, nil); err != nil {
		t.Fatal(err)
	}
	const batch = 4
	set := mnistTest(t)
	imgs, pix := make([][]byte, batch), make([]float32, 0, batch*a.Image*a.Image)
	for b := range imgs {
		imgs[b] = set.Image(7 * b)
		for _, v := range imgs[b] {
			pix = append(pix, float32(v))
		}
	}
	in, feats := filepath.Join(dir, "images.npy"), filepath.Join(dir, "features.npy")
	if err := npy.WriteFile(in, []int{batch, a.Image, a.Image}, pix); err != nil {
		t.Fatal(err)
	}
	o, err := exec.Command(py, filepath.Join("..", "..", "bench", "cpc_images_torch.py"), "check", model, in, feats).CombinedOutput()
	if err != nil {
		t.Fatalf("PyTorch: %v\n%s", err, o)
	}
	torchLoss, err := strconv.ParseFloat(strings.TrimSpace(string(o)), 64)
	if err != nil {
		t.Fatalf("PyTorch printed %q", o)
	}
	w := m.NewWorkspace(batch)
	met, err := w.Loss(imgs)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(met.Loss-torchLoss) > 1e-4 {
		t.Fatalf("InfoNCE loss %v, PyTorch %v", met.Loss, torchLoss)
	}
	ours := make([]float32, batch*a.FeatureDim())
	if err := w.Features(imgs, ours, 1); err != nil {
		t.Fatal(err)
	}
	shape, theirs, err := npy.ReadFile(feats)
	if err != nil || len(shape) != 2 || shape[0] != batch || shape[1] != a.FeatureDim() {
		t.Fatalf("PyTorch features: shape %v, %v", shape, err)
	}
	for i, v := range theirs {
		if math.Abs(float64(v-ours[i])) > 1e-4 {
			t.Fatalf("feature %d of image %d: ours %v, PyTorch %v", i%a.FeatureDim(), i/a.FeatureDim(), ours[i], v)
		}
	}
	t.Logf("loss %.6f, PyTorch %.6f", met.Loss, torchLoss)
}
