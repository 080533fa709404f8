package cpc

import (
	"math"
	"math/rand/v2"
	"testing"
)

// nceEstimate is log N − L, the InfoNCE lower bound on I(x; y) (§2.3 of
// the paper), with L the loss of the workspace's own InfoNCE over pairs of
// correlated Gaussians: x ~ N(0, I_d), y = ρx + √(1−ρ²)·ε per dimension,
// averaged over trials of n pairs. The critic is the optimal one,
// f(x, y) = p(y|x)/p(y); in a row (fixed x) its log is, up to a constant,
// ρ/(1−ρ²)·x·y − ρ²/(2(1−ρ²))·|y|², a dot product of the prediction
// [ρ/(1−ρ²)·x, −ρ²/(2(1−ρ²))] with the candidate [y, |y|²]. With an
// identity predictor, predictions (contexts) from step t = 0 and candidates
// at t = 1 make the workspace's k = 1 score matrix exactly the matrix of
// critic values, the positive on the diagonal.
func nceEstimate(t *testing.T, d int, rho float64, n, trials int, rng *rand.Rand) float64 {
	t.Helper()
	cfg := Arch{Name: "bound", Channels: d + 1, Hidden: d + 1, Predict: 1, Kernels: []int{1}, Strides: []int{1}}
	m, err := New[float64](cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := m.NewWorkspace(n, 2)
	C := d + 1
	identity := m.Predictors[0].Out.W.W
	for i := range identity {
		identity[i] = 0
	}
	for i := 0; i < C; i++ {
		identity[i*C+i] = 1
	}
	a, b := rho/(1-rho*rho), rho*rho/(2*(1-rho*rho))
	sum := 0.0
	for range trials {
		for i := 0; i < n; i++ {
			pred, z := w.ctx[i*C:(i+1)*C], w.z[(n+i)*C:(n+i+1)*C]
			sq := 0.0
			for j := 0; j < d; j++ {
				x := rng.NormFloat64()
				y := rho*x + math.Sqrt(1-rho*rho)*rng.NormFloat64()
				pred[j], z[j] = a*x, y
				sq += y * y
			}
			pred[d], z[d] = -b, sq
		}
		met := NewMetrics(1)
		w.infoNCEForward(1, 0, nil, &met)
		met.finish()
		sum += math.Log(float64(n)) - met.Loss
	}
	return sum / float64(trials)
}

// TestInfoNCEBound checks the paper's bound I(x; y) ≥ log N − L: with the
// optimal critic the estimate stays below the true mutual information,
// −d/2·log(1−ρ²), rises towards it as N grows, and gets close once log N
// is well above I; when I exceeds log N it is capped near log N instead.
func TestInfoNCEBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const d, rho = 2, 0.8
	mi := -d / 2.0 * math.Log(1-rho*rho) // 1.02 nats
	prev := 0.0
	for _, n := range []int{2, 8, 32, 128, 512} {
		est := nceEstimate(t, d, rho, n, 8192/n, rng)
		t.Logf("N %4d: log N − L = %.4f (I = %.4f, log N = %.4f)", n, est, mi, math.Log(float64(n)))
		// 0.02 nats covers the sampling noise of 8192 pairs.
		if est > mi+0.02 || est > math.Log(float64(n))+1e-12 {
			t.Errorf("N %d: estimate %.4f above I %.4f or log N", n, est, mi)
		}
		if est < prev-0.02 {
			t.Errorf("N %d: estimate %.4f fell from %.4f", n, est, prev)
		}
		prev = est
	}
	if prev < mi-0.06 {
		t.Errorf("at N 512 (log N %.2f) the estimate %.4f is not within 0.06 of I %.4f", math.Log(512), prev, mi)
	}

	const dHigh, rhoHigh = 16, 0.9
	miHigh := -dHigh / 2.0 * math.Log(1-rhoHigh*rhoHigh) // 13.3 nats
	est := nceEstimate(t, dHigh, rhoHigh, 64, 16, rng)
	if logN := math.Log(64); est > logN || est < logN-0.1 || est > miHigh {
		t.Errorf("I %.2f > log N %.2f: estimate %.4f, want just below log N", miHigh, logN, est)
	}
}
