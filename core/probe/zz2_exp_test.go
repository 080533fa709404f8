package probe

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"gonum.org/v1/gonum/optimize"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/sample"
)

type rec struct{ n int }

func (r *rec) Init() error { return nil }
func (r *rec) Record(l *optimize.Location, op optimize.Operation, s *optimize.Stats) error {
	if op == optimize.MajorIteration {
		r.n++
		if r.n%50 == 0 {
			g := 0.0
			for _, v := range l.Gradient {
				g = math.Max(g, math.Abs(v))
			}
			fmt.Printf("it %d f %.8f gmax %.3g evals %d\n", r.n, l.F, g, s.FuncEvaluations)
		}
	}
	return nil
}

func TestZZCond(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	f, _ := sample.FS.Open("phones.txt")
	labels, _ := ReadLabels(f, "phones.txt")
	tr, _ := data.ReadSplit(sample.FS, "train.txt")
	te, _ := data.ReadSplit(sample.FS, "test.txt")
	c, _ := data.Scan(sample.FS, nil)
	ds, _ := NewDataset(c, labels, Split{"train", tr}, Split{"test", te})
	ds.Load(sample.FS)
	cfg, _ := cpc.Preset("small")
	m, _ := cpc.New[float32](cfg, rand.New(rand.NewPCG(1, 1)))
	ff, _ := ModelFeatures("random", m, "c")
	fr, _ := trainingFrames(ds, ff, Options{})
	std := NewStandardizer(fr.x, ff.Dim)
	mn, mx := float32(1e30), float32(0)
	for _, s := range std.Scale {
		mn, mx = min(mn, s), max(mx, s)
	}
	fmt.Println("scale range", mn, mx)
	std.Apply(fr.x)
	big := float32(0)
	for _, v := range fr.x {
		big = max(big, v, -v)
	}
	fmt.Println("max |x|", big)
	o := newObjective(fr.x, fr.phone, ff.Dim, 70, 1e-3)
	p := optimize.Problem{
		Func: func(w []float64) float64 { o.eval(w); return o.f },
		Grad: func(g, w []float64) { o.eval(w); copy(g, o.grad) },
	}
	settings := &optimize.Settings{GradientThreshold: 1e-5, MajorIterations: 600, Recorder: &rec{}, Converger: &optimize.FunctionConverge{Relative: 1e-9, Iterations: 20}}
	res, err := optimize.Minimize(p, make([]float64, (ff.Dim+1)*70), settings, &optimize.LBFGS{})
	fmt.Println(res.Status, err, res.F)
}
