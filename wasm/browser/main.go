//go:build js && wasm

// Command browser is the CPC trainer as a WebAssembly module for a Web
// Worker. It sets globalThis.cpc to an object of functions that each return
// a Promise (rejected with an Error naming what was wrong):
//
//	kernel()                        the kernel path in use ("relaxed", "simd128" or "generic")
//	decode(bytes, name)             WAV or FLAC bytes (16 kHz) → Float32Array
//	add(id, speaker, samples)       keep an utterance: Float32Array, 16 kHz mono
//	setSpeaker(id, speaker), remove(id)
//	newModel(settings)              a fresh model: {config: "small"|"paper", window, batch, lr, seed}
//	loadModel(bytes, settings)      a model.safetensors checkpoint, to continue training
//	configure(settings)             new training settings for the model (Adam restarts)
//	train(n, onStep)                up to n steps; onStep(metrics) after each, false stops
//	metrics()                       the last step's {step, loss, accuracy, lossK, accuracyK, gradNorm, stepsPerSec, seconds}
//	embed(samples)                  {frames, dim, data: c_t row-major, mean: mean c_t}
//	embedMeans(ids, maxSamples)     {dim, data}: mean c_t of each utterance, cut to its middle maxSamples
//	pca(data, rows, dim)            Float32Array of rows × 2: the first two principal components
//	exportModel()                   model.safetensors as a Uint8Array
//	join(group)                     train as one replica of group, a group object of www/group.js
//	leave()                         train alone again
//
// and the Images mode's (CPC on digits, core/session's Images), on a model
// of their own:
//
//	imagesLoad(trainImages, trainLabels, testImages, testLabels)  IDX files' bytes → {train, test} counts
//	imagesPixels(split, from, n)    {pixels, labels}: images from..from+n−1 of "train" or "test", as Uint8Arrays
//	imagesNewModel(settings)        a fresh model of the mnist preset: {batch, lr, seed}
//	imagesLoadModel(bytes, settings) a checkpoint of cpc train-images or imagesExport, to continue training
//	imagesTrain(n, onStep)          as train
//	imagesFeatures(split, n)        Float32Array [n, D + H]: the first n images' z and c, mean-pooled over the grid
//	imagesProjection(n)             {xy, labels}: the first n test images' features on two principal components
//	imagesProbe(trainImages, testImages) [{features, dim, l2, accuracy}]: the linear probe, beside random init and pixels
//	imagesRead(pixels, width, height) {model, pixels, framed}: a drawn digit (Uint8Array of ink) framed as MNIST's and read by the last probe's classifiers
//	imagesExport()                  model.safetensors (as cpc train-images writes it) as a Uint8Array
//
// Training yields to the event loop between steps, so the worker's messages
// (a pause, a new speaker tag) get through while it runs. Several workers
// train as one by each joining a group (data-parallel replicas: see
// core/session's SetGroup and package wasm/jsgroup): rank 0 is the page's
// engine, and every replica calls train with the same steps. All the work
// is in core; this package only checks and converts arguments.
package main

import (
	"fmt"
	"maps"
	"syscall/js"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/pca"
	"github.com/gocpc/cpc/core/session"
	"github.com/gocpc/cpc/wasm/jsgroup"
)

// maxDecode bounds a decoded file to 10 minutes at 16 kHz (38 MB), far
// more than one utterance needs and well within a tab's memory.
const maxDecode = 10 * 60 * audio.SampleRate

func main() {
	js.Global().Set("cpc", api(&session.Session{}, &session.Images{}))
	select {} // the functions run on calls from JavaScript
}

// method is one API function: arguments in, a value for JavaScript out.
type method func(args []js.Value) (any, error)

