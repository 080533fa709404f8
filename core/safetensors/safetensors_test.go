package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

// sample covers the shapes that stress a layout: a scalar, an empty tensor,
// and values whose bits a lossy path would change (NaN payloads, −0,
// infinities, subnormals).
func sample() (map[string]Tensor, map[string]string) {
	tensors := map[string]Tensor{
		"encoder.convs.0.weight": {Shape: []int{2, 1, 3}, Data: []float32{1, -2.5, 3e-3, 0, 7, -1e30}},
		"encoder.convs.0.bias":   {Shape: []int{2}, Data: []float32{float32(math.Inf(1)), float32(math.Inf(-1))}},
		"bits": {Shape: []int{2, 2}, Data: []float32{
			math.Float32frombits(0x7fc00001), math.Float32frombits(0x80000000),
			math.Float32frombits(0x00000001), math.Float32frombits(0xff800123),
		}},
		"scalar":      {Shape: []int{}, Data: []float32{0.25}},
		"empty":       {Shape: []int{3, 0}, Data: nil},
		"ünïcode <&>": {Shape: []int{1}, Data: []float32{42}},
	}
	metadata := map[string]string{
		"config": `{"channels": 512, "note": "quotes \" and \\ survive"}`,
		"empty":  "",
		"ключ":   "значение",
	}
	return tensors, metadata
}

func sameTensors(t *testing.T, got, want map[string]Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tensors, want %d", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Fatalf("tensor %q missing", name)
		}
		if !slices.Equal(g.Shape, w.Shape) {
			t.Errorf("tensor %q: shape %v, want %v", name, g.Shape, w.Shape)
		}
		if len(g.Data) != len(w.Data) {
			t.Fatalf("tensor %q: %d values, want %d", name, len(g.Data), len(w.Data))
		}
		for i := range w.Data {
			if math.Float32bits(g.Data[i]) != math.Float32bits(w.Data[i]) {
				t.Errorf("tensor %q[%d]: bits %#x, want %#x", name, i, math.Float32bits(g.Data[i]), math.Float32bits(w.Data[i]))
			}
		}
	}
}

func sameMetadata(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("metadata %q, want %q", got, want)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("metadata[%q] = %q, want %q", k, g, v)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	tensors, metadata := sample()
	b, err := Encode(tensors, metadata)
	if err != nil {
		t.Fatal(err)
	}
	gotT, gotM, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, gotT, tensors)
	sameMetadata(t, gotM, metadata)
}

func TestRoundTripWithoutMetadata(t *testing.T) {
	tensors, _ := sample()
	for _, md := range []map[string]string{nil, {}} {
		b, err := Encode(tensors, md)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(metadataKey)) {
			t.Errorf("empty metadata written to the header")
		}
		gotT, gotM, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		sameTensors(t, gotT, tensors)
		if gotM != nil {
			t.Errorf("metadata = %q, want nil", gotM)
		}
	}
}

func TestEncodeExactBytes(t *testing.T) {
	b, err := Encode(map[string]Tensor{
		"b": {Shape: []int{2}, Data: []float32{1, -2}},
		"a": {Shape: []int{}, Data: []float32{0.5}},
	}, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	header := `{"__metadata__":{"k":"v"},` +
		`"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},` +
		`"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}` + "    "
	want := []byte{136, 0, 0, 0, 0, 0, 0, 0}
	want = append(want, header...)
	want = append(want,
		0x00, 0x00, 0x00, 0x3f, // a = 0.5
		0x00, 0x00, 0x80, 0x3f, // b[0] = 1
		0x00, 0x00, 0x00, 0xc0, // b[1] = -2
	)
	if !bytes.Equal(b, want) {
		t.Errorf("got\n%q\nwant\n%q", b, want)
	}
}

func TestEncodeDeterministicAndAligned(t *testing.T) {
	tensors, metadata := sample()
	first, err := Encode(tensors, metadata)
	if err != nil {
		t.Fatal(err)
	}
	// Map iteration order varies between runs, so repeat enough to catch
	// output that depends on it.
	for range 20 {
		b, err := Encode(tensors, metadata)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, first) {
			t.Fatal("same input encoded to different bytes")
		}
	}
	n := binary.LittleEndian.Uint64(first)
	if (8+n)%8 != 0 {
		t.Errorf("data starts at byte %d, not 8-byte aligned", 8+n)
	}
	header := string(first[8 : 8+n])
	if trimmed := strings.TrimRight(header, " "); !strings.HasSuffix(trimmed, "}") {
		t.Errorf("header padding is not spaces after the object: %q", header)
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		name     string
		tensors  map[string]Tensor
		metadata map[string]string
		want     string
	}{
		{"too few values", map[string]Tensor{"w": {Shape: []int{2, 3}, Data: make([]float32, 5)}}, nil,
			`tensor "w": shape [2 3] does not match its 5 values`},
		{"scalar without value", map[string]Tensor{"s": {Shape: []int{}}}, nil,
			`tensor "s": shape [] does not match its 0 values`},
		{"negative dimension", map[string]Tensor{"w": {Shape: []int{-1, -2}, Data: make([]float32, 2)}}, nil,
			`tensor "w": shape [-1 -2]`},
		{"overflowing shape", map[string]Tensor{"w": {Shape: []int{1 << 40, 1 << 40, 0}}}, nil,
			`tensor "w": shape`},
		{"empty name", map[string]Tensor{"": {Shape: []int{1}, Data: []float32{1}}}, nil,
			"empty name"},
		{"reserved name", map[string]Tensor{metadataKey: {Shape: []int{1}, Data: []float32{1}}}, nil,
			"reserved"},
		{"invalid UTF-8 name", map[string]Tensor{"a\xff": {Shape: []int{1}, Data: []float32{1}}}, nil,
			"not valid UTF-8"},
		{"invalid UTF-8 metadata", nil, map[string]string{"k": "\xfe"},
			`metadata key "k" or its value is not valid UTF-8`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Encode(c.tensors, c.metadata)
			if err == nil || !strings.HasPrefix(err.Error(), "safetensors: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
