package session

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"strconv"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/imagecpc"
	"github.com/gocpc/cpc/core/images"
	"github.com/gocpc/cpc/core/optim"
)

// Images is the page's Images mode: CPC on a set of digits (paper §3.2)
// with imagecpc's one trainer, and the paper's linear probe. Calls come
// one at a time, as for Session.
type Images struct {
	train, test *images.Set
	trainer     *imagecpc.Trainer
	base        int // steps the model had before this trainer (an imported checkpoint's)
	last        *cpc.Metrics
	rate        speed
	training    bool
	baselines   struct {
		key    string // the probe's arguments they were fitted with
		rows   []imagecpc.ProbeRow
		pixels *imagecpc.LinearProbe // the raw pixels' classifier
	}
	reader reader // the last probe's classifier of the model's features
}

// ImageSettings are the Images mode's training fields; zero batch or
// learning rate means the default (16, 1e-3, as cpc train-images).
type ImageSettings struct {
	Batch int
	LR    float64
	Seed  uint64
}

func (s ImageSettings) options() (imagecpc.Options, error) {
	if s.Batch < 0 || s.LR < 0 {
		return imagecpc.Options{}, fmt.Errorf("batch and learning rate must be positive (got %d, %g)", s.Batch, s.LR)
	}
	o := imagecpc.Options{Data: "browser", Batch: cmp.Or(s.Batch, 16), Schedule: optim.Schedule{LR: cmp.Or(s.LR, 1e-3)}, Seed: s.Seed}
	return o, o.Validate()
}

// ErrNoImages is the error of a call that needs the digits before they
// are loaded.
var ErrNoImages = errors.New("no images: load the digits first")

// Load reads the train and test splits, each an IDX file of images
// [n, h, w] and one of labels [n] (gzip-compressed or not).
func (im *Images) Load(trainImages, trainLabels, testImages, testLabels []byte) error {
	train, err := readSet(trainImages, trainLabels, "train")
	if err != nil {
		return err
	}
	test, err := readSet(testImages, testLabels, "test")
	if err != nil {
		return err
	}
	if test.H != train.H || test.W != train.W {
		return fmt.Errorf("test images of %d×%d, train images of %d×%d", test.H, test.W, train.H, train.W)
	}
	if im.trainer != nil {
		if err := im.trainer.SetImages(train); err != nil {
			return err
		}
	}
	im.train, im.test, im.baselines.key = train, test, ""
	return nil
}

func readSet(pix, labels []byte, split string) (*images.Set, error) {
	img, err := images.ReadIDX(bytes.NewReader(pix), split+" images")
	if err != nil {
		return nil, err
	}
	lab, err := images.ReadIDX(bytes.NewReader(labels), split+" labels")
	if err != nil {
		return nil, err
	}
	return images.Pair(img, lab, split)
}

// Counts returns the number of train and test images.
func (im *Images) Counts() (train, test int) {
	if im.train == nil {
		return 0, 0
	}
	return im.train.N, im.test.N
}

// NewModel replaces the model with a fresh one of the mnist preset.
func (im *Images) NewModel(s ImageSettings) error {
	o, err := s.options()
	if err != nil {
		return err
	}
	arch, _ := imagecpc.Preset("mnist") // a known preset
	t, err := imagecpc.NewTrainer(arch, o)
	if err != nil {
		return err
	}
	return im.setTrainer(t, 0)
}

// LoadModel replaces the model with an image checkpoint's; training
// continues from its step with s's settings (Adam starts afresh: a
// checkpoint holds no optimizer state).
func (im *Images) LoadModel(b []byte, s ImageSettings) error {
	m, meta, err := imagecpc.Decode(b, "checkpoint")
	if err != nil {
		return err
	}
	step, err := strconv.Atoi(cmp.Or(meta["step"], "0"))
	if err != nil || step < 0 {
		return fmt.Errorf("checkpoint: step %q is not a step number", meta["step"])
	}
	o, err := s.options()
	if err != nil {
		return err
	}
	t, err := imagecpc.NewTrainer(m.Arch, o)
	if err != nil {
		return err
	}
	for i, p := range t.Model.Params() {
		copy(p.W, m.Params()[i].W)
	}
	return im.setTrainer(t, step)
}

func (im *Images) setTrainer(t *imagecpc.Trainer, step int) error {
	if im.train != nil {
		if err := t.SetImages(im.train); err != nil {
			return err
		}
	}
	im.trainer, im.base, im.last, im.reader = t, step, nil, reader{}
	return nil
}

// Steps is the number of updates the model has had.
func (im *Images) Steps() int {
	if im.trainer == nil {
		return 0
	}
	return im.base + im.trainer.Steps()
}

// Model returns the model, nil before there is one.
func (im *Images) Model() *imagecpc.Model[float32] {
	if im.trainer == nil {
		return nil
	}
	return im.trainer.Model
}

// Last returns the metrics of the last step (nil before the first).
func (im *Images) Last() *cpc.Metrics { return im.last }

// Train runs up to n steps on batches of the train images, calling after
// (if not nil) with each step's metrics; it stops early when after returns
// false.
func (im *Images) Train(n int, after func(cpc.Metrics) bool) (*cpc.Metrics, error) {
	switch {
	case im.trainer == nil:
		return nil, ErrNoModel
	case im.train == nil:
		return nil, ErrNoImages
	case im.training:
		return nil, errors.New("training is already running")
	case n < 1:
		return nil, fmt.Errorf("steps must be positive (got %d)", n)
	}
	im.training = true
	defer func() { im.training = false }()
	for range n {
		m, err := im.trainer.TrainBatch()
		if err != nil {
			return im.last, err
		}
		m.Step, m.StepsPerSec = im.base+m.Step, im.rate.add(m.Seconds)
		im.last = &m
		if after != nil && !after(m) {
			break
		}
	}
	return im.last, nil
}

// Export returns the model as a checkpoint, model.safetensors's bytes, as
// cpc train-images writes it.
func (im *Images) Export() ([]byte, error) {
	if im.trainer == nil {
		return nil, ErrNoModel
	}
	meta := im.trainer.Meta()
	meta["step"] = strconv.Itoa(im.Steps())
	return im.trainer.Model.Encode(meta)
}

// Options returns the model's training options (zero before a model).
func (im *Images) Options() imagecpc.Options {
	if im.trainer == nil {
		return imagecpc.Options{}
	}
	return im.trainer.Opts
}

// Pixels returns images from..from+n−1 of a split, row after row, and
// their labels: for the page to draw.
func (im *Images) Pixels(split string, from, n int) ([]byte, []byte, error) {
	s, err := im.split(split)
	if err != nil {
		return nil, nil, err
	}
	if from < 0 || n < 0 || from+n > s.N {
		return nil, nil, fmt.Errorf("images %d to %d of %s: it has %d", from, from+n-1, split, s.N)
	}
	size := s.H * s.W
	return s.Pix[from*size : (from+n)*size], s.Labels[from : from+n], nil
}
