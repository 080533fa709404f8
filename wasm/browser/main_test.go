//go:build js && wasm

package main

import (
	"errors"
	"math"
	"slices"
	"strings"
	"syscall/js"
	"testing"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/session"
)

// call calls the API function name as JavaScript would and waits for its
// promise.
func call(obj js.Value, name string, args ...any) (js.Value, error) {
	var v js.Value
	var err error
	done := make(chan struct{})
	resolve := js.FuncOf(func(_ js.Value, a []js.Value) any {
		v = a[0]
		close(done)
		return nil
	})
	reject := js.FuncOf(func(_ js.Value, a []js.Value) any {
		err = errors.New(a[0].Get("message").String())
		close(done)
		return nil
	})
	defer resolve.Release()
	defer reject.Release()
	obj.Call(name, args...).Call("then", resolve, reject)
	<-done
	return v, err
}

func must(t *testing.T, obj js.Value, name string, args ...any) js.Value {
	t.Helper()
	v, err := call(obj, name, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func object(kv map[string]any) js.Value { return js.ValueOf(kv) }

// tone is n samples of a sine of freq radians a sample.
func tone(n int, freq float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.4 * math.Sin(float64(i)*freq))
	}
	return x
}

func TestAPI(t *testing.T) {
	obj := api(&session.Session{}, &session.Images{})
	if k := must(t, obj, "kernel").String(); k != asm.Path() || k == "" {
		t.Errorf("kernel %q, the path in use is %q", k, asm.Path())
	}

	x := tone(3000, 0.05)
	wav := audio.EncodeWAV16(x, audio.SampleRate)
	decoded := must(t, obj, "decode", jsBytes(wav), "a.wav")
	want, _ := audio.Decode("a.wav", wav)
	if got, _ := goFloats(decoded, ""); !slices.Equal(got, want) {
		t.Fatal("decode differs from audio.Decode")
	}
	for i, id := range []string{"a-1-0", "a-1-1", "b-1-0"} {
		must(t, obj, "add", id, id[:1], jsFloats(tone(3000+500*i, 0.02*float64(i+1))))
	}

	info := must(t, obj, "newModel", object(map[string]any{"window": 2400, "batch": 2, "lr": 1e-3}))
	if info.Get("config").Get("window").Int() != 2400 || info.Get("parameters").Int() < 100000 || info.Get("step").Int() != 0 {
		t.Fatalf("newModel: %v", js.Global().Get("JSON").Call("stringify", info))
	}

	// Training yields between steps: a timer set during step 1 fires
	// before step 2 ends, and onStep's false stops after step 2.
	fired := false
	var steps []int
	timer := js.FuncOf(func(js.Value, []js.Value) any { fired = true; return nil })
	defer timer.Release()
	onStep := js.FuncOf(func(_ js.Value, a []js.Value) any {
		steps = append(steps, a[0].Get("step").Int())
		if len(steps) == 1 {
			js.Global().Call("setTimeout", timer, 0)
			return true
		}
		return !fired
	})
	defer onStep.Release()
	met := must(t, obj, "train", 5, onStep)
	if !slices.Equal(steps, []int{1, 2}) || met.Get("step").Int() != 2 || met.Get("lossK").Length() != 12 {
		t.Fatalf("steps %v, metrics %v", steps, js.Global().Get("JSON").Call("stringify", met))
	}
	if must(t, obj, "metrics").Get("step").Int() != 2 {
		t.Error("metrics are not the last step's")
	}

	e := must(t, obj, "embed", jsFloats(x))
	frames, dim := e.Get("frames").Int(), e.Get("dim").Int()
	if dim != 128 || e.Get("data").Length() != frames*dim || e.Get("mean").Length() != dim {
		t.Fatalf("embed: %d frames of %d, %d values", frames, dim, e.Get("data").Length())
	}
	means := must(t, obj, "embedMeans", js.ValueOf([]any{"a-1-0", "b-1-0", "a-1-1"}), 2000)
	xy := must(t, obj, "pca", means.Get("data"), 3, means.Get("dim"))
	if xy.Length() != 6 {
		t.Errorf("pca: %d values for 3 rows", xy.Length())
	}

	b, err := goBytes(must(t, obj, "exportModel"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, meta, err := cpc.Decode(b); err != nil || meta["step"] != "2" {
		t.Fatalf("exported checkpoint: step %q, %v", meta["step"], err)
	}
	if info := must(t, obj, "loadModel", jsBytes(b), object(map[string]any{"lr": 1e-4})); info.Get("step").Int() != 2 {
		t.Errorf("loadModel: step %d", info.Get("step").Int())
	}
}

func TestAPIArguments(t *testing.T) {
	obj := api(&session.Session{}, &session.Images{})
	for _, c := range []struct {
		name string
		args []any
		want string
	}{
		{"decode", []any{"bytes", "a.wav"}, "bytes: want a Uint8Array"},
		{"decode", []any{jsBytes([]byte("OggS....")), "a.ogg"}, "a.ogg: not a WAV or FLAC file: looks like an Ogg stream"},
		{"add", []any{"a", "s", js.ValueOf([]any{1, 2})}, "samples: want a Float32Array"},
		{"add", []any{7, "s", jsFloats(nil)}, "id: want a string"},
		{"newModel", []any{object(map[string]any{"batch": 2.5})}, "settings.batch: 2.5 is not a whole number"},
		{"newModel", []any{object(map[string]any{"config": 3})}, "settings.config: want a string"},
		{"newModel", []any{"small"}, "settings: want an object"},
		{"train", []any{1, "onStep"}, "onStep: want a function"},
		{"train", []any{-1}, "steps: -1 is not a whole number"},
		{"embedMeans", []any{"a", 1}, "ids: want an array"},
		{"pca", []any{jsFloats(make([]float32, 5)), 2, 3}, "5 values are not 2 rows of 3"},
		{"exportModel", nil, "no model"},
		{"join", []any{"group"}, "group: a group must be an object"},
		{"join", []any{object(map[string]any{"rank": 0, "size": 2})}, "group: the group object has no allReduceSum function"},
	} {
		_, err := call(obj, c.name, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s%v: %v, want %q", c.name, c.args, err, c.want)
		}
	}
}
