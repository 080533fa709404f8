package pca

import "math"

// eigenSym diagonalises the symmetric n×n matrix a (destroyed) by cyclic
// Jacobi rotations: each rotation zeroes one off-diagonal pair, and sweeps
// repeat until what is off the diagonal is negligible. It returns the
// eigenvalues and the eigenvectors as the columns of an n×n matrix. Slower
// than LAPACK's methods for large n, but short, exact to rounding and
// deterministic, which is all a plot of a few hundred points needs; and
// gonum's mat.EigenSym would add about 450 KB to the browser's wasm
// module, which otherwise needs nothing of gonum.
func eigenSym(a []float64, n int) ([]float64, []float64) {
	v := make([]float64, n*n)
	for i := 0; i < n; i++ {
		v[i*n+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		off, total := 0.0, 0.0
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				total += a[i*n+j] * a[i*n+j]
				if i != j {
					off += a[i*n+j] * a[i*n+j]
				}
			}
		}
		if off <= 1e-30*total {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				if a[p*n+q] != 0 {
					rotate(a, v, n, p, q)
				}
			}
		}
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = a[i*n+i]
	}
	return vals, v
}

// rotate applies the rotation J that zeroes a[p][q]: a ← JᵀaJ, v ← vJ.
func rotate(a, v []float64, n, p, q int) {
	theta := (a[q*n+q] - a[p*n+p]) / (2 * a[p*n+q])
	t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
	if theta < 0 {
		t = -t
	}
	c := 1 / math.Sqrt(t*t+1)
	s := t * c
	for k := 0; k < n; k++ {
		akp, akq := a[k*n+p], a[k*n+q]
		a[k*n+p], a[k*n+q] = c*akp-s*akq, s*akp+c*akq
		vkp, vkq := v[k*n+p], v[k*n+q]
		v[k*n+p], v[k*n+q] = c*vkp-s*vkq, s*vkp+c*vkq
	}
	for k := 0; k < n; k++ {
		apk, aqk := a[p*n+k], a[q*n+k]
		a[p*n+k], a[q*n+k] = c*apk-s*aqk, s*apk+c*aqk
	}
}
