package probe

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/nn"
)

// Options tune a probe run.
type Options struct {
	Fit            FitOptions
	L2Grid         []float64 // if set, each classifier's L2 is chosen from it by cross-validation (fitSelected), overriding Fit.L2
	MaxTrainFrames int       // 0: every frame; else a uniform sample of this many, drawn with Seed
	Seed           uint64    // for the frame sample
}

// Result is one row of the table: accuracies in [0, 1] on the test split.
type Result struct {
	Features         string  `json:"features"`
	Dim              int     `json:"dim"`
	Phone            float64 `json:"phone_accuracy"`             // per frame
	SpeakerUtterance float64 `json:"speaker_utterance_accuracy"` // per utterance
	SpeakerFrame     float64 `json:"speaker_frame_accuracy"`     // per frame
	TrainFrames      int     `json:"train_frames"`               // frames the classifiers were fitted on
	TestFrames       int     `json:"test_frames"`
	TestUtterances   int     `json:"test_utterances"`
	PhoneFit         FitInfo `json:"phone_fit"`
	SpeakerFit       FitInfo `json:"speaker_fit"`
}

// Run probes features f on d: a phone classifier and a speaker classifier
// are fitted on the frames of the train split and scored on the test
// split. Frame t of an utterance takes the label LabelFor(t, f.Width,
// f.Hop); frames past the end of the labels are left out. An utterance's
// speaker is the argmax of the mean of its frames' log-probabilities.
func Run(d *Dataset, f Features, opt Options) (Result, error) {
	if len(opt.L2Grid) > 0 {
		if err := d.checkFolds(); err != nil {
			return Result{}, err
		}
	}
	train, err := trainingFrames(d, f, opt)
	if err != nil {
		return Result{}, err
	}
	std := NewStandardizer(train.x, f.Dim)
	std.Apply(train.x)
	phone, err := fitSelected(train.x, train.phone, train.fold, nil, f.Dim, d.Labels.Classes, opt)
	if err != nil {
		return Result{}, fmt.Errorf("%s: phone classifier: %w", f.Name, err)
	}
	speaker, err := fitSelected(train.x, train.speaker, train.fold, train.utt, f.Dim, len(d.Speakers), opt)
	if err != nil {
		return Result{}, fmt.Errorf("%s: speaker classifier: %w", f.Name, err)
	}
	r := Result{Features: f.Name, Dim: f.Dim, TrainFrames: len(train.phone), TestUtterances: len(d.Test),
		PhoneFit: phone.Fit, SpeakerFit: speaker.Fit}
	var t tally
	err = eachFrames(d, f, d.Test, func(u *data.Utterance, x []float32, labels []int32) {
		std.Apply(x)
		t.add(phone, speaker, int(d.speaker(u)), x, labels)
	})
	if err != nil {
		return Result{}, err
	}
	r.TestFrames = t.frames
	r.Phone = float64(t.phone) / float64(t.frames)
	r.SpeakerFrame = float64(t.speakerFrames) / float64(t.frames)
	r.SpeakerUtterance = float64(t.speakerUtts) / float64(len(d.Test))
	return r, nil
}

// tally counts the test frames and utterances and the correct answers.
type tally struct {
	frames, phone, speakerFrames, speakerUtts int
}

// add scores one test utterance: standardised rows x, their phone labels
// and the speaker's class.
func (t *tally) add(phone, speaker *Classifier, spk int, x []float32, labels []int32) {
	n := len(labels)
	t.frames += n
	ps := make([]float32, n*phone.Classes)
	phone.Scores(x, n, ps)
	for i, l := range labels {
		if argmax(ps[i*phone.Classes:(i+1)*phone.Classes]) == int(l) {
			t.phone++
		}
	}
	k := speaker.Classes
	ss, lse := make([]float32, n*k), make([]float32, n)
	speaker.Scores(x, n, ss)
	nn.LogSumExp(n, k, ss, k, lse)
	total := make([]float64, k) // the sum of log-probabilities: argmax as the mean's
	for i := 0; i < n; i++ {
		row := ss[i*k : (i+1)*k]
		if argmax(row) == spk {
			t.speakerFrames++
		}
		addLogProbs(total, row, lse[i])
	}
	if argmax(total) == spk {
		t.speakerUtts++
	}
}

