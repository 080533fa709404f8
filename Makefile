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

deps:
	scripts/deps.sh

test: deps vet test-native test-noasm test-arm64 test-wasm

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
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec "$(WASMEXEC)" ./asm/... ./core/nn/... ./core/cpc/... ./core/audio/... ./core/npy/... ./core/safetensors/...

bench-kernels:
	$(GO) run ./bench/kernels

# Regenerates the bundled sample corpus (needs espeak-ng, libespeak-ng-dev, sox, flac).
sample:
	$(GO) run -tags mksample ./scripts/mksample -out core/sample/corpus
