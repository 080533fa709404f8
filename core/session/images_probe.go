package session

import (
	"errors"
	"fmt"

	"github.com/gocpc/cpc/core/imagecpc"
	"github.com/gocpc/cpc/core/images"
	"github.com/gocpc/cpc/core/pca"
)

// Features returns the model's probe features of the first n images of a
// split, [n, D + H]: z and c averaged over the grid, as cpc embed-images
// writes them.
func (im *Images) Features(split string, n int) ([]float32, error) {
	s, err := im.split(split)
	if err != nil {
		return nil, err
	}
	if im.trainer == nil {
		return nil, ErrNoModel
	}
	return im.trainer.Model.SetFeatures(s, n, 64, 1)
}

// Projection returns the features of the first n test images projected on
// their two principal components, n rows of (x, y), and the images'
// labels.
func (im *Images) Projection(n int) ([]float32, []byte, error) {
	if n < 3 {
		return nil, nil, fmt.Errorf("a projection needs 3 images or more (got %d)", n)
	}
	f, err := im.Features("test", n)
	if err != nil {
		return nil, nil, err
	}
	n = min(n, im.test.N)
	return pca.Project(f, n, len(f)/n, 2), im.test.Labels[:n], nil
}

// Probe is the paper's linear evaluation on the loaded digits (see
// imagecpc.ProbeSets): fitted on the first ntrain train images, scored on
// the first ntest test images, the model's mean-pooled features beside the
// random-init model of its seed and raw pixels, each L2 chosen from l2.
// The baselines' rows are kept for the next call with the same arguments:
// they do not change as the model trains.
func (im *Images) Probe(ntrain, ntest int, l2 []float64) ([]imagecpc.ProbeRow, error) {
	switch {
	case im.trainer == nil:
		return nil, ErrNoModel
	case im.train == nil:
		return nil, ErrNoImages
	case ntrain < 10 || ntest < 1:
		return nil, fmt.Errorf("the probe needs 10 train images or more and a test image (got %d and %d)", ntrain, ntest)
	case len(l2) == 0:
		return nil, errors.New("the probe needs one L2 strength or more")
	}
	sets, err := imagecpc.ProbeSets(im.trainer.Model, im.trainer.Opts.Seed, im.train, im.test, ntrain, ntest, []int{1})
	if err != nil {
		return nil, err
	}
	key := fmt.Sprint(ntrain, ntest, l2, im.trainer.Opts.Seed, im.train.N, im.test.N)
	if im.baselines.key != key {
		im.baselines.key, im.baselines.rows = "", nil
		for _, s := range sets[1:] {
			r, p, err := s.Fit(l2)
			if err != nil {
				return nil, err
			}
			im.baselines.rows = append(im.baselines.rows, r)
			im.baselines.pixels = p // the last set's
		}
		im.baselines.key = key
	}
	r, p, err := sets[0].Fit(l2)
	if err != nil {
		return nil, err
	}
	im.reader = reader{p, im.Steps()}
	return append([]imagecpc.ProbeRow{r}, im.baselines.rows...), nil
}

// reader is a probe's classifier of the model's features, and the step
// of the model they were fitted on.
type reader struct {
	probe *imagecpc.LinearProbe
	step  int
}

// Reading is what the last probe's classifiers make of an image: the
// digit read from the model's features and from the pixels, and the
// image as the model saw it (28×28, framed as MNIST's digits are).
type Reading struct {
	Model, Pixels int
	Framed        []byte
}

// Read frames a drawn digit, w×h pixels of ink (0 background, 255 ink),
// as MNIST's are and reads it with the last probe's classifiers: the one
// of the model's features (fitted on the model as it was then: a model
// trained since needs a new probe) and the pixels'.
func (im *Images) Read(pix []byte, w, h int) (Reading, error) {
	switch {
	case im.trainer == nil:
		return Reading{}, ErrNoModel
	case im.reader.probe == nil:
		return Reading{}, errors.New("run the linear probe first: its classifiers read the digit")
	case im.reader.step != im.Steps():
		return Reading{}, fmt.Errorf("the model has trained since the probe (step %d, now %d): run the probe again", im.reader.step, im.Steps())
	}
	framed, err := images.Center(pix, w, h)
	if err != nil {
		return Reading{}, err
	}
	set := &images.Set{N: 1, H: 28, W: 28, Pix: framed, Labels: []byte{0}}
	f, err := im.trainer.Model.SetFeatures(set, 1, 1, 1)
	if err != nil {
		return Reading{}, err
	}
	return Reading{im.reader.probe.Classify(f)[0], im.baselines.pixels.Classify(imagecpc.Pixels(set, 1))[0], framed}, nil
}

// split returns the train or test set.
func (im *Images) split(name string) (*images.Set, error) {
	switch {
	case im.train == nil:
		return nil, ErrNoImages
	case name == "train":
		return im.train, nil
	case name == "test":
		return im.test, nil
	}
	return nil, fmt.Errorf("split %q: want train or test", name)
}