// frames are the training rows, their two labels and cross-validation
// folds (see Folds).
type frames struct {
	x                   []float32
	phone, speaker, utt []int32 // utt: the utterance's index in the train split
	fold                []int8
}

// trainingFrames gathers the train split's frames, or a uniform sample of
// opt.MaxTrainFrames of them (reservoir sampling, so the whole set never
// has to be in memory).
func trainingFrames(d *Dataset, f Features, opt Options) (frames, error) {
	var fr frames
	limit := opt.MaxTrainFrames
	rng := rand.New(rand.NewPCG(opt.Seed, 4)) // a stream the trainer's seed does not use (1–3)
	seen := 0
	utts := make([]int, len(d.Speakers)) // each speaker's train utterances so far
	ui := int32(-1)
	err := eachFrames(d, f, d.Train, func(u *data.Utterance, x []float32, labels []int32) {
		spk := d.speaker(u)
		fold := int8(utts[spk] % Folds)
		utts[spk]++
		ui++
		for i, l := range labels {
			row := x[i*f.Dim : (i+1)*f.Dim]
			seen++
			if limit == 0 || len(fr.phone) < limit {
				fr.x = append(fr.x, row...)
				fr.phone = append(fr.phone, l)
				fr.speaker = append(fr.speaker, spk)
				fr.utt = append(fr.utt, ui)
				fr.fold = append(fr.fold, fold)
				continue
			}
			if j := rng.IntN(seen); j < limit {
				copy(fr.x[j*f.Dim:(j+1)*f.Dim], row)
				fr.phone[j], fr.speaker[j], fr.utt[j], fr.fold[j] = l, spk, ui, fold
			}
		}
	})
	return fr, err
}

// eachFrames computes the features of utts, several at a time, and hands
// each utterance's labelled rows with their phone labels to use, in order.
func eachFrames(d *Dataset, f Features, utts []*data.Utterance, use func(u *data.Utterance, x []float32, labels []int32)) error {
	workers := runtime.GOMAXPROCS(0)
	rows, errs := make([][]float32, workers), make([]error, workers)
	for start := 0; start < len(utts); start += workers {
		batch := utts[start:min(start+workers, len(utts))]
		var wg sync.WaitGroup
		for i, u := range batch {
			wg.Go(func() {
				x, err := u.ReadAll() // from the corpus cache, if it has one
				rows[i], errs[i] = f.Compute(x), err
			})
		}
		wg.Wait()
		if err := errors.Join(errs[:len(batch)]...); err != nil {
			return err
		}
		for i, u := range batch {
			x := rows[i]
			frames := len(x) / f.Dim
			if frames == 0 {
				return fmt.Errorf("utterance %s: %d samples make no frame of %s (%d samples each)", u.ID, u.Samples(), f.Name, f.Width)
			}
			all, _ := d.Labels.Of(u.ID)
			n := 0
			for n < frames && LabelFor(n, f.Width, f.Hop) < len(all) {
				n++
			}
			labels := make([]int32, n)
			for t := range labels {
				labels[t] = all[LabelFor(t, f.Width, f.Hop)]
			}
			use(u, x[:n*f.Dim], labels)
		}
	}
	return nil
}

// addLogProbs adds the log-probabilities of one row of scores, whose
// log-sum-exp is lse, to total.
func addLogProbs(total []float64, scores []float32, lse float32) {
	for j, v := range scores {
		total[j] += float64(v - lse)
	}
}

// argmax is the index of the first largest value.
func argmax[T float32 | float64](v []T) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
