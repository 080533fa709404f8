package handler

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/npy"
)

// testHandler serves a small model with random weights, limited to 1 s of
// audio and 64 KiB bodies.
func testHandler(t *testing.T) (*Handler, *cpc.Model[float32]) {
	t.Helper()
	a, err := cpc.Preset("small")
	if err != nil {
		t.Fatal(err)
	}
	m, err := cpc.New[float32](a, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	ckpt, err := m.Encode(map[string]string{"step": "7", "training": `{"window":20480}`})
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(ckpt, "test.safetensors", "generic", Limits{BodyBytes: 64 << 10, Samples: audio.SampleRate})
	if err != nil {
		t.Fatal(err)
	}
	return h, m
}

func tone(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%50)/100 - 0.25
	}
	return x
}

func do(h http.Handler, method, target, ctype string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type embedJSON struct {
	Model      string          `json:"model"`
	Layer      string          `json:"layer"`
	Dims       int             `json:"dims"`
	Frames     int             `json:"frames"`
	Hop        int             `json:"hop_samples"`
	Span       int             `json:"span_samples"`
	Shape      []int           `json:"shape"`
	Embeddings json.RawMessage `json:"embeddings"`
}

// flatten reads the embeddings as rows (or one pooled vector) into one
// slice.
func (e embedJSON) flatten(t *testing.T) []float32 {
	t.Helper()
	if len(e.Shape) == 1 {
		var v []float32
		if err := json.Unmarshal(e.Embeddings, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	var rows [][]float32
	if err := json.Unmarshal(e.Embeddings, &rows); err != nil {
		t.Fatal(err)
	}
	var v []float32
	for _, r := range rows {
		v = append(v, r...)
	}
	return v
}

// The answers equal cpc.Embed's exactly, for both layers, pooled or not,
// as JSON and as .npy.
func TestEmbedMatchesCore(t *testing.T) {
	h, m := testHandler(t)
	x := tone(4000)
	wav := audio.EncodeWAV16(x, audio.SampleRate)
	x, _ = audio.Decode("x", wav) // the 16-bit rounding
	for _, layer := range []cpc.Layer{cpc.Context, cpc.Encoded} {
		want, err := cpc.Embed(m, x, layer)
		if err != nil {
			t.Fatal(err)
		}
		for _, pool := range []string{"none", "mean"} {
			wantShape, wantData := []int{want.Frames, want.Dim}, want.Data
			if pool == "mean" {
				wantShape, wantData = []int{want.Dim}, want.Mean().Data
			}
			target := "/v1/embed?layer=" + string(layer) + "&pool=" + pool
			w := do(h, "POST", target, "audio/wav", wav)
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("%s: %d %s %s", target, w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			var got embedJSON
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Model != h.info.ID || got.Layer != string(layer) || got.Dims != want.Dim || got.Frames != want.Frames ||
				got.Hop != 160 || got.Span != 465 || !slices.Equal(got.Shape, wantShape) {
				t.Errorf("%s: header fields %+v", target, got)
			}
			equalFloats(t, target+" json", got.flatten(t), wantData)

			w = do(h, "POST", target, "audio/wav", wav, "Accept", "application/x-npy")
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/x-npy" || w.Header().Get("X-Cpc-Model") != h.info.ID {
				t.Fatalf("%s npy: %d %v", target, w.Code, w.Header())
			}
			shape, data, err := npy.Read(w.Body)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, wantShape) {
				t.Errorf("%s npy: shape %v, want %v", target, shape, wantShape)
			}
			equalFloats(t, target+" npy", data, wantData)
		}
	}
}

// A FLAC file of the bundled sample, cut to 1 s, decodes and embeds as a
// WAV of the same samples does.
func TestFLACAndWAVAgree(t *testing.T) {
	h, _ := testHandler(t)
	flac, err := os.ReadFile("../../../core/audio/testdata/mono16.flac")
	if err != nil {
		t.Fatal(err)
	}
	x, err := audio.Decode("mono16.flac", flac)
	if err != nil {
		t.Fatal(err)
	}
	a := do(h, "POST", "/v1/embed?pool=mean", "audio/flac", flac)
	b := do(h, "POST", "/v1/embed?pool=mean", "audio/x-wav; codecs=1", audio.EncodeWAV16(x, audio.SampleRate))
	if a.Code != 200 || a.Body.String() != b.Body.String() {
		t.Fatalf("flac %d %.200s\nwav %d %.200s", a.Code, a.Body, b.Code, b.Body)
	}
}

// Every bad request gets its 4xx and a JSON error with a code.
func TestBadRequests(t *testing.T) {
	h, _ := testHandler(t)
	ok := audio.EncodeWAV16(tone(2000), audio.SampleRate)
	for _, tc := range []struct {
		name, method, target, ctype string
		body                        []byte
		hdr                         []string
		status                      int
		code, msg                   string
	}{
		{"empty", "POST", "/v1/embed", "audio/wav", nil, nil, 400, "empty_body", "empty body"},
		{"too big", "POST", "/v1/embed", "audio/wav", make([]byte, 64<<10+1), nil, 413, "body_too_large", "65537 bytes"},
		{"no type", "POST", "/v1/embed", "", ok, nil, 415, "unsupported_media_type", "no Content-Type"},
		{"wrong type", "POST", "/v1/embed", "application/octet-stream", ok, nil, 415, "unsupported_media_type", "application/octet-stream"},
		{"mp3", "POST", "/v1/embed", "audio/wav", []byte{0xff, 0xfb, 0x90, 0x64, 0, 0}, nil, 400, "bad_audio", "MP3"},
		{"truncated", "POST", "/v1/embed", "audio/wav", ok[:len(ok)/2], nil, 400, "bad_audio", "audio:"},
		{"rate", "POST", "/v1/embed", "audio/wav", audio.EncodeWAV16(tone(2000), 44100), nil, 422, "wrong_sample_rate", "44100 Hz"},
		{"short", "POST", "/v1/embed", "audio/wav", audio.EncodeWAV16(tone(464), audio.SampleRate), nil, 422, "too_short", "464 samples"},
		{"long", "POST", "/v1/embed", "audio/wav", audio.EncodeWAV16(tone(audio.SampleRate+1), audio.SampleRate), nil, 413, "audio_too_long", "16001 samples"},
		{"layer", "POST", "/v1/embed?layer=x", "audio/wav", ok, nil, 400, "bad_query", `layer "x"`},
		{"pool", "POST", "/v1/embed?pool=max", "audio/wav", ok, nil, 400, "bad_query", `pool "max"`},
		{"unknown", "POST", "/v1/embed?pol=mean", "audio/wav", ok, nil, 400, "bad_query", `"pol"`},
		{"twice", "POST", "/v1/embed?layer=c&layer=z", "audio/wav", ok, nil, 400, "bad_query", "2 times"},
		{"escape", "POST", "/v1/embed?layer=%zz", "audio/wav", ok, nil, 400, "bad_query", "query"},
		{"accept", "POST", "/v1/embed", "audio/wav", ok, []string{"Accept", "text/html"}, 406, "not_acceptable", "application/x-npy"},
		{"route", "GET", "/v1/embeddings", "", nil, nil, 404, "not_found", "/v1/embeddings"},
		{"method", "GET", "/v1/embed", "", nil, nil, 405, "method_not_allowed", "use POST"},
		{"method model", "POST", "/v1/model", "audio/wav", ok, nil, 405, "method_not_allowed", "use GET"},
	} {
		w := do(h, tc.method, tc.target, tc.ctype, tc.body, tc.hdr...)
		var got struct{ Error apiError }
		err := json.Unmarshal(w.Body.Bytes(), &got)
		if w.Code != tc.status || err != nil || got.Error.Status != tc.status || got.Error.Code != tc.code ||
			!strings.Contains(got.Error.Message, tc.msg) || w.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: %d %s, want %d %s %q", tc.name, w.Code, w.Body, tc.status, tc.code, tc.msg)
		}
	}
}

func TestAccept(t *testing.T) {
	for _, tc := range []struct {
		accept []string
		npy    bool
		err    bool
	}{
		{nil, false, false},
		{[]string{"*/*"}, false, false},
		{[]string{"application/x-npy"}, true, false},
		{[]string{"application/json, application/x-npy"}, true, false},
		{[]string{"application/json, application/x-npy;q=0.5"}, false, false},
		{[]string{"application/x-npy;q=0, */*"}, false, false},
		{[]string{"text/html", "application/*;q=0.1"}, false, false},
		{[]string{"application/json;q=0.4", "application/*;q=0.5"}, true, false},
		{[]string{"application/json;q=0"}, false, true},
		{[]string{"application/json;q=2"}, false, true},
	} {
		npy, err := wantsNpy(tc.accept)
		if npy != tc.npy || (err != nil) != tc.err {
			t.Errorf("%q: npy %v, err %v", tc.accept, npy, err)
		}
	}
}

func TestModelHealthAndCORS(t *testing.T) {
	h, m := testHandler(t)
	w := do(h, "GET", "/v1/model", "", nil)
	var info Info
	if err := json.Unmarshal(w.Body.Bytes(), &info); err != nil || w.Code != 200 {
		t.Fatalf("%d %s %v", w.Code, w.Body, err)
	}
	params := 0
	for _, p := range m.Params() {
		params += len(p.W)
	}
	if info.Arch.Name != "small" || info.Parameters != params || len(info.SHA256) != 64 || info.Source != "test.safetensors" ||
		info.Step == nil || *info.Step != 7 || string(info.Training) != `{"window":20480}` || info.Dims["z"] != 128 ||
		info.Limits.Samples != 16000 || info.Limits.MinSamples != 465 || !strings.HasPrefix(info.ID, "small@") {
		t.Errorf("model info %+v", info)
	}
	w = do(h, "GET", "/healthz", "", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"ok"`) {
		t.Errorf("healthz: %d %s", w.Code, w.Body)
	}
	w = do(h, "OPTIONS", "/v1/embed", "", nil, "Origin", "https://example.com", "Access-Control-Request-Method", "POST")
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(w.Header().Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Errorf("preflight: %d %v", w.Code, w.Header())
	}
}

// Requests from many goroutines, good and bad mixed, each get their own
// answer.
func TestConcurrent(t *testing.T) {
	h, _ := testHandler(t)
	wav := audio.EncodeWAV16(tone(3000), audio.SampleRate)
	want := do(h, "POST", "/v1/embed?pool=mean", "audio/wav", wav).Body.String()
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			if i%2 == 0 {
				if w := do(h, "POST", "/v1/embed?pool=mean", "audio/wav", wav); w.Code != 200 || w.Body.String() != want {
					t.Errorf("good %d: %d", i, w.Code)
				}
			} else if w := do(h, "POST", "/v1/embed", "audio/wav", wav[:100]); w.Code != 400 {
				t.Errorf("bad %d: %d", i, w.Code)
			}
		})
	}
	wg.Wait()
}

func equalFloats(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: [%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}
