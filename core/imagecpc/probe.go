package imagecpc

import (
	"fmt"
	"slices"

	"github.com/gocpc/cpc/core/images"
)

// ProbeSet is one feature set of the linear evaluation (paper §3.2): its
// name and length, how to compute its features of the train and test
// images, and those images' labels.
type ProbeSet struct {
	Name          string
	Dim           int
	Train, Test   func() ([]float32, error)
	TrainY, TestY []byte
}

// ProbeRow is one row of the probe's table: a feature set, its length, the
// L2 strength cross-validation chose and the test accuracy.
type ProbeRow struct {
	Features string  `json:"features"`
	Dim      int     `json:"dim"`
	L2       float64 `json:"l2"`
	Accuracy float64 `json:"accuracy"`
}

// ProbeSets are the probe table's feature sets on the first ntrain images
// of train and the first ntest of test (each all where 0 or more than
// there are): m's features pooled over each regions count (1: the mean
// over the grid, the paper's), each followed by the random-init model's
// of seed (the one m's training started from), then raw pixels.
func ProbeSets(m *Model[float32], seed uint64, train, test *images.Set, ntrain, ntest int, regions []int) ([]ProbeSet, error) {
	ntrain, ntest = limit(ntrain, train.N), limit(ntest, test.N)
	random, err := RandomInit(m.Arch, seed)
	if err != nil {
		return nil, err
	}
	trainY, testY := train.Labels[:ntrain], test.Labels[:ntest]
	model := func(name string, m *Model[float32], r int) ProbeSet {
		return ProbeSet{name, m.Arch.PooledDim(r),
			func() ([]float32, error) { return m.SetFeatures(train, ntrain, 64, r) },
			func() ([]float32, error) { return m.SetFeatures(test, ntest, 64, r) },
			trainY, testY}
	}
	var sets []ProbeSet
	for _, r := range slices.Compact(regions) {
		pooled := "mean-pooled over the grid"
		if r > 1 {
			pooled = fmt.Sprintf("pooled over %d×%d regions", r, r)
		}
		sets = append(sets, model("CPC (z and c, "+pooled+")", m, r), model("random init (same architecture, "+pooled+")", random, r))
	}
	pixels := ProbeSet{"raw pixels", train.H * train.W,
		func() ([]float32, error) { return Pixels(train, ntrain), nil },
		func() ([]float32, error) { return Pixels(test, ntest), nil },
		trainY, testY}
	return append(sets, pixels), nil
}

// Fit fits the linear classifier on s's train features, its L2 chosen from
// l2 by 4-fold cross-validation, and scores it on the test features.
func (s ProbeSet) Fit(l2 []float64) (ProbeRow, *LinearProbe, error) {
	tr, err := s.Train()
	if err != nil {
		return ProbeRow{}, nil, err
	}
	te, err := s.Test()
	if err != nil {
		return ProbeRow{}, nil, err
	}
	classes := int(max(slices.Max(s.TrainY), slices.Max(s.TestY))) + 1
	p, err := FitLinear(tr, s.TrainY, s.Dim, classes, l2)
	if err != nil {
		return ProbeRow{}, nil, fmt.Errorf("probe of %s: %w", s.Name, err)
	}
	return ProbeRow{s.Name, s.Dim, p.L2(), p.Accuracy(te, s.TestY)}, p, nil
}

// limit is n, or all where n is 0 or more than all.
func limit(n, all int) int {
	if n <= 0 || n > all {
		return all
	}
	return n
}
