// Package nntest holds the finite-difference check that every backward
// pass of the layers and models is tested with.
package nntest

import (
	"math"
	"testing"
)

// CheckGrad compares an analytic gradient with central differences of
// loss with respect to every element of x (float64, so differences are
// precise): each must agree to 1e-6, relative where above 1.
func CheckGrad(t testing.TB, name string, x, grad []float64, loss func() float64) {
	t.Helper()
	const eps = 1e-6
	for i := range x {
		old := x[i]
		x[i] = old + eps
		up := loss()
		x[i] = old - eps
		down := loss()
		x[i] = old
		num := (up - down) / (2 * eps)
		if d := math.Abs(num - grad[i]); d > 1e-6*max(1, math.Abs(num)) {
			t.Fatalf("%s[%d]: analytic %.9g, numeric %.9g", name, i, grad[i], num)
		}
	}
}
