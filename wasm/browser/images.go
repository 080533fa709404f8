//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/imagecpc"
	"github.com/gocpc/cpc/core/session"
)

// imageMethods are the Images mode's functions (see the package comment),
// on one session.Images.
func imageMethods(im *session.Images) map[string]method {
	return map[string]method{
		"imagesLoad": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			ti, tl := take(r, "trainImages", goBytes), take(r, "trainLabels", goBytes)
			si, sl := take(r, "testImages", goBytes), take(r, "testLabels", goBytes)
			if err := r.then(func() error { return im.Load(ti, tl, si, sl) }); err != nil {
				return nil, err
			}
			train, test := im.Counts()
			return map[string]any{"train": train, "test": test}, nil
		},
		"imagesPixels": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			split, from, n := take(r, "split", goString), take(r, "from", goInt), take(r, "n", goInt)
			if r.err != nil {
				return nil, r.err
			}
			pix, labels, err := im.Pixels(split, from, n)
			if err != nil {
				return nil, err
			}
			return map[string]any{"pixels": jsBytes(pix), "labels": jsBytes(labels)}, nil
		},
		"imagesNewModel": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			s := take(r, "settings", goImageSettings)
			return imageInfo(im, r.then(func() error { return im.NewModel(s) }))
		},
		"imagesLoadModel": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			b, s := take(r, "bytes", goBytes), take(r, "settings", goImageSettings)
			return imageInfo(im, r.then(func() error { return im.LoadModel(b, s) }))
		},
		"imagesTrain": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			n, onStep := take(r, "steps", goInt), take(r, "onStep", goCallback)
			if r.err != nil {
				return nil, r.err
			}
			met, err := im.Train(n, func(m cpc.Metrics) bool {
				more := onStep.IsUndefined() || onStep.Invoke(jsMetrics(&m)).Truthy()
				yield()
				return more
			})
			return jsMetrics(met), err
		},
		"imagesFeatures": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			split, n := take(r, "split", goString), take(r, "n", goInt)
			if r.err != nil {
				return nil, r.err
			}
			f, err := im.Features(split, n)
			if err != nil {
				return nil, err
			}
			return jsFloats(f), nil
		},
		"imagesProjection": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			n := take(r, "n", goInt)
			if r.err != nil {
				return nil, r.err
			}
			xy, labels, err := im.Projection(n)
			if err != nil {
				return nil, err
			}
			return map[string]any{"xy": jsFloats(xy), "labels": jsBytes(labels)}, nil
		},
		"imagesProbe": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			ntrain, ntest := take(r, "trainImages", goInt), take(r, "testImages", goInt)
			if r.err != nil {
				return nil, r.err
			}
			rows, err := im.Probe(ntrain, ntest, imagecpc.L2Grid)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(rows))
			for i, row := range rows {
				out[i] = map[string]any{"features": row.Features, "dim": row.Dim, "l2": row.L2, "accuracy": row.Accuracy}
			}
			return out, nil
		},
		"imagesRead": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			pix, w, h := take(r, "pixels", goBytes), take(r, "width", goInt), take(r, "height", goInt)
			if r.err != nil {
				return nil, r.err
			}
			got, err := im.Read(pix, w, h)
			if err != nil {
				return nil, err
			}
			return map[string]any{"model": got.Model, "pixels": got.Pixels, "framed": jsBytes(got.Framed)}, nil
		},
		"imagesExport": func([]js.Value) (any, error) {
			b, err := im.Export()
			if err != nil {
				return nil, err
			}
			return jsBytes(b), nil
		},
	}
}

// imageInfo describes the image model after a call that changed it: the
// architecture's fields with the batch and learning rate under "config",
// the step and the parameter count.
func imageInfo(im *session.Images, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	m, o := im.Model(), im.Options()
	n := 0
	for _, p := range m.Params() {
		n += len(p.W)
	}
	a := m.Arch
	config := map[string]any{"name": a.Name, "image": a.Image, "grid": a.Grid(), "patch": a.Patch, "step": a.Step,
		"dim": a.Dim, "hidden": a.Hidden, "predictionSteps": a.Predict, "batch": o.Batch, "lr": o.LR}
	return map[string]any{"config": config, "step": im.Steps(), "parameters": n}, nil
}
