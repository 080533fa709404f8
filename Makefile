# Every build, test and benchmark entry point the README names.
GO      ?= go
BIN     := bin/cpc
WASMEXEC = $(shell $(GO) env GOROOT)/lib/wasm/go_js_wasm_exec

.PHONY: build run test deps vet test-native test-noasm test-arm64 test-wasm bench-kernels sample

build:
	$(GO) build -o $(BIN) ./cmd/cpc

# Trains the small config on the bundled sample: progress bar on stderr,
# model.safetensors, metrics.jsonl and loss.png in run/.
run: build
	$(BIN) train --config small --steps 500 --save-every 100 --out run

# The paper's Table 1 on the bundled sample (README, "Evaluation"): trains
# the small model on all 180 utterances, as the paper trains on the whole
# 100 h set its probe splits come from (about 9 minutes on 2 cores), then
# probes it beside MFCCs and the untrained model it started from. The table
# is printed and kept in run/probe/table.md.
.PHONY: probe
probe: build
	$(BIN) train --config small --lr 2e-3 --warmup 100 --steps 2500 --save-every 500 --out run/probe
	$(BIN) probe --features run/probe,run/probe:z,mfcc,random:small | tee run/probe/table.md

deps:
	scripts/deps.sh

test: deps vet test-native test-noasm test-arm64 test-wasm test-browser

vet:
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...

test-native:
	$(GO) test -count=1 ./...

# The pure-Go kernels, as every platform without assembly runs them.
test-noasm:
	$(GO) test -count=1 -tags noasm ./asm/... ./core/nn/... ./core/cpc/...

test-arm64:
	GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64 ./asm/... ./core/nn/...

test-wasm:
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec "$(WASMEXEC)" ./asm/... ./core/nn/... ./core/cpc/... ./core/audio/... ./core/npy/... ./core/safetensors/... ./core/pca/... ./core/mfcc/... ./core/probe/... ./wasm/...

# The browser demo: the wasm module, beside the wasm_exec.js of the Go that
# built it, in www/build/ (not committed).
.PHONY: wasm serve test-browser
wasm:
	GOOS=js GOARCH=wasm $(GO) build -o www/build/cpc.wasm ./wasm/browser
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" www/build/

# Serves the demo page at http://127.0.0.1:8080/.
serve: build wasm
	$(BIN) serve

# Drives the demo page in headless Chromium (Debian's chromium): loads the
# sample, trains, exports the checkpoint and checks it against native code.
test-browser:
	$(GO) vet -tags browser ./cmd/cpc
	$(GO) test -count=1 -tags browser -run Browser ./cmd/cpc

# The training step beside PyTorch (Debian's python3-torch), one step of
# each in turn, on one and two threads, both presets; then the paper
# step's growth with batch and with window length (BENCHMARKS.md).
.PHONY: bench-train
bench-train: build deps
	$(BIN) bench train --config paper --threads 1,2 --steps 7
	$(BIN) bench train --config small --threads 1,2 --steps 7
	$(BIN) bench train --config paper --batch 2,4,8 --torch=false
	$(BIN) bench train --config paper --window 10240,20480,40960 --torch=false

bench-kernels:
	scripts/deps.sh bench
	$(GO) run ./bench/kernels

# Regenerates the bundled sample corpus (needs espeak-ng, libespeak-ng-dev, sox, flac).
sample:
	$(GO) run -tags mksample ./scripts/mksample -out core/sample/corpus
