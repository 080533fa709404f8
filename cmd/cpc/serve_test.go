package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocpc/cpc/core/sample"
)

func TestPageHandler(t *testing.T) {
	www, build := t.TempDir(), t.TempDir()
	if _, err := pageHandler(www, build); err == nil || !strings.Contains(err.Error(), "make wasm") {
		t.Fatalf("without the page and the module: %v", err)
	}
	for path, body := range map[string]string{
		filepath.Join(www, "index.html"):         "<!doctype html>",
		filepath.Join(build, "cpc-relaxed.wasm"): "\x00asm",
		filepath.Join(build, "cpc.wasm"):         "\x00asm",
		filepath.Join(build, "wasm_exec.js"):     "// Go",
	} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := pageHandler(www, build)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path, wantType string) []byte {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), wantType) || res.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("%s: %s, %q, %q", path, res.Status, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
		}
		// Cross-origin isolation, which SharedArrayBuffer needs.
		if res.Header.Get("Cross-Origin-Opener-Policy") != "same-origin" || res.Header.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
			t.Fatalf("%s: COOP %q, COEP %q", path, res.Header.Get("Cross-Origin-Opener-Policy"), res.Header.Get("Cross-Origin-Embedder-Policy"))
		}
		return b
	}
	get("/", "text/html")
	get("/build/cpc.wasm", "application/wasm")
	get("/build/wasm_exec.js", "text/javascript")

	var list []sampleUtterance
	if err := json.Unmarshal(get("/sample/index.json", "application/json"), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 180 || list[0] != (sampleUtterance{"100-1-0000", "100", "100/1/100-1-0000.flac"}) {
		t.Fatalf("%d utterances listed, the first %+v", len(list), list[0])
	}
	want, _ := fs.ReadFile(sample.FS, list[0].Path)
	if got := get("/sample/"+list[0].Path, ""); !bytes.Equal(got, want) {
		t.Errorf("/sample/%s: %d bytes, want %d", list[0].Path, len(got), len(want))
	}
}

func TestServeFlags(t *testing.T) {
	if code, stderr := cli("serve", "extra"); code != 2 || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if code, stderr := cli("serve", "--www", t.TempDir()); code != 1 || !strings.Contains(stderr, "make wasm") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
