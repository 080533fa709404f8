package pca

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// anisotropic returns n rows of d values whose variance falls off along
// the coordinates, so the principal directions are well separated.
func anisotropic(n, d int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x[i*d+j] = float32(3 + rng.NormFloat64()*10/float64(j+1))
		}
	}
	return x
}

// TestProjectMatchesGonum compares Project with gonum's PCA (an SVD of the
// centred data), with the same sign rule, for more rows than columns and
// for fewer.
func TestProjectMatchesGonum(t *testing.T) {
	for _, s := range []struct{ n, d, k int }{{40, 6, 2}, {5, 30, 2}, {12, 12, 3}} {
		x := anisotropic(s.n, s.d, uint64(s.n))
		got := Project(x, s.n, s.d, s.k)

		a := mat.NewDense(s.n, s.d, nil)
		for i := 0; i < s.n; i++ {
			for j := 0; j < s.d; j++ {
				a.Set(i, j, float64(x[i*s.d+j]))
			}
		}
		var pc stat.PC
		if !pc.PrincipalComponents(a, nil) {
			t.Fatal("gonum's PCA failed")
		}
		var vecs mat.Dense
		pc.VectorsTo(&vecs)
		xc := centre(x, s.n, s.d)
		for c := 0; c < s.k; c++ {
			dir := mat.Col(nil, c, &vecs)
			big := 0.0
			for _, v := range dir {
				if math.Abs(v) > math.Abs(big) {
					big = v
				}
			}
			for i := 0; i < s.n; i++ {
				want := math.Copysign(1, big) * dot(xc[i*s.d:(i+1)*s.d], dir)
				if g := float64(got[i*s.k+c]); math.Abs(g-want) > 1e-4*max(1, math.Abs(want)) {
					t.Fatalf("%+v: row %d component %d: %v, gonum %v", s, i, c, g, want)
				}
			}
		}
	}
}

func TestProjectDegenerate(t *testing.T) {
	same := []float32{1, 2, 3, 1, 2, 3, 1, 2, 3}
	for i, v := range Project(same, 3, 3, 2) {
		if v != 0 {
			t.Fatalf("identical rows: coordinate %d is %v, want 0", i, v)
		}
	}
	// Two distinct rows span one direction: the second is all zero.
	got := Project([]float32{0, 0, 2, 0}, 2, 2, 2)
	if math.Abs(float64(got[0]+1)) > 1e-6 || math.Abs(float64(got[2]-1)) > 1e-6 || got[1] != 0 || got[3] != 0 {
		t.Errorf("two rows: %v, want [-1 0 1 0]", got)
	}
	if got := Project([]float32{5, 6}, 1, 2, 2); got[0] != 0 || got[1] != 0 {
		t.Errorf("one row: %v, want zeros", got)
	}
}

func TestEigenSym(t *testing.T) {
	const n = 9
	rng := rand.New(rand.NewPCG(3, 3))
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			a[i*n+j] = rng.NormFloat64()
			a[j*n+i] = a[i*n+j]
		}
	}
	orig := append([]float64(nil), a...)
	vals, v := eigenSym(a, n)
	for e := 0; e < n; e++ {
		for i := 0; i < n; i++ {
			av := 0.0
			for j := 0; j < n; j++ {
				av += orig[i*n+j] * v[j*n+e]
			}
			if math.Abs(av-vals[e]*v[i*n+e]) > 1e-9 {
				t.Fatalf("eigenpair %d: (Av)[%d] = %v, λv = %v", e, i, av, vals[e]*v[i*n+e])
			}
		}
	}
}
