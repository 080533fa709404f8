package cpc

import (
	"fmt"
	"math/rand/v2"

	"github.com/gocpc/cpc/core/nn"
)

// Predictor maps c_t to the prediction ŷ of z_{t+k}. The paper's is one
// bias-free linear map (predictors.{k}). With Arch.PredictorHidden = D it
// is CPC_audio's feed-forward head ('ffd'): ŷ = lin2(ReLU(lin1(c_t))),
// lin1 taking H values to D and lin2 D to C, both with biases
// (predictors.{k}.lin1, predictors.{k}.lin2, the names of CPC_audio's
// FFNetwork).
type Predictor[T nn.Float] struct {
	Hidden *nn.Linear[T] // lin1; nil in the paper's linear predictor
	Out    *nn.Linear[T] // the map to the C values of ŷ
	relu   nn.ReLU[T]
}

func newPredictor[T nn.Float](arch Arch, k int, rng *rand.Rand) *Predictor[T] {
	name := fmt.Sprintf("predictors.%d", k)
	if arch.PredictorHidden == 0 {
		return &Predictor[T]{Out: nn.NewLinear[T](name, arch.Hidden, arch.Channels, rng)}
	}
	return &Predictor[T]{Hidden: nn.NewBiasedLinear[T](name+".lin1", arch.Hidden, arch.PredictorHidden, rng),
		Out: nn.NewBiasedLinear[T](name+".lin2", arch.PredictorHidden, arch.Channels, rng)}
}

// params are the predictor's parameters in the checkpoint's order.
func (p *Predictor[T]) params() []*nn.Param[T] {
	if p.Hidden == nil {
		return []*nn.Param[T]{p.Out.W}
	}
	return []*nn.Param[T]{p.Hidden.W, p.Hidden.B, p.Out.W, p.Out.B}
}

// Forward writes the predictions of rows rows of ctx (stride H) into pred
// (stride C); a head keeps its hidden activations in hid, [rows, D], for
// Backward.
func (p *Predictor[T]) Forward(rows int, ctx []T, H int, pred []T, C int, hid []T) {
	if p.Hidden == nil {
		p.Out.Forward(rows, ctx, H, pred, C)
		return
	}
	D := p.Hidden.Out
	hid = hid[:rows*D]
	p.Hidden.Forward(rows, ctx, H, hid, D)
	p.relu.Forward(hid)
	p.Out.Forward(rows, hid, D, pred, C)
}

// Backward adds the gradients of the predictions' gradient dpred to the
// parameters' and to dctx; hid is Forward's, dhid scratch of its size.
func (p *Predictor[T]) Backward(rows int, ctx []T, H int, dpred []T, C int, dctx, hid, dhid []T) {
	if p.Hidden == nil {
		p.Out.Backward(rows, ctx, H, dpred, C, dctx)
		return
	}
	D := p.Hidden.Out
	hid, dhid = hid[:rows*D], dhid[:rows*D]
	clear(dhid)
	p.Out.Backward(rows, hid, D, dpred, C, dhid)
	p.relu.Backward(hid, dhid)
	p.Hidden.Backward(rows, ctx, H, dhid, D, dctx)
}
