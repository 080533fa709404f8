package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gocpc/cpc/core/data"
	"github.com/gocpc/cpc/core/sample"
)

func runServe(args []string, stderr io.Writer) error {
	fl := newFlags("serve", "[flags]", stderr)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on")
	www := fl.String("www", "www", "directory of the demo page")
	build := fl.String("wasm", filepath.Join("www", "build"), "directory holding cpc-relaxed.wasm, cpc.wasm, cpc-generic.wasm and wasm_exec.js (make wasm)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fl.Arg(0))}
	}
	h, err := pageHandler(*www, *build)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "serving the demo page at http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// pageHandler serves the demo page: the files of www at /, the wasm modules
// (cpc-relaxed.wasm, cpc.wasm for browsers without relaxed SIMD and for
// ?kernel=simd128, cpc-generic.wasm for ?kernel=generic) and the
// wasm_exec.js of the Go that built them at /build/, and the bundled sample
// corpus at /sample/, listed in /sample/index.json; every response with
// the headers that make the page cross-origin isolated.
func pageHandler(www, build string) (http.Handler, error) {
	for _, f := range []string{filepath.Join(www, "index.html"), filepath.Join(build, "cpc-relaxed.wasm"), filepath.Join(build, "cpc.wasm"), filepath.Join(build, "wasm_exec.js")} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%w (run make wasm in the repository to build the page)", err)
		}
	}
	index, err := sampleIndex()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(www)))
	mux.Handle("/build/", http.StripPrefix("/build/", http.FileServer(http.Dir(build))))
	mux.Handle("/sample/", http.StripPrefix("/sample/", http.FileServerFS(sample.FS)))
	mux.HandleFunc("/sample/index.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(index)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Streaming compilation needs this type whatever the system's
		// MIME tables say; no-cache makes a rebuilt module load at once.
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		w.Header().Set("Cache-Control", "no-cache")
		// Cross-origin isolation: the page's workers share a
		// SharedArrayBuffer only where the page is isolated (without
		// it they exchange messages). Everything here is same-origin.
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		mux.ServeHTTP(w, r)
	}), nil
}

// sampleUtterance is one entry of /sample/index.json.
type sampleUtterance struct {
	ID      string `json:"id"`
	Speaker string `json:"speaker"`
	Path    string `json:"path"`
}

func sampleIndex() ([]byte, error) {
	c, err := data.Scan(sample.FS, nil)
	if err != nil {
		return nil, fmt.Errorf("bundled sample: %w", err)
	}
	list := make([]sampleUtterance, len(c.Utterances))
	for i, u := range c.Utterances {
		list[i] = sampleUtterance{u.ID, u.Speaker, u.Path}
	}
	return json.Marshal(list)
}
