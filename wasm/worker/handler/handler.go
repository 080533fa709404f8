// Package handler is the embedding endpoint's HTTP API, apart from the
// Workers runtime so that it builds and is tested natively:
//
//	POST /v1/embed?layer=c|z&pool=none|mean   audio/wav or audio/flac body (16 kHz)
//	GET  /v1/model                            architecture, parameters, SHA-256, source, limits
//	GET  /healthz                             {"status": "ok", "model", "kernel", "memory_bytes"}
//
// An embedding answers application/json,
//
//	{"model", "layer", "dims", "frames", "hop_samples", "span_samples", "shape", "embeddings"}
//
// (embeddings: frames rows of dims values, or one vector of dims values,
// the frames' mean, when pooled), or, for Accept: application/x-npy, the
// same array as a NumPy .npy file. Every error is JSON,
// {"error": {"status", "code", "message"}}, with a 4xx status for anything
// the client sent wrong; every response carries CORS headers that let any
// page call the endpoint. All the work is core's: audio.DecodeLimit and
// cpc.Embed.
package handler

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"runtime"
	"strconv"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/npy"
)

// Limits bound what one request may ask for.
type Limits struct {
	BodyBytes int64 // the largest body accepted (413 above)
	Samples   int   // the longest audio accepted, in samples at 16 kHz (413 above)
}

// DefaultLimits fit a Workers isolate's 128 MB: 10 s of audio, and a body
// that holds 10 s of any WAV the decoder reads (32-bit stereo is 1.28 MB).
var DefaultLimits = Limits{BodyBytes: 2 << 20, Samples: 10 * audio.SampleRate}

// Handler serves one model. Embeddings run one at a time (the body is read
// inside that turn too), so memory holds one request's audio and
// workspace however many requests wait.
type Handler struct {
	model  *cpc.Model[float32]
	info   Info
	limits Limits
	turn   chan struct{}
}

// Info is what GET /v1/model answers.
type Info struct {
	ID         string          `json:"id"` // name@first 12 hex digits of sha256, in every embedding
	Arch       cpc.Arch        `json:"architecture"`
	Parameters int             `json:"parameters"`
	SHA256     string          `json:"sha256"` // of the checkpoint file as built in
	Source     string          `json:"source"` // where the checkpoint came from, as the build names it
	Step       *int            `json:"step"`
	Training   json.RawMessage `json:"training"`
	Dims       map[string]int  `json:"dims"` // values a frame, by layer
	Hop        int             `json:"hop_samples"`
	Span       int             `json:"span_samples"`
	SampleRate int             `json:"sample_rate"`
	Kernel     string          `json:"kernel"`
	Limits     struct {
		BodyBytes  int64   `json:"max_body_bytes"`
		Samples    int     `json:"max_samples"`
		Seconds    float64 `json:"max_seconds"`
		MinSamples int     `json:"min_samples"`
	} `json:"limits"`
}

// New decodes a checkpoint (safetensors bytes, as cpc.Decode reads them).
// source says where it came from and kernel which kernels run; both are
// only reported.
func New(checkpoint []byte, source, kernel string, limits Limits) (*Handler, error) {
	m, meta, err := cpc.Decode(checkpoint)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", source, err)
	}
	sum := sha256.Sum256(checkpoint)
	a := m.Arch
	in := Info{Arch: a, SHA256: hex.EncodeToString(sum[:]), Source: source, Kernel: kernel,
		Dims: map[string]int{string(cpc.Context): a.Dim(cpc.Context), string(cpc.Encoded): a.Dim(cpc.Encoded)},
		Hop:  a.Hop(), Span: a.ReceptiveField(), SampleRate: audio.SampleRate, Training: json.RawMessage("null")}
	in.ID = a.Name + "@" + in.SHA256[:12]
	for _, p := range m.Params() {
		in.Parameters += len(p.W)
	}
	if s, err := strconv.Atoi(meta["step"]); err == nil {
		in.Step = &s
	}
	if t := meta["training"]; json.Valid([]byte(t)) {
		in.Training = json.RawMessage(t)
	}
	in.Limits.BodyBytes, in.Limits.Samples, in.Limits.MinSamples = limits.BodyBytes, limits.Samples, in.Span
	in.Limits.Seconds = float64(limits.Samples) / audio.SampleRate
	return &Handler{model: m, info: in, limits: limits, turn: make(chan struct{}, 1)}, nil
}

