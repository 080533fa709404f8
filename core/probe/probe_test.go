package probe

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// synthDataset has speakers × utts utterances (the last of each speaker
// for test, the others for training) of frames label spans each, with random phone labels in [0, classes). Each label
// span of the audio holds the number 100·speaker + label, so features can
// read what they are meant to carry.
func synthDataset(t *testing.T, speakers, utts, frames, classes int, seed uint64) *Dataset {
	t.Helper()
	c := synthCorpus(speakers, utts, frames)
	rng := rand.New(rand.NewPCG(seed, 1))
	var text strings.Builder
	var train, test Split
	for i := range c.Utterances {
		u := &c.Utterances[i]
		spk := i / utts
		text.WriteString(u.ID)
		for f := 0; f < frames; f++ {
			l := rng.IntN(classes)
			fmt.Fprintf(&text, " %d", l)
			for s := f * LabelHop; s < (f+1)*LabelHop; s++ {
				u.Audio[s] = float32(100*spk + l)
			}
		}
		text.WriteByte('\n')
		if i%utts == utts-1 {
			test.IDs = append(test.IDs, u.ID)
		} else {
			train.IDs = append(train.IDs, u.ID)
		}
	}
	labels, err := ReadLabels(strings.NewReader(text.String()), "phones.txt")
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDataset(c, labels, train, test)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.checkLengths(); err != nil {
		t.Fatal(err)
	}
	return d
}

// codeFeatures have the paper encoder's geometry (465 samples, hop 160).
// With informative set, frame t reads the number at its centre sample and
// puts a bump of height 3 on that phone's and that speaker's dimensions,
// under Gaussian noise of deviation noise; otherwise it is noise alone.
func codeFeatures(classes, speakers int, noise float64, informative bool) Features {
	dim := classes + speakers
	return Features{Name: "code", Dim: dim, Width: 465, Hop: 160, Compute: func(x []float32) []float32 {
		n := (len(x)-465)/160 + 1
		rng := rand.New(rand.NewPCG(uint64(len(x)), uint64(x[0])+uint64(x[len(x)/2])<<16))
		out := make([]float32, n*dim)
		for t := 0; t < n; t++ {
			row := out[t*dim : (t+1)*dim]
			for j := range row {
				row[j] = float32(noise * rng.NormFloat64())
			}
			if informative {
				v := int(x[160*t+232])
				row[v%100] += 3
				row[classes+v/100] += 3
			}
		}
		return out
	}}
}