func api(se *session.Session, im *session.Images) js.Value {
	methods := map[string]method{
		"kernel": func([]js.Value) (any, error) { return asm.Path(), nil },
		"decode": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			b, name := take(r, "bytes", goBytes), take(r, "name", goString)
			if r.err != nil {
				return nil, r.err
			}
			x, err := audio.DecodeLimit(name, b, maxDecode)
			if err != nil {
				return nil, err
			}
			return jsFloats(x), nil
		},
		"add": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			id, speaker, x := take(r, "id", goString), take(r, "speaker", goString), take(r, "samples", goFloats)
			return nil, r.then(func() error { return se.Add(id, speaker, x) })
		},
		"setSpeaker": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			id, speaker := take(r, "id", goString), take(r, "speaker", goString)
			return nil, r.then(func() error { return se.SetSpeaker(id, speaker) })
		},
		"remove": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			id := take(r, "id", goString)
			return nil, r.then(func() error { return se.Remove(id) })
		},
		"newModel": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			s := take(r, "settings", goSettings)
			return info(se, r.then(func() error { return se.NewModel(s) }))
		},
		"loadModel": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			b, s := take(r, "bytes", goBytes), take(r, "settings", goSettings)
			return info(se, r.then(func() error { return se.LoadModel(b, s) }))
		},
		"configure": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			s := take(r, "settings", goSettings)
			return info(se, r.then(func() error { return se.Configure(s) }))
		},
		"train": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			n, onStep := take(r, "steps", goInt), take(r, "onStep", goCallback)
			if r.err != nil {
				return nil, r.err
			}
			met, err := se.Train(n, func(m cpc.Metrics) bool {
				more := onStep.IsUndefined() || onStep.Invoke(jsMetrics(&m)).Truthy()
				yield()
				return more
			})
			return jsMetrics(met), err
		},
		"metrics": func([]js.Value) (any, error) { return jsMetrics(se.Last()), nil },
		"embed": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			x := take(r, "samples", goFloats)
			if r.err != nil {
				return nil, r.err
			}
			e, err := se.Embed(x)
			if err != nil {
				return nil, err
			}
			return map[string]any{"frames": e.Frames, "dim": e.Dim, "data": jsFloats(e.Data), "mean": jsFloats(e.Mean().Data)}, nil
		},
		"embedMeans": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			ids, maxSamples := take(r, "ids", goStrings), take(r, "maxSamples", goInt)
			if r.err != nil {
				return nil, r.err
			}
			means, err := se.EmbedMeans(ids, maxSamples)
			if err != nil {
				return nil, err
			}
			m, _ := se.Model()
			return map[string]any{"dim": m.Arch.Hidden, "data": jsFloats(means)}, nil
		},
		"pca": func(a []js.Value) (any, error) {
			r := &args{vals: a}
			x, rows, dim := take(r, "data", goFloats), take(r, "rows", goInt), take(r, "dim", goInt)
			switch {
			case r.err != nil:
				return nil, r.err
			case rows < 1 || dim < 1 || len(x) != rows*dim:
				return nil, fmt.Errorf("pca: %d values are not %d rows of %d", len(x), rows, dim)
			}
			return jsFloats(pca.Project(x, rows, dim, 2)), nil
		},
		"join": func(a []js.Value) (any, error) {
			if len(a) < 1 {
				return nil, fmt.Errorf("group: want a group object")
			}
			g, err := jsgroup.New(a[0])
			if err != nil {
				return nil, fmt.Errorf("group: %w", err)
			}
			se.SetGroup(g)
			return nil, nil
		},
		"leave": func([]js.Value) (any, error) {
			se.SetGroup(nil)
			return nil, nil
		},
		"exportModel": func([]js.Value) (any, error) {
			b, err := se.Export()
			if err != nil {
				return nil, err
			}
			return jsBytes(b), nil
		},
	}
	maps.Copy(methods, imageMethods(im))
	obj := js.Global().Get("Object").New()
	for name, m := range methods {
		obj.Set(name, promise(m))
	}
	return obj
}

// info describes the model after a call that changed it: the
// architecture's fields with the window, batch and learning rate beside
// them under "config", the step and the parameter count.
func info(se *session.Session, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	m, opts := se.Model()
	n := 0
	for _, p := range m.Params() {
		n += len(p.W)
	}
	config := js.Global().Get("JSON").Call("parse", m.Arch.JSON())
	config.Set("window", opts.Window)
	config.Set("batch", opts.Batch)
	config.Set("lr", opts.LR)
	return map[string]any{"config": config, "step": se.Steps(), "parameters": n}, nil
}

// promise exposes m as a function returning a Promise. m runs on its own
// goroutine, so it may block (training does, between steps) while
// JavaScript runs; a panic rejects the Promise instead of ending the
// program.
func promise(m method) js.Func {
	return js.FuncOf(func(_ js.Value, args []js.Value) any {
		var executor js.Func
		executor = js.FuncOf(func(_ js.Value, settle []js.Value) any {
			resolve, reject := settle[0], settle[1]
			go func() {
				defer executor.Release()
				defer func() {
					if r := recover(); r != nil {
						reject.Invoke(jsError(fmt.Sprint("internal error: ", r)))
					}
				}()
				v, err := m(args)
				if err != nil {
					reject.Invoke(jsError(err.Error()))
					return
				}
				resolve.Invoke(v)
			}()
			return nil
		})
		return js.Global().Get("Promise").New(executor)
	})
}

func jsError(msg string) js.Value { return js.Global().Get("Error").New(msg) }

// yield returns to the event loop until a zero-delay timer fires: while
// this goroutine waits, no other is runnable, so the Go runtime hands
// control back to JavaScript, which handles the messages that came in.
func yield() {
	done := make(chan struct{})
	f := js.FuncOf(func(js.Value, []js.Value) any {
		close(done)
		return nil
	})
	defer f.Release()
	js.Global().Call("setTimeout", f, 0)
	<-done
}
