package safetensors

import (
	"math"
	"testing"
)

// FuzzDecode checks that no input panics, that a decoded result never holds
// more values than the input had bytes for, and that whatever decodes
// re-encodes and decodes to the same tensors.
func FuzzDecode(f *testing.F) {
	tensors, metadata := sample()
	good, err := Encode(tensors, metadata)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(file(`{}`, nil))
	f.Add(file(`{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add(file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add(file(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add(file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)))
	f.Add(file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add(withLength(1<<62, "{}"))

	f.Fuzz(func(t *testing.T, b []byte) {
		tensors, metadata, err := Decode(b)
		if err != nil {
			return
		}
		values := 0
		for _, tn := range tensors {
			values += len(tn.Data)
		}
		if 2*values > len(b) { // F16 and BF16 take 2 bytes a value
			t.Fatalf("%d values decoded from %d bytes", values, len(b))
		}
		again, err := Encode(tensors, metadata)
		if err != nil {
			t.Fatalf("decoded tensors do not re-encode: %v", err)
		}
		tensors2, _, err := Decode(again)
		if err != nil {
			t.Fatalf("re-encoded bytes do not decode: %v", err)
		}
		for name, tn := range tensors {
			tn2 := tensors2[name]
			if len(tn2.Data) != len(tn.Data) {
				t.Fatalf("tensor %q: %d values after re-encoding, want %d", name, len(tn2.Data), len(tn.Data))
			}
			for i, v := range tn.Data {
				if math.Float32bits(tn2.Data[i]) != math.Float32bits(v) {
					t.Fatalf("tensor %q[%d] changed on re-encoding", name, i)
				}
			}
		}
	})
}
