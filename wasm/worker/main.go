//go:build js && wasm

// Command worker is the embedding endpoint as a Cloudflare Worker: the
// HTTP API of package handler, served two ways.
//
// worker.mjs, beside it, starts this program once per isolate and keeps it
// for every request. It sets globalThis.context to
//
//	{binding: {}, model: Uint8Array, modelSource: string, testHooks: bool}
//
// before the program runs: the checkpoint's bytes (a data module of the
// bundle) and where they came from. This program decodes the model and
// sets, on binding:
//
//	serve(method, url, headers, body)  one request, answered synchronously:
//	                                   headers [[name, value], …], body a
//	                                   Uint8Array → {status, headers, body}
//	maxBodyBytes                       the body limit: worker.mjs reads no
//	                                   more than one byte past it
//	handleRequest(request)             syumai/workers' asynchronous handler
//
// then calls syumai's workers.ready import; a checkpoint that fails to
// load sets binding.startError instead. A Worker must not settle one
// request's promises or touch its streams from another request's turn,
// and a Go program shared by requests would (its goroutines run on
// whichever call enters it), so the shared program is entered only
// through serve, which does all of a request's work inside one call.
// handleRequest streams bodies through promises the way syumai/workers
// does; worker.mjs uses it when it starts a program per request, as
// syumai's own glue does (make bench-worker compares the two). This
// package only converts: the API is package handler's.
package main

import (
	"bytes"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"syscall/js"

	"github.com/gocpc/cpc/asm"
	"github.com/gocpc/cpc/wasm/worker/handler"
	"github.com/syumai/workers"
)

// memoryLimit keeps Go's heap, and so the module's linear memory, which
// never shrinks, well inside a Workers isolate's 128 MB.
const memoryLimit = 100 << 20

func main() {
	ctx := js.Global().Get("context")
	model := ctx.Get("model")
	ckpt := make([]byte, model.Length())
	js.CopyBytesToGo(ckpt, model)
	h, err := handler.New(ckpt, ctx.Get("modelSource").String(), asm.Path(), handler.DefaultLimits)
	if err != nil {
		ctx.Get("binding").Set("startError", err.Error())
		workers.Ready()
		select {}
	}
	debug.SetMemoryLimit(memoryLimit)
	var hd http.Handler = h
	if ctx.Get("testHooks").Truthy() {
		hd = testHooks{h}
	}
	binding := ctx.Get("binding")
	binding.Set("maxBodyBytes", handler.DefaultLimits.BodyBytes)
	binding.Set("serve", js.FuncOf(func(_ js.Value, args []js.Value) any { return serve(hd, args) }))
	workers.ServeNonBlock(rawBody{hd})
	workers.Ready()
	select {} // requests arrive as calls of binding.serve or binding.handleRequest
}

// serve runs one request given as (method, url, headers, body) through h
// and returns {status, headers, body}. Nothing in it waits on JavaScript.
func serve(h http.Handler, args []js.Value) any {
	method, url, headers, jsBody := args[0].String(), args[1].String(), args[2], args[3]
	var body []byte
	if jsBody.Truthy() {
		body = make([]byte, jsBody.Length())
		js.CopyBytesToGo(body, jsBody)
	}
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		r, _ = http.NewRequest(method, "/", nil) // the handler answers 404
	}
	for i := range headers.Length() {
		kv := headers.Index(i)
		r.Header.Add(kv.Index(0).String(), kv.Index(1).String())
	}
	w := &recorder{header: http.Header{}, status: http.StatusOK}
	h.ServeHTTP(w, r)
	status := w.status
	out := js.Global().Get("Array").New()
	for k, vs := range w.header {
		for _, v := range vs {
			out.Call("push", js.ValueOf([]any{k, v}))
		}
	}
	b := js.Global().Get("Uint8Array").New(w.body.Len())
	js.CopyBytesToJS(b, w.body.Bytes())
	if len(body) > 0 {
		// The next request's buffers then reuse this one's memory rather
		// than grow the module's (which never shrinks) past it.
		body, w = nil, nil
		runtime.GC()
	}
	return map[string]any{"status": status, "headers": out, "body": b}
}

// recorder keeps a response for serve.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header         { return w.header }
func (w *recorder) WriteHeader(status int)      { w.status = status }
func (w *recorder) Write(p []byte) (int, error) { return w.body.Write(p) }

// rawBody hands each response body of handleRequest to JavaScript whole,
// as a Uint8Array, rather than through syumai/workers' pipe, whose Close
// also ends workers.Serve's wait (a program that serves one request).
type rawBody struct{ h http.Handler }

// rawJSBodyWriter is what syumai/workers' ResponseWriter offers for a body
// made in JavaScript.
type rawJSBodyWriter interface{ WriteRawJSBody(js.Value) }

func (rb rawBody) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, ok := w.(rawJSBodyWriter)
	if !ok {
		rb.h.ServeHTTP(w, r)
		return
	}
	buf := &buffered{ResponseWriter: w}
	rb.h.ServeHTTP(buf, r)
	body := js.Global().Get("Uint8Array").New(buf.b.Len())
	js.CopyBytesToJS(body, buf.b.Bytes())
	raw.WriteRawJSBody(body)
}

// buffered keeps the body; status and headers go to the real writer.
type buffered struct {
	http.ResponseWriter
	b bytes.Buffer
}

func (b *buffered) Write(p []byte) (int, error) { return b.b.Write(p) }

// testHooks adds what the end-to-end test needs to check that a request
// which ends the program does not take the next ones with it: /__test/exit
// ends it as a fatal error would. Only a workerd started with
// CPC_TEST_HOOKS=1 has them.
type testHooks struct{ h http.Handler }

func (t testHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/__test/exit" {
		os.Exit(3)
	}
	t.h.ServeHTTP(w, r)
}
