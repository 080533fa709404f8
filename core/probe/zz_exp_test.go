package probe

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/sample"
)

func TestZZExp(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	f, _ := sample.FS.Open("phones.txt")
	labels, _ := ReadLabels(f, "phones.txt")
	tr, _ := data.ReadSplit(sample.FS, "train.txt")
	te, _ := data.ReadSplit(sample.FS, "test.txt")
	c, _ := data.Scan(sample.FS, nil)
	ds, err := NewDataset(c, labels, Split{"train", tr}, Split{"test", te})
	if err != nil {
		t.Fatal(err)
	}
	ds.Load(sample.FS)
	var feats []Features
	for _, s := range strings.Fields(os.Getenv("ZZFEATS")) {
		switch s {
		case "mfcc":
			feats = append(feats, MFCC())
		case "random":
			cfg, _ := cpc.Preset("small")
			m, _ := cpc.New[float32](cfg, rand.New(rand.NewPCG(1, 1)))
			ff, _ := ModelFeatures("random", m, "c")
			feats = append(feats, ff)
		case "":
		default:
			m, _, err := cpc.Load(s)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range []string{"c"} {
				ff, _ := ModelFeatures(s+":"+l, m, l)
				feats = append(feats, ff)
				if os.Getenv("ZZCHUNK") != "" {
					cf := ff
					cf.Name += ":chunk"
					cf.Compute = func(x []float32) []float32 {
						ws := m.NewWorkspace(1, len(x))
						ws.Encode(x)
						z := ws.Z()
						H := m.Config.Hidden
						T := len(z) / m.Config.Channels
						out := make([]float32, T*H)
						L := m.Config.Frames(m.Config.Window)
						for s := 0; s < T; s += L {
							n := min(L, T-s)
							cache := m.GRU.NewCache(n, 1)
							m.GRU.Forward(z[s*m.Config.Channels:(s+n)*m.Config.Channels], out[s*H:(s+n)*H], cache)
						}
						return out
					}
					feats = append(feats, cf)
				}
				if w, _ := strconv.Atoi(os.Getenv("ZZW")); w != 0 {
					ff.Width = w
					ff.Name += ":w" + os.Getenv("ZZW")
					feats = append(feats, ff)
				}
			}
		}
	}
	l2, _ := strconv.ParseFloat(os.Getenv("ZZL2"), 64)
	it, _ := strconv.Atoi(os.Getenv("ZZIT"))
	for _, ff := range feats {
		st := time.Now()
		r, err := Run(ds, ff, Options{Fit: FitOptions{L2: l2, MaxIterations: it}})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("%-30s l2 %g it %d: phone %.1f spk %.1f / %.1f  fits %v %v  %.1fs\n", ff.Name, l2, it, 100*r.Phone, 100*r.SpeakerUtterance, 100*r.SpeakerFrame, r.PhoneFit, r.SpeakerFit, time.Since(st).Seconds())
	}
}
