//go:build workerd && unix

package workerd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocpc/cpc/core/audio"
	"github.com/gocpc/cpc/core/npy"
)

// The end-to-end test of the Worker (make test-worker, after make worker):
// workerd serves the bundle on a loopback port; its embeddings of sample
// files must equal native cpc embed's with the same checkpoint.

// client gives up on a request after a minute, so a hung Worker fails the
// test rather than stalling it, and opens a connection a request: a
// kept-alive connection left idle while workerd's one thread runs queued
// requests can pass workerd's idle limit before workerd reads the next
// request on it, which is then reset (bench/worker says more).
var client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}

func start(t *testing.T) (*Server, string) {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(root, filepath.Join(t.TempDir(), "workerd.log"), "CPC_TEST_HOOKS=1")
	if errors.Is(err, ErrMissing) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, root
}

// input is one audio file sent to the Worker.
type input struct {
	name, ctype string
	body        []byte
}

// inputs are real files: sample utterances as FLAC and as 16-bit WAV, and
// the audio package's stereo 24-bit FLAC (its channels averaged).
func inputs(t *testing.T, root string) []input {
	t.Helper()
	var in []input
	for _, p := range []string{"core/sample/corpus/100/1/100-1-0000.flac", "core/sample/corpus/107/1/107-1-0003.flac", "core/audio/testdata/stereo24.flac"} {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, input{filepath.Base(p), "audio/flac", b})
	}
	x, err := audio.Decode("wav", in[1].body)
	if err != nil {
		t.Fatal(err)
	}
	return append(in, input{"107-1-0003-pcm16.wav", "audio/wav", audio.EncodeWAV16(x, audio.SampleRate)})
}