// Info returns what GET /v1/model answers.
func (h *Handler) Info() Info { return h.info }

// apiError is an error answered with its status and a code a program can
// test.
type apiError struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Message }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{status, code, fmt.Sprintf(format, args...)}
}

var routes = map[string]string{"/v1/embed": "POST", "/v1/model": "GET", "/healthz": "GET"}

// exposed are the headers a page may read from an .npy response.
const exposed = "X-Cpc-Model, X-Cpc-Layer, X-Cpc-Frames, X-Cpc-Hop-Samples"

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Expose-Headers", exposed)
	hd.Set("Cache-Control", "no-store")
	// A panic is a bug of ours: it is answered (500) and the next request
	// is served as usual.
	defer func() {
		if v := recover(); v != nil {
			writeError(w, fail(http.StatusInternalServerError, "internal", "internal error: %v", v))
		}
	}()
	method, ok := routes[r.URL.Path]
	switch {
	case !ok:
		writeError(w, fail(http.StatusNotFound, "not_found", "no route %s; the routes are POST /v1/embed, GET /v1/model, GET /healthz", r.URL.Path))
		return
	case r.Method == http.MethodOptions: // a CORS preflight
		hd.Set("Access-Control-Allow-Methods", method+", OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Content-Type, Accept")
		hd.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	case r.Method != method && !(method == "GET" && r.Method == http.MethodHead):
		hd.Set("Allow", method+", OPTIONS")
		writeError(w, fail(http.StatusMethodNotAllowed, "method_not_allowed", "%s %s: use %s", r.Method, r.URL.Path, method))
		return
	}
	switch r.URL.Path {
	case "/healthz":
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "model": h.info.ID, "kernel": h.info.Kernel, "memory_bytes": ms.Sys})
	case "/v1/model":
		writeJSON(w, http.StatusOK, h.info)
	case "/v1/embed":
		if err := h.embed(w, r); err != nil {
			writeError(w, err)
		}
	}
}

// request is what an embedding request asks for, its headers and query
// checked.
type request struct {
	layer cpc.Layer
	pool  bool
	npy   bool
}

func parseRequest(r *http.Request, limits Limits) (request, *apiError) {
	var q request
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, fail(http.StatusBadRequest, "bad_query", "query: %v", err)
	}
	q.layer = cpc.Context
	for key, vs := range vals {
		if len(vs) > 1 {
			return q, fail(http.StatusBadRequest, "bad_query", "query: %s given %d times", key, len(vs))
		}
		switch v := vs[0]; key {
		case "layer":
			if q.layer, err = cpc.ParseLayer(v); err != nil {
				return q, fail(http.StatusBadRequest, "bad_query", "query: %v", err)
			}
		case "pool":
			if v != "none" && v != "mean" {
				return q, fail(http.StatusBadRequest, "bad_query", "query: pool %q: want none or mean", v)
			}
			q.pool = v == "mean"
		default:
			return q, fail(http.StatusBadRequest, "bad_query", "query: unknown parameter %q (want layer=c|z, pool=none|mean)", key)
		}
	}
	if q.npy, err = wantsNpy(r.Header.Values("Accept")); err != nil {
		return q, fail(http.StatusNotAcceptable, "not_acceptable", "%v", err)
	}
	if err := checkAudioType(r.Header.Get("Content-Type")); err != nil {
		return q, fail(http.StatusUnsupportedMediaType, "unsupported_media_type", "%v", err)
	}
	if r.ContentLength > limits.BodyBytes {
		return q, tooLarge(r.ContentLength, limits)
	}
	return q, nil
}

func tooLarge(n int64, limits Limits) *apiError {
	what := fmt.Sprintf("%d bytes", n)
	if n < 0 {
		what = "more bytes than that"
	}
	return fail(http.StatusRequestEntityTooLarge, "body_too_large", "body of %s; the limit is %d bytes", what, limits.BodyBytes)
}

