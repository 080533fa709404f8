package nn

import "testing"

func TestChecksumSeesEveryBit(t *testing.T) {
	a := newParam[float32]("a", 3)
	b := newParam[float32]("b", 2)
	copy(a.W, []float32{1, 2, 3})
	copy(b.W, []float32{4, 5})
	params := []*Param[float32]{a, b}
	sum := Checksum(params)
	if Checksum(params) != sum {
		t.Fatal("the checksum of the same weights changed")
	}
	b.W[1] = 5.0000005 // one bit of the last weight
	if Checksum(params) == sum {
		t.Fatal("a changed weight kept the checksum")
	}
	b.W[1] = 5
	b.G[0] = 7 // gradients are not weights
	if Checksum(params) != sum {
		t.Fatal("a gradient changed the checksum")
	}
}
