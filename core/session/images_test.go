package session

import (
	"bytes"
	"compress/gzip"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/imagecpc"
	"github.com/gocpc/cpc/core/images"
)

// idxFiles returns the first n images of s and their labels as IDX files,
// the images gzip-compressed (as the page gets them), the labels not.
func idxFiles(t *testing.T, s *images.Set, n int) (pix, labels []byte) {
	t.Helper()
	var p, l bytes.Buffer
	z := gzip.NewWriter(&p)
	if err := images.WriteIDX(z, &images.IDX{Dims: []int{n, s.H, s.W}, Data: s.Pix[:n*s.H*s.W]}); err != nil {
		t.Fatal(err)
	}
	z.Close()
	if err := images.WriteIDX(&l, &images.IDX{Dims: []int{n}, Data: s.Labels[:n]}); err != nil {
		t.Fatal(err)
	}
	return p.Bytes(), l.Bytes()
}

// digits is an Images session with MNIST's first 1000 train and 300 test
// images loaded.
func digits(t *testing.T) *Images {
	t.Helper()
	dir, err := images.Dir(images.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	var files [][]byte
	for _, split := range []struct {
		name string
		n    int
	}{{"train", 1000}, {"test", 300}} {
		s, err := images.Load(dir, split.name)
		if err != nil {
			t.Fatal(err)
		}
		p, l := idxFiles(t, s, split.n)
		files = append(files, p, l)
	}
	im := &Images{}
	if err := im.Load(files[0], files[1], files[2], files[3]); err != nil {
		t.Fatal(err)
	}
	if tr, te := im.Counts(); tr != 1000 || te != 300 {
		t.Fatalf("%d train and %d test images loaded", tr, te)
	}
	return im
}

func TestImagesErrors(t *testing.T) {
	im := &Images{}
	pix, labels := idxFiles(t, &images.Set{N: 2, H: 28, W: 28, Pix: make([]byte, 2*784), Labels: []byte{1, 2}}, 2)
	_, oneLabel := idxFiles(t, &images.Set{N: 1, H: 28, W: 28, Pix: make([]byte, 784), Labels: []byte{1}}, 1)
	for _, c := range []struct {
		files [4][]byte
		want  string
	}{
		{[4][]byte{[]byte("not an IDX file"), labels, pix, labels}, "train images: not an IDX file"},
		{[4][]byte{pix, labels, pix[:len(pix)/2], labels}, "test images"},
		{[4][]byte{pix, oneLabel, pix, labels}, "train labels have dimensions [1], want [2]"},
	} {
		if err := im.Load(c.files[0], c.files[1], c.files[2], c.files[3]); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error with %q, got %v", c.want, err)
		}
	}
	if _, err := im.Train(1, nil); !errors.Is(err, ErrNoModel) {
		t.Fatalf("training without a model: %v", err)
	}
	if err := im.NewModel(ImageSettings{Batch: -1}); err == nil {
		t.Fatal("batch -1: no error")
	}
	if err := im.NewModel(ImageSettings{}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.Train(1, nil); !errors.Is(err, ErrNoImages) {
		t.Fatalf("training without images: %v", err)
	}
	if _, err := im.Probe(100, 10, []float64{1e-2}); !errors.Is(err, ErrNoImages) {
		t.Fatalf("a probe without images: %v", err)
	}
	if err := im.LoadModel([]byte("junk"), ImageSettings{}); err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Fatalf("importing junk: %v", err)
	}
}

