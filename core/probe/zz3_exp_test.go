package probe

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/sample"
)

func TestZZTrainAcc(t *testing.T) {
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
	for _, s := range strings.Fields(os.Getenv("ZZFEATS")) {
		var ff Features
		if s == "mfcc" {
			ff = MFCC()
		} else {
			m, _, _ := cpc.Load(s)
			ff, _ = ModelFeatures(s, m, "c")
		}
		fr, _ := trainingFrames(ds, ff, Options{})
		std := NewStandardizer(fr.x, ff.Dim)
		std.Apply(fr.x)
		cl, _ := Fit(fr.x, fr.phone, ff.Dim, 70, FitOptions{L2: 1e-4})
		n := len(fr.phone)
		sc := make([]float32, n*70)
		cl.Scores(fr.x, n, sc)
		hit := 0
		for i, l := range fr.phone {
			if argmax(sc[i*70:(i+1)*70]) == int(l) {
				hit++
			}
		}
		// per-class counts in train/test
		fmt.Printf("%s train acc %.1f\n", s, 100*float64(hit)/float64(n))
	}
}
