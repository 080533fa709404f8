// Package plot draws training curves as PNG files. It stays out of the
// trainer so the browser's build does not carry the plotting library.
package plot

import (
	"bytes"
	"path/filepath"

	"github.com/gocpc/cpc/core/atomicfile"
	"github.com/gocpc/cpc/core/cpc"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// LossFile is the loss and accuracy chart, redrawn at every checkpoint.
const LossFile = "loss.png"

// Loss draws InfoNCE loss and accuracy against step, one above the other,
// into dir/loss.png.
func Loss(recs []cpc.Metrics, dir string) error {
	loss, acc := make(plotter.XYs, len(recs)), make(plotter.XYs, len(recs))
	for i, r := range recs {
		loss[i] = plotter.XY{X: float64(r.Step), Y: r.Loss}
		acc[i] = plotter.XY{X: float64(r.Step), Y: 100 * r.Accuracy}
	}
	top, err := linePlot("InfoNCE loss", "loss", loss)
	if err != nil {
		return err
	}
	bottom, err := linePlot("Prediction accuracy", "accuracy (%)", acc)
	if err != nil {
		return err
	}
	img := vgimg.New(8*vg.Inch, 7*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	return writePNG(img, filepath.Join(dir, LossFile))
}

func linePlot(title, ylabel string, xy plotter.XYs) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "step"
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	if len(xy) == 0 {
		return p, nil
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return nil, err
	}
	l.Width = vg.Points(1.5)
	p.Add(l)
	return p, nil
}

func writePNG(img *vgimg.Canvas, path string) error {
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}
