package plot

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
)

func TestLossWritesAPNG(t *testing.T) {
	dir := t.TempDir()
	recs := []cpc.Metrics{{Step: 1, Loss: 6.8, Accuracy: 0.01}, {Step: 2, Loss: 6.1, Accuracy: 0.05}}
	if err := Loss(recs, dir); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, LossFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
		t.Fatalf("image is only %v", b)
	}
	if err := Loss(nil, dir); err != nil { // before the first metrics line
		t.Fatal(err)
	}
}
