package safetensors

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// file builds safetensors bytes from a literal header and data, so a test can
// state exactly the malformed header it means.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func withLength(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

func TestDecodeAcceptsOtherWriters(t *testing.T) {
	cases := map[string][]byte{
		// Unaligned data and whitespace other than spaces in the header are
		// valid JSON and valid safetensors.
		"no padding":   file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"whitespace":   file("\n{ \"a\" : {\"data_offsets\":[0,4], \"shape\":[1], \"dtype\":\"F32\"} }\t\r\n  ", make([]byte, 4)),
		"escaped name": file(`{"\u0061":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"data out of name order": file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},`+
			`"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 8)),
		"empty tensors anywhere": file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},`+
			`"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"c":{"dtype":"F32","shape":[2,0],"data_offsets":[0,0]}}`, make([]byte, 4)),
		"no tensors": file(`{"__metadata__":{}}`, nil),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			tensors, _, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if name == "escaped name" && tensors["a"].Shape == nil {
				t.Error(`tensor "a" not found under its escaped name`)
			}
		})
	}
}

func TestDecodeHostile(t *testing.T) {
	f32 := func(name, shape, offsets string) string {
		return `"` + name + `":{"dtype":"F32","shape":` + shape + `,"data_offsets":` + offsets + `}`
	}
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty input", nil, "too short"},
		{"short length", []byte{1, 0, 0}, "too short"},
		{"header past end", withLength(100, "{}"), "header length 100 runs past the end of the 10-byte input"},
		{"huge header length", withLength(1<<62, "{}"), "exceeds the limit"},
		{"max uint64 length", withLength(^uint64(0), "{}"), "exceeds the limit"},
		{"empty header", file("", nil), "invalid JSON"},
		{"not JSON", file("hello", nil), "invalid JSON"},
		{"truncated JSON", file(`{"a":{"dtype":"F3`, nil), "invalid JSON"},
		{"missing comma", file(`{"a":{"dtype":"F32" "shape":[]}}`, nil), "invalid JSON"},
		{"array header", file(`[]`, nil), "header: found [, want an object"},
		{"null header", file(`null`, nil), "header: found null, want an object"},
		{"invalid UTF-8", file("{\"a\xff\":{}}", nil), "not valid UTF-8"},
		{"trailing garbage", file(`{}{}`, nil), "after its JSON object"},
		{"trailing NUL padding", file("{}\x00\x00", nil), "after its JSON object"},
		{"duplicate name", file(`{`+f32("a", "[1]", "[0,4]")+`,`+f32("a", "[1]", "[4,8]")+`}`, make([]byte, 8)),
			`duplicate key "a"`},
		{"duplicate escaped name", file(`{`+f32("a", "[1]", "[0,4]")+`,`+f32(`\u0061`, "[1]", "[4,8]")+`}`, make([]byte, 8)),
			`duplicate key "a"`},
		{"duplicate metadata", file(`{"__metadata__":{},"__metadata__":{}}`, nil), `duplicate key "__metadata__"`},
		{"duplicate metadata key", file(`{"__metadata__":{"k":"1","k":"2"}}`, nil), `__metadata__: duplicate key "k"`},
		{"duplicate field", file(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
			`tensor "a": duplicate key "dtype"`},
		{"metadata number", file(`{"__metadata__":{"epoch":3}}`, nil), `__metadata__ value of "epoch": found 3, want a string`},
		{"metadata object", file(`{"__metadata__":{"cfg":{}}}`, nil), `__metadata__ value of "cfg": found {, want a string`},
		{"metadata null", file(`{"__metadata__":null}`, nil), "__metadata__: found null, want an object"},
		{"metadata array", file(`{"__metadata__":["a"]}`, nil), "__metadata__: found [, want an object"},
		{"empty name", file(`{`+f32("", "[1]", "[0,4]")+`}`, make([]byte, 4)), "tensor with an empty name"},
		{"tensor not object", file(`{"a":[1]}`, nil), `tensor "a": found [, want an object`},
		{"unknown field", file(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4],"extra":1}}`, make([]byte, 4)),
			`tensor "a": unknown field "extra"`},
		{"F16 sized as F32", file(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)),
			`tensor "h": data_offsets [0, 8] hold 8 bytes, shape [2] of F16 needs 4`},
		{"BF16 sized as F32", file(`{"h":{"dtype":"BF16","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)),
			`shape [2] of BF16 needs 4`},
		{"F64 sized as F32", file(`{"d":{"dtype":"F64","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
			`shape [1] of F64 needs 8`},
		{"I64", file(`{"step":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}`, make([]byte, 8)),
			`tensor "step": dtype I64 is not supported (F32, F16, BF16 and F64 are, read as float32)`},
		{"dtype number", file(`{"a":{"dtype":32,"shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)),
			`tensor "a": dtype: found 32, want a string`},
		{"empty dtype", file(`{"a":{"dtype":"","shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "a": empty dtype`},
		{"missing dtype", file(`{"a":{"shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "a": missing dtype`},
		{"missing shape", file(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "a": missing shape`},
		{"missing offsets", file(`{"a":{"dtype":"F32","shape":[]}}`, make([]byte, 4)), `tensor "a": missing data_offsets`},
		{"negative dimension", file(`{`+f32("a", "[-1]", "[0,4]")+`}`, make([]byte, 4)),
			`tensor "a": shape: -1 is not a non-negative integer`},
		{"fractional dimension", file(`{`+f32("a", "[1.5]", "[0,4]")+`}`, make([]byte, 4)),
			`tensor "a": shape: 1.5 is not`},
		{"exponent dimension", file(`{`+f32("a", "[1e2]", "[0,400]")+`}`, make([]byte, 400)),
			`tensor "a": shape: 1e2 is not`},
		{"dimension past int", file(`{`+f32("a", "[99999999999999999999]", "[0,4]")+`}`, make([]byte, 4)),
			`tensor "a": shape: 99999999999999999999 is not`},
		{"nested shape", file(`{`+f32("a", "[[1]]", "[0,4]")+`}`, make([]byte, 4)), `tensor "a": shape: found [, want an integer`},
		{"string dimension", file(`{`+f32("a", `["1"]`, "[0,4]")+`}`, make([]byte, 4)), `tensor "a": shape: found "1", want an integer`},
		{"overflowing product", file(`{`+f32("a", "[4294967296,4294967296,0]", "[0,0]")+`}`, nil),
			`tensor "a": shape [4294967296 4294967296 0] is too large`},
		{"product past int", file(`{`+f32("a", "[3037000500,3037000500]", "[0,4]")+`}`, make([]byte, 4)),
			`is too large`},
		{"huge shape small data", file(`{`+f32("a", "[1073741824,1073741824]", "[0,4]")+`}`, make([]byte, 4)),
			`shape [1073741824 1073741824] of F32 needs 4611686018427387904`},
		{"byte count mismatch", file(`{`+f32("a", "[2,3]", "[0,20]")+`}`, make([]byte, 20)),
			`tensor "a": data_offsets [0, 20] hold 20 bytes, shape [2 3] of F32 needs 24`},
		{"large shape, few bytes", file(`{`+f32("a", "[1000000000]", "[0,8]")+`}`, make([]byte, 8)),
			`hold 8 bytes, shape [1000000000] of F32 needs 4000000000`},
		{"one offset", file(`{`+f32("a", "[1]", "[4]")+`}`, make([]byte, 4)), `tensor "a": data_offsets has 1 numbers`},
		{"three offsets", file(`{`+f32("a", "[1]", "[0,4,8]")+`}`, make([]byte, 8)), `tensor "a": data_offsets has 3 numbers`},
		{"negative offset", file(`{`+f32("a", "[1]", "[-4,0]")+`}`, make([]byte, 4)), `tensor "a": data_offsets: -4 is not`},
		{"reversed offsets", file(`{`+f32("a", "[0]", "[4,0]")+`}`, make([]byte, 4)),
			`tensor "a": data_offsets [4, 0] out of range for 4 data bytes`},
		{"offset past end", file(`{`+f32("a", "[1]", "[0,4]")+`}`, make([]byte, 2)),
			`tensor "a": data_offsets [0, 4] out of range for 2 data bytes`},
		{"offset past int", file(`{`+f32("a", "[1]", "[18446744073709551612,18446744073709551616]")+`}`, make([]byte, 4)),
			`tensor "a": data_offsets: 18446744073709551612 is not`},
		{"hole at start", file(`{`+f32("a", "[1]", "[4,8]")+`}`, make([]byte, 8)),
			`tensor "a": data starts at byte 4, leaving a hole after byte 0`},
		{"hole between", file(`{`+f32("a", "[1]", "[0,4]")+`,`+f32("b", "[1]", "[8,12]")+`}`, make([]byte, 12)),
			`tensor "b": data starts at byte 8, leaving a hole after byte 4`},
		{"overlap", file(`{`+f32("a", "[2]", "[0,8]")+`,`+f32("b", "[2]", "[4,12]")+`}`, make([]byte, 12)),
			`tensor "b": data [4, 12] overlaps tensor "a"`},
		{"same region twice", file(`{`+f32("a", "[1]", "[0,4]")+`,`+f32("b", "[1]", "[0,4]")+`}`, make([]byte, 4)),
			`tensor "b": data [0, 4] overlaps tensor "a"`},
		{"trailing data", file(`{`+f32("a", "[1]", "[0,4]")+`}`, make([]byte, 7)),
			"3 data bytes after the last tensor belong to none"},
		{"data without tensors", file(`{}`, make([]byte, 4)), "4 data bytes after the last tensor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tensors, metadata, err := Decode(c.in)
			if err == nil {
				t.Fatalf("no error; want one containing %q", c.want)
			}
			if !strings.HasPrefix(err.Error(), "safetensors: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want one containing %q", err, c.want)
			}
			if tensors != nil || metadata != nil {
				t.Error("results returned with an error")
			}
		})
	}
}

// TestDecodeErrorOrder pins that with several bad tensors the error names
// the first by name, whatever their order in the header.
func TestDecodeErrorOrder(t *testing.T) {
	b := file(`{"z":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"m":{"dtype":"U8","shape":[],"data_offsets":[8,9]}}`,
		make([]byte, 9))
	_, _, err := Decode(b)
	if err == nil || !strings.Contains(err.Error(), `tensor "m": dtype U8`) {
		t.Errorf("error %v, want it to name tensor \"m\"", err)
	}
}

// TestDecodeOtherFloats reads every F16 bit pattern, BF16 and F64 values
// against float32 values computed another way: a half's value from its
// fields in float64 arithmetic, a bfloat16 as the float32 it truncates,
// a double rounded by Go's conversion.
func TestDecodeOtherFloats(t *testing.T) {
	halves := make([]byte, 2<<16)
	for h := range 1 << 16 {
		binary.LittleEndian.PutUint16(halves[2*h:], uint16(h))
	}
	bf := []float32{1, -2.5, 3.0e38, -1.0e-39, float32(math.Inf(-1))}
	bfBytes := make([]byte, 2*len(bf))
	for i, v := range bf {
		binary.LittleEndian.PutUint16(bfBytes[2*i:], uint16(math.Float32bits(v)>>16))
	}
	doubles := []float64{0.1, -1e40, 1e-50, math.Copysign(0, -1), 123456789.123}
	dBytes := make([]byte, 8*len(doubles))
	for i, v := range doubles {
		binary.LittleEndian.PutUint64(dBytes[8*i:], math.Float64bits(v))
	}
	header := `{"h":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]},` +
		`"b":{"dtype":"BF16","shape":[5],"data_offsets":[131072,131082]},` +
		`"d":{"dtype":"F64","shape":[5],"data_offsets":[131082,131122]}}`
	tensors, _, err := Decode(file(header, append(append(halves, bfBytes...), dBytes...)))
	if err != nil {
		t.Fatal(err)
	}
	for h, got := range tensors["h"].Data {
		sign, exp, frac := h>>15, (h>>10)&0x1f, float64(h&0x3ff)
		var want float64
		switch exp {
		case 0:
			want = frac * math.Pow(2, -24)
		case 0x1f:
			want = math.Inf(1)
		default:
			want = (1 + frac/1024) * math.Pow(2, float64(exp-15))
		}
		if sign == 1 {
			want = -want
		}
		if exp == 0x1f && frac != 0 { // NaN: its payload moves up with the fraction
			if g := math.Float32bits(got); g != uint32(sign)<<31|0x7f800000|uint32(frac)<<13 {
				t.Fatalf("F16 %#04x: %#08x, want that NaN", h, g)
			}
			continue
		}
		if math.Float32bits(got) != math.Float32bits(float32(want)) {
			t.Fatalf("F16 %#04x: %g, want %g", h, got, want)
		}
	}
	for i, v := range bf {
		want := math.Float32frombits(math.Float32bits(v) &^ 0xffff)
		if got := tensors["b"].Data[i]; math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("BF16 of %g: %g, want %g", v, got, want)
		}
	}
	for i, v := range doubles {
		if got := tensors["d"].Data[i]; math.Float32bits(got) != math.Float32bits(float32(v)) {
			t.Errorf("F64 %g: %g, want %g", v, got, float32(v))
		}
	}
}
