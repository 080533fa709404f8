//go:build js && wasm

package main

import (
	"bytes"
	"slices"
	"strings"
	"syscall/js"
	"testing"

	"github.com/gocpc/cpc/core/imagecpc"
	"github.com/gocpc/cpc/core/images"
	"github.com/gocpc/cpc/core/session"
)

// idx is the first n images of s, or their labels, as an IDX file.
func idx(t *testing.T, s *images.Set, n int, labels bool) js.Value {
	t.Helper()
	x := &images.IDX{Dims: []int{n, s.H, s.W}, Data: s.Pix[:n*s.H*s.W]}
	if labels {
		x = &images.IDX{Dims: []int{n}, Data: s.Labels[:n]}
	}
	var b bytes.Buffer
	if err := images.WriteIDX(&b, x); err != nil {
		t.Fatal(err)
	}
	return jsBytes(b.Bytes())
}

func TestImagesAPI(t *testing.T) {
	dir, err := images.Dir(images.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	test, err := images.Load(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	obj := api(&session.Session{}, &session.Images{})
	// The test split serves as both: 40 images to train on, 10 to test.
	counts := must(t, obj, "imagesLoad", idx(t, test, 40, false), idx(t, test, 40, true), idx(t, test, 10, false), idx(t, test, 10, true))
	if counts.Get("train").Int() != 40 || counts.Get("test").Int() != 10 {
		t.Fatalf("imagesLoad: %d and %d images", counts.Get("train").Int(), counts.Get("test").Int())
	}
	px := must(t, obj, "imagesPixels", "test", 2, 3)
	if got, _ := goBytes(px.Get("pixels"), ""); !bytes.Equal(got, test.Pix[2*784:5*784]) {
		t.Fatal("imagesPixels: not images 2 to 4")
	}
	info := must(t, obj, "imagesNewModel", object(map[string]any{"batch": 4, "seed": 3}))
	if info.Get("config").Get("grid").Int() != 7 || info.Get("config").Get("batch").Int() != 4 || info.Get("parameters").Int() < 10000 {
		t.Fatalf("imagesNewModel: %v", js.Global().Get("JSON").Call("stringify", info))
	}
	if met := must(t, obj, "imagesTrain", 2); met.Get("step").Int() != 2 || met.Get("lossK").Length() != 3 {
		t.Fatalf("imagesTrain: %v", js.Global().Get("JSON").Call("stringify", met))
	}
	f, _ := goFloats(must(t, obj, "imagesFeatures", "test", 5), "")
	b, _ := goBytes(must(t, obj, "imagesExport"), "")
	m, meta, err := imagecpc.Decode(b, "export")
	if err != nil || meta["step"] != "2" {
		t.Fatalf("imagesExport: step %q, %v", meta["step"], err)
	}
	if want, _ := m.SetFeatures(test, 5, 64, 1); !slices.Equal(f, want) {
		t.Fatal("imagesFeatures differ from the exported model's")
	}
	if p := must(t, obj, "imagesProjection", 6); p.Get("xy").Length() != 12 || p.Get("labels").Length() != 6 {
		t.Fatalf("imagesProjection: %d values", p.Get("xy").Length())
	}
	rows := must(t, obj, "imagesProbe", 40, 10)
	if rows.Length() != 3 || rows.Index(2).Get("features").String() != "raw pixels" {
		t.Fatalf("imagesProbe: %v", js.Global().Get("JSON").Call("stringify", rows))
	}
	drawn := make([]byte, 56*56)
	for i := range drawn {
		drawn[i] = test.Pix[(i/56/2)*28+i%56/2]
	}
	read := must(t, obj, "imagesRead", jsBytes(drawn), 56, 56)
	if d := read.Get("pixels").Int(); d < 0 || d > 9 || read.Get("framed").Length() != 784 {
		t.Fatalf("imagesRead: %v", js.Global().Get("JSON").Call("stringify", read))
	}
	if info := must(t, obj, "imagesLoadModel", jsBytes(b), object(map[string]any{"lr": 1e-4})); info.Get("step").Int() != 2 {
		t.Errorf("imagesLoadModel: step %d", info.Get("step").Int())
	}
}

func TestImagesAPIArguments(t *testing.T) {
	obj := api(&session.Session{}, &session.Images{})
	for _, c := range []struct {
		name string
		args []any
		want string
	}{
		{"imagesLoad", []any{jsBytes([]byte("junk")), jsBytes(nil), jsBytes(nil), jsBytes(nil)}, "train images: not an IDX file"},
		{"imagesLoad", []any{"x"}, "trainImages: want a Uint8Array"},
		{"imagesPixels", []any{"test", 0, 1}, "no images"},
		{"imagesNewModel", []any{object(map[string]any{"batch": 0.5})}, "settings.batch: 0.5 is not a whole number"},
		{"imagesNewModel", []any{"mnist"}, "settings: want an object"},
		{"imagesTrain", []any{1}, "no model"},
		{"imagesProbe", []any{100, 10}, "no model"},
		{"imagesExport", nil, "no model"},
		{"imagesRead", []any{jsBytes(make([]byte, 4)), 2, 2}, "no model"},
		{"imagesRead", []any{jsBytes(nil), 2.5, 2}, "width: 2.5 is not a whole number"},
		{"imagesLoadModel", []any{jsBytes([]byte("junk")), nil}, "checkpoint"},
	} {
		_, err := call(obj, c.name, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s%v: %v, want %q", c.name, c.args, err, c.want)
		}
	}
}
