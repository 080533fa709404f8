package handler

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"testing"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/session"
)

// TestServesABrowserExport: a model trained in the page (core/session, as
// the browser drives it) and exported serves as it is, "train in the tab,
// deploy to the edge": its step and training settings in /v1/model, and
// embeddings equal to the exported checkpoint's own.
func TestServesABrowserExport(t *testing.T) {
	se := &session.Session{}
	for i, id := range []string{"a-1-0", "a-1-1", "b-1-0"} {
		x := make([]float32, 3000+500*i)
		for j := range x {
			x[j] = float32(0.4 * math.Sin(float64(j)*0.02*float64(i+1)))
		}
		if err := se.Add(id, id[:1], x); err != nil {
			t.Fatal(err)
		}
	}
	if err := se.NewModel(session.Settings{Window: 2400, Batch: 2, LR: 1e-3, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := se.Train(2, func(cpc.Metrics) bool { return true }); err != nil {
		t.Fatal(err)
	}
	ckpt, err := se.Export()
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(ckpt, "exported from the page", "generic", Limits{BodyBytes: 64 << 10, Samples: audio.SampleRate})
	if err != nil {
		t.Fatal(err)
	}
	var training struct{ Window, Batch int }
	if info := h.Info(); info.Step == nil || *info.Step != 2 || json.Unmarshal(info.Training, &training) != nil || training.Window != 2400 || training.Batch != 2 {
		t.Fatalf("model info: step %v, training %s", info.Step, info.Training)
	}
	x := tone(4000)
	w := do(h, "POST", "/v1/embed?layer=c", "audio/wav", audio.EncodeWAV16(x, audio.SampleRate))
	if w.Code != http.StatusOK {
		t.Fatalf("embed: %d %s", w.Code, w.Body)
	}
	var got embedJSON
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	m, _, err := cpc.Decode(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	decoded, _ := audio.Decode("x.wav", audio.EncodeWAV16(x, audio.SampleRate))
	want, err := cpc.Embed(m, decoded, cpc.Context)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.flatten(t), want.Data) {
		t.Error("the endpoint's c_t differ from the exported checkpoint's")
	}
}