// TestImagesTrainProbeExport trains on real digits: the loss falls; the
// exported checkpoint holds the session's weights (its features are the
// session's, bit for bit) and continues at its step when imported; the
// probe's table has its three rows, the baselines' kept for the next call.
func TestImagesTrainProbeExport(t *testing.T) {
	im := digits(t)
	steps := 40
	if runtime.GOOS == "js" {
		steps = 3 // pure Go under node: a second a step
	}
	if err := im.NewModel(ImageSettings{Batch: 16, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	var losses []float64
	if _, err := im.Train(steps, func(m cpc.Metrics) bool { losses = append(losses, m.Loss); return true }); err != nil {
		t.Fatal(err)
	}
	if len(losses) != steps || im.Steps() != steps || im.Last().Step != steps {
		t.Fatalf("%d steps reported, %d done, last %d; want %d", len(losses), im.Steps(), im.Last().Step, steps)
	}
	if first, last := mean(losses[:3]), mean(losses[len(losses)-3:]); steps >= 40 && last > first-0.3 {
		t.Fatalf("loss %.3f over the first steps, %.3f over the last", first, last)
	}
	b, err := im.Export()
	if err != nil {
		t.Fatal(err)
	}
	m, meta, err := imagecpc.Decode(b, "export")
	if err != nil || meta["step"] != strconv.Itoa(steps) {
		t.Fatalf("exported checkpoint: meta %v, %v", meta, err)
	}
	ours, err := im.Features("test", 50)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := m.SetFeatures(im.test, 50, 64, 1)
	if err != nil || !slices.Equal(ours, theirs) {
		t.Fatalf("the checkpoint's features differ from the session's (%v)", err)
	}

	rows, err := im.Probe(200, 100, []float64{1e-2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !strings.HasPrefix(rows[0].Features, "CPC") || rows[2].Features != "raw pixels" {
		t.Fatalf("probe rows %+v", rows)
	}
	for _, r := range rows {
		if r.Accuracy < 0.3 || r.Accuracy > 1 || r.L2 != 1e-2 {
			t.Fatalf("probe row %+v: a linear classifier reads most digits from any of these", r)
		}
	}
	readDigits(t, im)
	if _, err := im.Train(1, func(cpc.Metrics) bool { return true }); err != nil {
		t.Fatal(err)
	}
	if _, err := im.Read(make([]byte, 4), 2, 2); err == nil || !strings.Contains(err.Error(), "trained since the probe") {
		t.Fatalf("reading with a probe of an older model: %v", err)
	}
	again, err := im.Probe(200, 100, []float64{1e-2})
	if err != nil || !slices.Equal(again[1:], rows[1:]) {
		t.Fatalf("the baselines changed after a step: %+v then %+v (%v)", rows, again, err)
	}

	if err := im.LoadModel(b, ImageSettings{Batch: 8}); err != nil {
		t.Fatal(err)
	}
	if im.Steps() != steps {
		t.Fatalf("the imported checkpoint is at step %d, want %d", im.Steps(), steps)
	}
	xy, labels, err := im.Projection(20)
	if err != nil || len(xy) != 40 || !bytes.Equal(labels, im.test.Labels[:20]) {
		t.Fatalf("projection: %d values, labels %v, %v", len(xy), labels, err)
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// readDigits reads test digits drawn three times larger, off centre, on
// a canvas of 100×90: the pixels' classifier must read most of them (the
// model's, after a few steps, need not), and the framed digit must be the
// test digit as MNIST framed it, give or take a pixel's shift (here it is
// exactly that).
func readDigits(t *testing.T, im *Images) {
	t.Helper()
	const w, h, meanDiff = 100, 90, 1
	right := 0
	for i := range 10 {
		digit := im.test.Image(i)
		canvas := make([]byte, w*h)
		for y := range 84 {
			for x := range 84 {
				canvas[(y+3)*w+x+10] = digit[(y/3)*28+x/3]
			}
		}
		r, err := im.Read(canvas, w, h)
		if err != nil {
			t.Fatal(err)
		}
		if r.Model < 0 || r.Model > 9 || len(r.Framed) != 784 {
			t.Fatalf("reading %+v", r)
		}
		if r.Pixels == int(im.test.Labels[i]) {
			right++
		}
		if d := shiftedDiff(r.Framed, digit); d > meanDiff {
			t.Errorf("test digit %d framed differs from MNIST's by %.1f a pixel on average (shifted by a pixel at most)", i, d)

		}
	}
	if right < 6 {
		t.Errorf("the pixels' classifier read %d of 10 drawn test digits", right)
	}
}

// shiftedDiff is the mean absolute difference of two 28×28 images, the
// first shifted by up to a pixel each way where that makes it least
// (centres of mass rounded apart put a digit a pixel off).
func shiftedDiff(a, b []byte) float64 {
	best := 255.0
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			sum := 0
			for y := range 28 {
				for x := range 28 {
					va := 0
					if sy, sx := y+dy, x+dx; sy >= 0 && sy < 28 && sx >= 0 && sx < 28 {
						va = int(a[sy*28+sx])
					}
					sum += max(va-int(b[y*28+x]), int(b[y*28+x])-va)
				}
			}
			best = min(best, float64(sum)/784)
		}
	}
	return best
}
