//go:build js && wasm

package main

import (
	"cmp"
	"fmt"
	"math"
	"syscall/js"
	"unsafe"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/session"
)

// Conversions between JavaScript values and Go's. Typed arrays are copied
// as bytes: wasm memory is little-endian, and so is every platform a
// browser runs on, so a Float32Array's bytes are a []float32's.

// args reads a call's arguments in order; the first one that does not
// convert is the call's error.
type args struct {
	vals []js.Value
	n    int
	err  error
}

// take converts the next argument (undefined if the caller gave fewer).
func take[T any](r *args, what string, convert func(js.Value, string) (T, error)) T {
	v := js.Undefined()
	if r.n < len(r.vals) {
		v = r.vals[r.n]
	}
	r.n++
	x, err := convert(v, what)
	r.err = cmp.Or(r.err, err)
	return x
}

// then runs f if every argument converted.
func (r *args) then(f func() error) error {
	if r.err != nil {
		return r.err
	}
	return f()
}

func byteView[T any](x []T) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), len(x)*int(unsafe.Sizeof(x[0])))
}

func goFloats(v js.Value, what string) ([]float32, error) {
	if !v.InstanceOf(js.Global().Get("Float32Array")) {
		return nil, fmt.Errorf("%s: want a Float32Array, got %s", what, v.Type())
	}
	x := make([]float32, v.Length())
	u8 := js.Global().Get("Uint8Array").New(v.Get("buffer"), v.Get("byteOffset"), 4*len(x))
	js.CopyBytesToGo(byteView(x), u8)
	return x, nil
}

func goBytes(v js.Value, what string) ([]byte, error) {
	if !v.InstanceOf(js.Global().Get("Uint8Array")) {
		return nil, fmt.Errorf("%s: want a Uint8Array, got %s", what, v.Type())
	}
	b := make([]byte, v.Length())
	js.CopyBytesToGo(b, v)
	return b, nil
}

func goString(v js.Value, what string) (string, error) {
	if v.Type() != js.TypeString {
		return "", fmt.Errorf("%s: want a string, got %s", what, v.Type())
	}
	return v.String(), nil
}

func goStrings(v js.Value, what string) ([]string, error) {
	if !js.Global().Get("Array").Call("isArray", v).Bool() {
		return nil, fmt.Errorf("%s: want an array of strings, got %s", what, v.Type())
	}
	s := make([]string, v.Length())
	for i := range s {
		var err error
		if s[i], err = goString(v.Index(i), fmt.Sprintf("%s[%d]", what, i)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// goNumber reads a finite number; integral ones must be whole and within
// [0, 2^53). An undefined value gives 0, which callers take as "unset".
func goNumber(v js.Value, what string, integral bool) (float64, error) {
	if v.IsUndefined() || v.IsNull() {
		return 0, nil
	}
	if v.Type() != js.TypeNumber {
		return 0, fmt.Errorf("%s: want a number, got %s", what, v.Type())
	}
	f := v.Float()
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, fmt.Errorf("%s: %v is not a finite number", what, f)
	case integral && (f != math.Trunc(f) || f < 0 || f >= 1<<53):
		return 0, fmt.Errorf("%s: %v is not a whole number ≥ 0", what, f)
	}
	return f, nil
}

// goCallback reads an optional function.
func goCallback(v js.Value, what string) (js.Value, error) {
	if !v.IsUndefined() && v.Type() != js.TypeFunction {
		return v, fmt.Errorf("%s: want a function, got %s", what, v.Type())
	}
	return v, nil
}

func goInt(v js.Value, what string) (int, error) {
	f, err := goNumber(v, what, true)
	return int(f), err
}

// fields reads the fields of an optional settings object: undefined or
// null has none, and the first field that cannot be read is the error.
type fields struct {
	v    js.Value
	what string
	err  error
}

func newFields(v js.Value, what string) *fields {
	f := &fields{v: v, what: what}
	switch {
	case v.IsUndefined() || v.IsNull():
		f.v = js.ValueOf(map[string]any{})
	case v.Type() != js.TypeObject:
		f.err = fmt.Errorf("%s: want an object, got %s", what, v.Type())
	}
	return f
}

func (f *fields) num(name string, integral bool) float64 {
	if f.err != nil {
		return 0
	}
	x, err := goNumber(f.v.Get(name), f.what+"."+name, integral)
	f.err = err
	return x
}

func (f *fields) str(name string) string {
	if f.err != nil || f.v.Get(name).IsUndefined() {
		return ""
	}
	s, err := goString(f.v.Get(name), f.what+"."+name)
	f.err = err
	return s
}

// goSettings reads {config, window, batch, lr, seed}, every field optional.
func goSettings(v js.Value, what string) (session.Settings, error) {
	f := newFields(v, what)
	s := session.Settings{Config: f.str("config"), Window: int(f.num("window", true)), Batch: int(f.num("batch", true)),
		LR: f.num("lr", false), Seed: uint64(f.num("seed", true))}
	return s, f.err
}

// goImageSettings reads {batch, lr, seed}, every field optional.
func goImageSettings(v js.Value, what string) (session.ImageSettings, error) {
	f := newFields(v, what)
	s := session.ImageSettings{Batch: int(f.num("batch", true)), LR: f.num("lr", false), Seed: uint64(f.num("seed", true))}
	return s, f.err
}

func jsFloats(x []float32) js.Value {
	u8 := js.Global().Get("Uint8Array").New(4 * len(x))
	js.CopyBytesToJS(u8, byteView(x))
	return js.Global().Get("Float32Array").New(u8.Get("buffer"))
}

func jsBytes(b []byte) js.Value {
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	return u8
}

func jsArray(x []float64) []any {
	a := make([]any, len(x))
	for i, v := range x {
		a[i] = v
	}
	return a
}

func jsMetrics(m *cpc.Metrics) any {
	if m == nil {
		return nil
	}
	return map[string]any{"step": m.Step, "loss": m.Loss, "accuracy": m.Accuracy,
		"lossK": jsArray(m.LossK), "accuracyK": jsArray(m.AccuracyK), "gradNorm": m.GradNorm,
		"stepsPerSec": m.StepsPerSec, "seconds": m.Seconds}
}