func (h *Handler) embed(w http.ResponseWriter, r *http.Request) error {
	q, aerr := parseRequest(r, h.limits)
	if aerr != nil {
		return aerr
	}
	h.turn <- struct{}{}
	defer func() { <-h.turn }()
	body, err := io.ReadAll(io.LimitReader(r.Body, h.limits.BodyBytes+1))
	switch {
	case err != nil:
		return fail(http.StatusBadRequest, "bad_body", "reading the body: %v", err)
	case int64(len(body)) > h.limits.BodyBytes:
		return tooLarge(-1, h.limits)
	case len(body) == 0:
		return fail(http.StatusBadRequest, "empty_body", "empty body: send the audio file's bytes (WAV or FLAC, 16 kHz)")
	}
	x, err := audio.DecodeLimit("audio", body, h.limits.Samples)
	body = nil
	switch {
	case errors.Is(err, audio.ErrSampleRate):
		return fail(http.StatusUnprocessableEntity, "wrong_sample_rate", "%v", err)
	case errors.Is(err, audio.ErrTooLong):
		return fail(http.StatusRequestEntityTooLarge, "audio_too_long", "%v (%g s)", err, float64(h.limits.Samples)/audio.SampleRate)
	case err != nil:
		return fail(http.StatusBadRequest, "bad_audio", "%v", err)
	}
	e, err := cpc.Embed(h.model, x, q.layer)
	switch {
	case errors.Is(err, cpc.ErrTooShort):
		return fail(http.StatusUnprocessableEntity, "too_short", "audio %v (%d samples = %.1f ms at 16 kHz)", err, h.info.Span, float64(h.info.Span)*1000/audio.SampleRate)
	case err != nil:
		return err
	}
	frames, shape := e.Frames, []int{e.Frames, e.Dim}
	if q.pool {
		e, shape = e.Mean(), []int{e.Dim}
	}
	for _, v := range e.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fail(http.StatusInternalServerError, "non_finite", "the model gave a non-finite value for this audio")
		}
	}
	hd := w.Header()
	hd.Set("Vary", "Accept")
	if q.npy {
		hd.Set("X-Cpc-Model", h.info.ID)
		hd.Set("X-Cpc-Layer", string(e.Layer))
		hd.Set("X-Cpc-Frames", strconv.Itoa(frames))
		hd.Set("X-Cpc-Hop-Samples", strconv.Itoa(e.Hop))
		var b bytes.Buffer
		if err := npy.Write(&b, shape, e.Data); err != nil {
			return err
		}
		writeBody(w, http.StatusOK, "application/x-npy", b.Bytes())
		return nil
	}
	writeBody(w, http.StatusOK, "application/json", h.embeddingJSON(e, frames, shape))
	return nil
}

// embeddingJSON writes the response by hand: float32s in their shortest
// exact form (as encoding/json would), rows as arrays, without reflection
// over tens of thousands of values.
func (h *Handler) embeddingJSON(e cpc.Embedding, frames int, shape []int) []byte {
	b := make([]byte, 0, 256+len(e.Data)*14)
	b = fmt.Appendf(b, `{"model":%q,"layer":%q,"dims":%d,"frames":%d,"hop_samples":%d,"span_samples":%d,"shape":[%d`,
		h.info.ID, e.Layer, e.Dim, frames, e.Hop, e.Span, shape[0])
	if len(shape) == 2 {
		b = fmt.Appendf(b, ",%d", shape[1])
	}
	b = append(b, ']')
	b = append(b, `,"embeddings":`...)
	row := func(b []byte, v []float32) []byte {
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, float64(x), 'g', -1, 32)
		}
		return append(b, ']')
	}
	if len(shape) == 1 {
		b = row(b, e.Data)
	} else {
		b = append(b, '[')
		for r := range e.Frames {
			if r > 0 {
				b = append(b, ',')
			}
			b = row(b, e.Data[r*e.Dim:(r+1)*e.Dim])
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

func writeBody(w http.ResponseWriter, status int, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"status":500,"code":"internal","message":"encoding the response failed"}}`)
	}
	writeBody(w, status, "application/json", append(b, '\n'))
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = fail(http.StatusInternalServerError, "internal", "internal error: %v", err)
	}
	writeJSON(w, ae.Status, map[string]*apiError{"error": ae})
}