// TestSeparable: when the frame's features name its phone and speaker,
// both probes are perfect, which needs each frame aligned with the label
// at the centre of its span (a frame off gives chance: labels are random).
func TestSeparable(t *testing.T) {
	const speakers, classes = 4, 6
	d := synthDataset(t, speakers, 4, 60, classes, 1)
	r, err := Run(d, codeFeatures(classes, speakers, 0.3, true), Options{Fit: FitOptions{L2: 1e-4}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Phone < 0.99 || r.SpeakerFrame < 0.99 || r.SpeakerUtterance != 1 {
		t.Errorf("separable features: phone %.3f, speaker %.3f per frame, %.3f per utterance; want ~1", r.Phone, r.SpeakerFrame, r.SpeakerUtterance)
	}
	// 60 spans of 160 samples make 58 frames of 465, all labelled.
	if r.TestFrames != speakers*58 || r.TrainFrames != 3*speakers*58 || r.TestUtterances != speakers {
		t.Errorf("%d train and %d test frames, %d test utterances", r.TrainFrames, r.TestFrames, r.TestUtterances)
	}
}

// TestAhead: features that name the phone two frames late read at chance
// (labels are random); read two frames later (Ahead), they are perfect
// again, and each utterance loses its last two frames.
func TestAhead(t *testing.T) {
	const speakers, classes = 4, 6
	d := synthDataset(t, speakers, 4, 60, classes, 1)
	code := codeFeatures(classes, speakers, 0.3, true)
	late := code
	late.Compute = func(x []float32) []float32 {
		rows := code.Compute(x)
		return append(make([]float32, 2*code.Dim), rows[:len(rows)-2*code.Dim]...)
	}
	for _, c := range []struct {
		f      Features
		lo, hi float64
		frames int
	}{{late, 0, 0.3, 58}, {Ahead(late, 2), 0.99, 1, 56}} {
		r, err := Run(d, c.f, Options{Fit: FitOptions{L2: 1e-4}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Phone < c.lo || r.Phone > c.hi || r.TestFrames != speakers*c.frames {
			t.Errorf("phone accuracy %.3f on %d test frames; want %g to %g on %d", r.Phone, r.TestFrames, c.lo, c.hi, speakers*c.frames)
		}
	}
}

// TestRandomLabels: features that carry nothing give chance accuracy.
func TestRandomLabels(t *testing.T) {
	const speakers, classes = 4, 4
	d := synthDataset(t, speakers, 4, 400, classes, 2)
	r, err := Run(d, codeFeatures(classes, speakers, 1, false), Options{Fit: FitOptions{L2: 1e-4}})
	if err != nil {
		t.Fatal(err)
	}
	// 1588 test frames: chance is 25 % ± 1.1 % (one standard deviation).
	if math.Abs(r.Phone-0.25) > 0.05 || math.Abs(r.SpeakerFrame-0.25) > 0.05 {
		t.Errorf("uninformative features: phone %.3f, speaker %.3f per frame; want ~0.25", r.Phone, r.SpeakerFrame)
	}
}

// TestTooShort: an utterance without a single frame is named.
func TestTooShort(t *testing.T) {
	c := synthCorpus(1, 2, 2)
	labels, err := ReadLabels(strings.NewReader(labelText(c, 2)), "phones.txt")
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDataset(c, labels, Split{"train", []string{"1-1-0"}}, Split{"test", []string{"1-1-1"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(d, MFCC(), Options{})
	if want := "utterance 1-1-0: 320 samples make no frame of mfcc (400 samples each)"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// TestMaxTrainFrames: a frame sample of the requested size, the same for
// the same seed.
func TestMaxTrainFrames(t *testing.T) {
	d := synthDataset(t, 2, 4, 60, 3, 3)
	f := codeFeatures(3, 2, 0.3, true)
	a, err := trainingFrames(d, f, Options{MaxTrainFrames: 50, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := trainingFrames(d, f, Options{MaxTrainFrames: 50, Seed: 5})
	if len(a.phone) != 50 || len(a.x) != 50*f.Dim || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("sample of %d rows (%d values), or differs between runs", len(a.phone), len(a.x))
	}
	// Reservoir sampling reaches the later utterances too.
	if !slices.Contains(a.speaker, 1) {
		t.Errorf("the sample holds no frame of the second speaker")
	}
}

// TestObjectiveGradient compares the analytic gradient with central
// differences of the objective itself.
func TestObjectiveGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const n, dim, classes = 37, 5, 4
	x := make([]float32, n*dim)
	y := make([]int32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for i := range y {
		y[i] = int32(rng.IntN(classes))
	}
	o := newObjective(x, y, dim, classes, 0.1)
	p := make([]float64, (dim+1)*classes)
	for i := range p {
		p[i] = 0.5 * rng.NormFloat64()
	}
	o.eval(p)
	grad := append([]float64(nil), o.grad...)
	const h = 1e-2
	for i := range p {
		q := append([]float64(nil), p...)
		q[i] += h
		o.eval(q)
		up := o.f
		q[i] -= 2 * h
		o.eval(q)
		if num := (up - o.f) / (2 * h); math.Abs(num-grad[i]) > 1e-3 {
			t.Errorf("parameter %d: gradient %.5f, central difference %.5f", i, grad[i], num)
		}
	}
}