// native runs cpc embed (built from cmd/cpc) on the inputs with the
// checkpoint the Worker was built with, and returns each array by input,
// layer and pooling.
func native(t *testing.T, root string, in []input) map[string][]float32 {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "cpc")
	build := exec.Command("go", "build", "-o", bin, "./cmd/cpc")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	model := filepath.Join(root, "wasm", "worker", "build", "model.safetensors")
	var files []string
	for _, f := range in {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.body, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	want := map[string][]float32{}
	for _, layer := range []string{"c", "z"} {
		out := filepath.Join(dir, layer) + "/"
		args := append([]string{"embed", "--model", model, "--layer", layer, "--out", out}, files...)
		if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("cpc %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		pooled := filepath.Join(dir, layer+"-mean.npy")
		args = append([]string{"embed", "--model", model, "--layer", layer, "--pool", "mean", "--out", pooled}, files...)
		if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("cpc %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		means := readNpy(t, pooled)
		for i, f := range in {
			rows := readNpy(t, filepath.Join(out, strings.TrimSuffix(f.name, filepath.Ext(f.name))+".npy"))
			want[key(f.name, layer, "none")] = rows
			dim := len(means) / len(in)
			want[key(f.name, layer, "mean")] = means[i*dim : (i+1)*dim]
		}
	}
	return want
}

func key(name, layer, pool string) string { return name + " layer=" + layer + " pool=" + pool }

func readNpy(t *testing.T, path string) []float32 {
	t.Helper()
	_, data, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func post(url, ctype string, body []byte, accept string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// embedded reads an embedding response, JSON or .npy, into its shape and
// values.
func embedded(status int, hdr http.Header, body []byte, err error) ([]int, []float32, error) {
	if err != nil {
		return nil, nil, err
	}
	if status != 200 {
		return nil, nil, fmt.Errorf("status %d: %.300s", status, body)
	}
	if hdr.Get("Content-Type") == "application/x-npy" {
		return npy.Read(bytes.NewReader(body))
	}
	var r struct {
		Shape      []int
		Embeddings json.RawMessage
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, nil, err
	}
	if len(r.Shape) == 1 {
		var v []float32
		return r.Shape, v, json.Unmarshal(r.Embeddings, &v)
	}
	var rows [][]float32
	if err := json.Unmarshal(r.Embeddings, &rows); err != nil {
		return nil, nil, err
	}
	var v []float32
	for _, row := range rows {
		v = append(v, row...)
	}
	return r.Shape, v, nil
}

// close reports the largest difference over 1e-4 (relative above 1).
func closeTo(got, want []float32) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*math.Max(1, math.Abs(float64(want[i]))) {
			return fmt.Errorf("[%d] = %g, want %g", i, got[i], want[i])
		}
	}
	return nil
}

func TestWorkerEndToEnd(t *testing.T) {
	s, root := start(t)
	in := inputs(t, root)
	want := native(t, root, in)

	t.Run("embeddings", func(t *testing.T) {
		for _, f := range in {
			for _, layer := range []string{"c", "z"} {
				for _, pool := range []string{"none", "mean"} {
					for _, accept := range []string{"", "application/x-npy"} {
						k := key(f.name, layer, pool)
						shape, got, err := embedded(post(s.URL+"/v1/embed?layer="+layer+"&pool="+pool, f.ctype, f.body, accept))
						if err == nil {
							err = closeTo(got, want[k])
						}
						if err == nil && (pool == "mean") != (len(shape) == 1) {
							err = fmt.Errorf("shape %v", shape)
						}
						if err != nil {
							t.Errorf("%s Accept %q: %v", k, accept, err)
						}
					}
				}
			}
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, tc := range badInputs(t, in) {
			status, _, body, err := post(s.URL+tc.target, tc.ctype, tc.body, tc.accept)
			if err := badAnswer(status, body, err, tc); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		for _, tc := range []struct {
			method, path string
			status       int
		}{{"GET", "/", 404}, {"GET", "/v1/embedding", 404}, {"GET", "/v1/embed", 405}, {"DELETE", "/v1/model", 405}, {"PUT", "/healthz", 405}} {
			req, _ := http.NewRequest(tc.method, s.URL+tc.path, nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !bytes.Contains(body, []byte(`"error"`)) || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, resp.StatusCode, body, tc.status)
			}
		}
	})

	t.Run("model and CORS", func(t *testing.T) {
		resp, err := client.Get(s.URL + "/v1/model")
		if err != nil {
			t.Fatal(err)
		}
		var info struct {
			Architecture struct{ Name string }
			Parameters   int
			SHA256       string
			Source       string
			Kernel       string
		}
		err = json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
		if err != nil || info.Architecture.Name != "small" || info.Parameters == 0 || len(info.SHA256) != 64 || info.Source == "" {
			t.Errorf("/v1/model: %+v %v", info, err)
		}
		if info.Kernel != "simd128" {
			t.Errorf("the Worker runs the %q kernels, want simd128", info.Kernel)
		}
		req, _ := http.NewRequest("OPTIONS", s.URL+"/v1/embed", nil)
		req.Header.Set("Origin", "https://example.com")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err = client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
		}
	})

	// A request that ends the Go program gets a 500; the next request
	// starts a fresh one and is answered.
	t.Run("a dead program is replaced", func(t *testing.T) {
		status, _, body, err := post(s.URL+"/__test/exit", "audio/wav", in[3].body, "")
		if err != nil || status != 500 || !strings.Contains(string(body), "exited") {
			t.Errorf("exit hook: %d %s %v", status, body, err)
		}
		_, got, err := embedded(post(s.URL+"/v1/embed?pool=mean", in[0].ctype, in[0].body, ""))
		if err == nil {
			err = closeTo(got, want[key(in[0].name, "c", "mean")])
		}
		if err != nil {
			t.Errorf("after the exit: %v", err)
		}
	})

	// 400 requests, 16 at a time, good and bad mixed: every good one gets
	// its embedding, every bad one its 4xx; the isolate answers after.
	t.Run("burst", func(t *testing.T) {
		bad := badInputs(t, in)
		const n, parallel = 400, 16
		errs := make(chan error, n)
		var wg sync.WaitGroup
		sem := make(chan struct{}, parallel)
		for i := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if i%3 == 2 {
					tc := bad[i%len(bad)]
					status, _, body, err := post(s.URL+tc.target, tc.ctype, tc.body, tc.accept)
					if err := badAnswer(status, body, err, tc); err != nil {
						errs <- fmt.Errorf("request %d, %s: %v", i, tc.name, err)
					}
					return
				}
				f, layer, pool := in[i%len(in)], []string{"c", "z"}[i/2%2], []string{"none", "mean"}[i/4%2]
				accept := []string{"", "application/x-npy"}[i/8%2]
				_, got, err := embedded(post(s.URL+"/v1/embed?layer="+layer+"&pool="+pool, f.ctype, f.body, accept))
				if err == nil {
					err = closeTo(got, want[key(f.name, layer, pool)])
				}
				if err != nil {
					errs <- fmt.Errorf("request %d, %s: %v", i, key(f.name, layer, pool), err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		failed := 0
		for err := range errs {
			if failed++; failed <= 10 {
				t.Error(err)
			}
		}
		if failed > 0 {
			t.Errorf("%d of %d requests failed", failed, n)
		}
		resp, err := client.Get(s.URL + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("after the burst: %v %v", resp, err)
		}
		resp.Body.Close()
	})
}

type badCase struct {
	name, target, ctype, accept string
	body                        []byte
	status                      int
	code, msg                   string
}

// badInputs are the bad inputs, each with its status, error code
// and a part of its message.
func badInputs(t *testing.T, in []input) []badCase {
	t.Helper()
	x, err := audio.Decode("wav", in[3].body)
	if err != nil {
		t.Fatal(err)
	}
	wav := in[3].body
	long := audio.EncodeWAV16(make([]float32, 10*audio.SampleRate+1), audio.SampleRate)
	return []badCase{
		{"empty body", "/v1/embed", "audio/wav", "", nil, 400, "empty_body", "empty body"},
		{"body over the limit", "/v1/embed", "audio/wav", "", make([]byte, 2<<20+1), 413, "body_too_large", "limit is 2097152 bytes"},
		{"no content type", "/v1/embed", "", "", wav, 415, "unsupported_media_type", "no Content-Type"},
		{"wrong content type", "/v1/embed", "text/plain", "", wav, 415, "unsupported_media_type", "text/plain"},
		{"truncated WAV", "/v1/embed", "audio/wav", "", wav[:len(wav)/3], 400, "bad_audio", "audio:"},
		{"truncated FLAC", "/v1/embed", "audio/flac", "", in[0].body[:len(in[0].body)/2], 400, "bad_audio", "audio:"},
		{"not audio", "/v1/embed", "audio/wav", "", []byte("hello, this is not a WAV file"), 400, "bad_audio", "not a WAV or FLAC file"},
		{"wrong rate", "/v1/embed", "audio/wav", "", audio.EncodeWAV16(x[:8000], 44100), 422, "wrong_sample_rate", "44100 Hz"},
		{"shorter than 465 samples", "/v1/embed", "audio/wav", "", audio.EncodeWAV16(x[:464], audio.SampleRate), 422, "too_short", "464 samples"},
		{"over 10 s", "/v1/embed", "audio/wav", "", long, 413, "audio_too_long", "160001 samples"},
		{"bad layer", "/v1/embed?layer=h", "audio/wav", "", wav, 400, "bad_query", `layer "h"`},
		{"bad pool", "/v1/embed?pool=max", "audio/wav", "", wav, 400, "bad_query", `pool "max"`},
		{"unknown parameter", "/v1/embed?pools=mean", "audio/wav", "", wav, 400, "bad_query", `"pools"`},
		{"not acceptable", "/v1/embed", "audio/wav", "text/html", wav, 406, "not_acceptable", "application/x-npy"},
		{"unknown route", "/v1/embeddings", "audio/wav", "", wav, 404, "not_found", "/v1/embeddings"},
		{"wrong method", "/healthz", "audio/wav", "", wav, 405, "method_not_allowed", "use GET"},
	}
}

func badAnswer(status int, body []byte, err error, tc badCase) error {
	if err != nil {
		return err
	}
	var e struct {
		Error struct {
			Status        int
			Code, Message string
		}
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("status %d, body not JSON: %.200s", status, body)
	}
	if status != tc.status || e.Error.Status != tc.status || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.msg) {
		return fmt.Errorf("%d %s, want %d %s with %q", status, body, tc.status, tc.code, tc.msg)
	}
	return nil
}

// wrangler (the version package-lock.json pins) accepts the bundle that
// make worker built: wrangler deploy --dry-run bundles it as a deploy
// would and stops before uploading.
func TestWranglerDryRun(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "node_modules", ".bin", "wrangler")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("wrangler missing (make deps, or npm ci, installs it): %v", err)
		}
		t.Skipf("wrangler missing (make deps, or npm ci, installs it): %v", err)
	}
	out := t.TempDir()
	cmd := exec.Command(bin, "deploy", "--dry-run", "--outdir", out, "-c", filepath.Join(root, "wasm", "worker", "wrangler.toml"))
	cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false", "NO_COLOR=1", "HOME="+t.TempDir())
	b, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(b, []byte("Total Upload")) || !bytes.Contains(b, []byte("--dry-run: exiting now")) {
		t.Fatalf("wrangler deploy --dry-run: %v\n%s", err, b)
	}
	for _, ext := range []string{".wasm", ".safetensors", ".txt", ".js"} {
		if m, _ := filepath.Glob(filepath.Join(out, "*"+ext)); len(m) != 1 {
			t.Errorf("wrangler's bundle has %d %s modules, want 1", len(m), ext)
		}
	}
	t.Logf("%s", b[bytes.Index(b, []byte("Total Upload")):])
}
