// Package pca projects vectors onto their directions of largest variance,
// so that embeddings can be drawn in two dimensions.
package pca

import (
	"math"
	"sort"
)

// Project centres the n rows of x (d values each) and returns their
// coordinates along the k principal directions, n rows of k values, the
// direction of largest variance first. A direction is signed so that its
// largest coefficient is positive: then the picture does not mirror itself
// when the vectors change a little. Directions beyond the rank of the
// centred rows give zeros.
//
// It works on the n×n Gram matrix, not the d×d covariance: a plot holds
// tens to hundreds of utterances of hundreds of dimensions each.
func Project(x []float32, n, d, k int) []float32 {
	xc := centre(x, n, d)
	g := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			g[i*n+j] = dot(xc[i*d:(i+1)*d], xc[j*d:(j+1)*d])
			g[j*n+i] = g[i*n+j]
		}
	}
	vals, vecs := eigenSym(g, n)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })

	out := make([]float32, n*k)
	tiny := 1e-12 * max(vals[order[0]], 0)
	for c := 0; c < k && c < n; c++ {
		e := order[c]
		if vals[e] <= tiny {
			break
		}
		// The direction is xcᵀu/√λ; its scores are xc·direction = √λ·u.
		u := make([]float64, n)
		for i := range u {
			u[i] = vecs[i*n+e]
		}
		if largestCoefficient(xc, u, n, d) < 0 {
			for i := range u {
				u[i] = -u[i]
			}
		}
		s := math.Sqrt(vals[e])
		for i := 0; i < n; i++ {
			out[i*k+c] = float32(s * u[i])
		}
	}
	return out
}

func centre(x []float32, n, d int) []float64 {
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mean[j] += float64(x[i*d+j])
		}
	}
	xc := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			xc[i*d+j] = float64(x[i*d+j]) - mean[j]/float64(n)
		}
	}
	return xc
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// largestCoefficient returns the coefficient of largest magnitude of the
// direction xcᵀu (up to a positive scale).
func largestCoefficient(xc, u []float64, n, d int) float64 {
	best := 0.0
	for j := 0; j < d; j++ {
		v := 0.0
		for i := 0; i < n; i++ {
			v += xc[i*d+j] * u[i]
		}
		if math.Abs(v) > math.Abs(best) {
			best = v
		}
	}
	return best
}
