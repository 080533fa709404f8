# Every build, test and benchmark entry point the README names.
GO      ?= go
BIN     := bin/cpc
WASMEXEC = $(shell $(GO) env GOROOT)/lib/wasm/go_js_wasm_exec
# Builds and runs js/wasm programs with the SIMD128 kernels merged in.
WASMSIMD = $(CURDIR)/scripts/wasm-simd.sh
TOOLS    = node_modules/.package-lock.json

.PHONY: build run test deps vet test-native test-noasm test-arm64 test-wasm bench-kernels sample

build:
	$(GO) build -o $(BIN) ./cmd/cpc

# Trains the small config on the bundled sample: progress bar on stderr,
# model.safetensors, metrics.jsonl and loss.png in run/.
run: build
	$(BIN) train --config small --steps 500 --save-every 100 --out run

# The paper's Table 1 on the bundled sample (README, "Evaluation"): trains
# R8, the recipe issue 17's protocol chose on three generated corpora and
# confirmed on three others (README, "Generated corpora"): the small model
# with H = 256, on all 180 utterances, as the paper trains on the whole
# 100 h set its probe splits come from (about 20 minutes on 2 cores; windows
# of half the paper's length, twice as many a batch; same-speaker batches,
# then uniform; the past heard through random rooms and noise). Then it
# probes the model beside MFCCs and the untrained model it started from
# (run/probe-init), each classifier's L2 chosen by cross-validation on the
# train split; c_t is also read four frames late (run/probe+4), as far past
# the labelled span as MFCC's deltas see. The table is printed and kept in
# run/probe/table.md.
# `make probe DATA=DIR PROBE_OUT=run/NAME` does the same on a corpus `make
# corpus` generated (its phones.txt, train.txt and test.txt).
PROBE_OUT ?= run/probe
PROBE_RECIPE = --config small --hidden 256 --window 10240 --batch 16 --lr 2e-3 --warmup 100 --steps 4800 \
	--sampler same-speaker@2500,uniform --clip 1 --augment-past rt60=0.1:1.0,snr=5:30
.PHONY: probe
probe: build
	$(BIN) train $(if $(DATA),--data $(DATA)) $(PROBE_RECIPE) --save-every 500 --out $(PROBE_OUT)
	$(BIN) train $(if $(DATA),--data $(DATA)) $(PROBE_RECIPE) --steps 0 --save-every 0 --out $(PROBE_OUT)-init
	$(BIN) probe $(if $(DATA),--data $(DATA) --phones phones.txt --train-split train.txt --test-split test.txt) --l2 auto \
		--features $(PROBE_OUT),$(PROBE_OUT)+4,$(PROBE_OUT):z,mfcc,$(PROBE_OUT)-init | tee $(PROBE_OUT)/table.md

deps:
	scripts/deps.sh

test: deps vet test-native test-noasm test-arm64 test-wasm test-browser test-worker test-mpi test-mksample

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

# js/wasm under node, on the browser's kernel paths: the plain build (pure
# Go), then -tags wasmsimd, each test binary merged with the SIMD128
# kernels before it runs (scripts/wasm-simd.sh exec), then the kernels
# with -tags wasmrelaxed, which adds the relaxed-SIMD path (node 20 runs
# it with --experimental-wasm-relaxed-simd, which the script passes).
# wasm/jsgroup, replicas training in worker_threads over www/group.js,
# runs on the SIMD128 build only: its transport is the same on every
# kernel path, and the pure-Go module trains 40 times slower.
test-wasm: $(TOOLS)
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec "$(WASMEXEC)" ./asm/... ./core/nn/... ./core/cpc/... ./core/audio/... ./core/npy/... ./core/safetensors/... ./core/pca/... ./core/mfcc/... ./core/probe/... ./core/images/... ./core/session/... ./wasm/browser/... ./wasm/worker/...
	GOOS=js GOARCH=wasm $(GO) vet -tags wasmsimd ./...
	GOOS=js GOARCH=wasm $(GO) test -count=1 -tags wasmsimd -exec "$(WASMSIMD) exec" ./asm/... ./core/nn/... ./core/cpc/... ./core/session/... ./wasm/...
	GOOS=js GOARCH=wasm $(GO) vet -tags wasmrelaxed ./asm/... ./wasm/browser/...
	GOOS=js GOARCH=wasm $(GO) test -count=1 -tags wasmrelaxed -exec "$(WASMSIMD) exec" ./asm/...

# wabt (wat2wasm) and binaryen (wasm-merge) at the versions
# package-lock.json pins, in node_modules/ (not committed).
$(TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund

# The browser demo's three modules, beside the wasm_exec.js of the Go that
# built them, in www/build/ (not committed; WASMDIR=DIR builds them
# elsewhere, as the browser test does): cpc-relaxed.wasm with the
# relaxed-SIMD kernels, which the page loads where the browser has relaxed
# SIMD, cpc.wasm with the SIMD128 kernels, which it loads elsewhere and for
# ?kernel=simd128, and cpc-generic.wasm, pure Go, which it loads for
# ?kernel=generic; and in mnist/ the digits the Images mode trains on, the
# first 6000 train and 1000 test images of the MNIST that GoMNIST bundles.
WASMDIR := www/build
.PHONY: wasm serve test-browser bench-browser
wasm: $(TOOLS)
	mkdir -p "$(WASMDIR)"
	$(WASMSIMD) build "$(WASMDIR)/cpc-relaxed.wasm" ./wasm/browser wasmrelaxed
	$(WASMSIMD) build "$(WASMDIR)/cpc.wasm" ./wasm/browser
	GOOS=js GOARCH=wasm $(GO) build -o "$(WASMDIR)/cpc-generic.wasm" ./wasm/browser
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" "$(WASMDIR)/"
	$(GO) run ./scripts/mnistsubset -train 6000 -test 1000 -out "$(WASMDIR)/mnist"

# Serves the demo page at http://127.0.0.1:8080/.
serve: build wasm
	$(BIN) serve

# Drives the demo page in headless Chromium (Debian's chromium): builds the
# modules with make wasm into a fresh directory and serves them as cpc
# serve does; on the module the page picks (relaxed SIMD where Chromium
# validates it), loads the sample, trains, exports the checkpoint and
# checks it against native code; then checks that ?kernel=simd128 and
# ?kernel=generic run those modules.
test-browser: $(TOOLS)
	$(GO) vet -tags browser ./cmd/cpc
	$(GO) test -count=1 -tags browser -run Browser ./cmd/cpc

# The training step beside PyTorch (Debian's python3-torch, or a torch put
# first on PYTHONPATH), one step of each in turn, on one and two threads,
# both presets; then the paper step's growth with batch and with window
# length (BENCHMARKS.md). scripts/deps.sh bench installs OpenBLAS first:
# without it Debian's torch runs its products on the reference BLAS, and
# the benchmark prints PyTorch's times but no ratio.
.PHONY: bench-train
bench-train: build
	scripts/deps.sh bench
	$(BIN) bench train --config paper --threads 1,2 --steps 7
	$(BIN) bench train --config small --threads 1,2 --steps 7
	$(BIN) bench train --config paper --batch 2,4,8 --torch=false
	$(BIN) bench train --config paper --window 10240,20480,40960 --torch=false

# The image model's training step beside PyTorch on one and two threads
# (BENCHMARKS.md, "Image step"), OpenBLAS installed first as above.
.PHONY: bench-images
bench-images: build
	scripts/deps.sh bench
	$(BIN) bench images --batch 16,64 --threads 1,2 --steps 9 --warmup 2

bench-kernels:
	scripts/deps.sh bench
	$(GO) run ./bench/kernels

# The small config's training step in headless Chromium on the
# relaxed-SIMD, SIMD128 and pure-Go modules on one worker, then on the
# relaxed-SIMD module with 2 workers (and 4 and 8 where the machine has
# the cores), beside the native step on one thread, taken in turn
# (BENCHMARKS.md, "Browser"); then Sgemm and the exp kernels under node on
# the relaxed, SIMD128 and generic paths.
bench-browser: build wasm
	$(GO) run ./bench/browser
	GOOS=js GOARCH=wasm $(GO) run -tags wasmrelaxed -exec "$(WASMSIMD) exec" ./bench/kernels -python "" -only ³

# The embedding endpoint as a Cloudflare Worker (README, "Serve
# embeddings at the edge"), in wasm/worker/build/ (not committed): the
# wasm/worker program with the SIMD128 kernels, shrunk by binaryen, its
# glue, and the checkpoint MODEL (default: the bundled small model, made
# by make worker-model) stored as WEIGHTS (bf16, half the bytes, so that
# the bundle fits the Free plan; or f32); then the bundle's size against
# Cloudflare's limits.
WORKERDIR := wasm/worker/build
MODEL     ?= wasm/worker/small.safetensors
WEIGHTS   ?= bf16
.PHONY: worker worker-model serve-worker deploy-worker test-worker bench-worker
worker: $(TOOLS) build
	mkdir -p "$(WORKERDIR)"
	$(WASMSIMD) build "$(WORKERDIR)/cpc.wasm" ./wasm/worker
	$(WASMSIMD) shrink "$(WORKERDIR)/cpc.wasm"
	cp wasm/worker/worker.mjs "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" "$(WORKERDIR)/"
	$(BIN) convert --model "$(MODEL)" --out "$(WORKERDIR)/model.safetensors" --dtype $(WEIGHTS)
	printf '%s (%s)\n' "$(MODEL)" "$(WEIGHTS)" > "$(WORKERDIR)/model-source.txt"
	wasm/worker/size.sh "$(WORKERDIR)"

# Trains the bundled checkpoint, wasm/worker/small.safetensors: the small
# model on the bundled sample, make probe's settings for 1000 steps (about
# 3 to 5 minutes on 2 cores; on one machine, the same file every time).
worker-model: build
	$(BIN) train --config small --window 10240 --batch 16 --lr 2e-3 --warmup 100 --clip 1 --seed 1 --threads 2 --steps 1000 --save-every 0 --out run/worker-model
	cp run/worker-model/model.safetensors wasm/worker/small.safetensors

# Serves the built Worker with workerd at http://127.0.0.1:8787/.
serve-worker: worker
	node_modules/.bin/workerd serve wasm/worker/workerd.capnp

deploy-worker: worker
	node_modules/.bin/wrangler deploy -c wasm/worker/wrangler.toml

# Builds the Worker, serves it with workerd on a loopback port and checks
# it end to end against native cpc embed: sample files in, every bad input,
# a burst of mixed requests; then wrangler deploy --dry-run.
test-worker: worker
	$(GO) vet -tags workerd ./wasm/worker/workerd
	$(GO) test -count=1 -timeout 5m -tags workerd ./wasm/worker/workerd

# The Worker in workerd on loopback, cold and warm, 1 s and 10 s of audio,
# beside native embedding of the same audio in the same run; the bundle's
# size (BENCHMARKS.md, "Edge").
bench-worker: build worker
	$(GO) run ./bench/worker

# The cpc binary with the MPI transport (cgo over Debian's Open MPI):
# mpirun -np N bin/cpc-mpi train --distributed mpi … (README, "Train on a
# cluster"). The default build stays pure Go.
MPIRUN = mpirun --allow-run-as-root --oversubscribe
.PHONY: cpc-mpi test-mpi bench-mpi
cpc-mpi: deps
	$(GO) build -tags mpi -o bin/cpc-mpi ./cmd/cpc

# Data-parallel training over MPI on 2 local ranks: the binding's
# collectives; 2 ranks training as one process with their global batch
# (losses and weights within 1e-5 after 20 steps); and through the CLI,
# resume, and a killed rank ending the job.
test-mpi: deps
	$(GO) vet -tags mpi ./...
	$(GO) test -tags mpi -c -o bin/mpi.test ./core/dist/mpi
	$(GO) test -tags mpi -c -o bin/train-mpi.test ./core/train
	$(MPIRUN) -np 2 bin/mpi.test -test.count=1 -test.v
	$(MPIRUN) -np 2 bin/train-mpi.test -test.run MPI -test.count=1 -test.v
	$(GO) test -count=1 -tags mpi -run MPI ./cmd/cpc

# The paper step on 1 process and on 2 MPI ranks, one thread each, with
# the time of the ranks' communication (BENCHMARKS.md, "MPI").
bench-mpi: build cpc-mpi
	$(BIN) bench train --config paper --threads 1 --steps 5 --torch=false
	$(MPIRUN) -np 2 bin/cpc-mpi bench train --distributed mpi --config paper --threads 1 --steps 5 --torch=false

# Training on a corpus of 100 h (the sample's files hard-linked under many
# speakers) through its corpus cache, beside the sample in memory: time to
# the first step, steps/s, peak RSS (BENCHMARKS.md, "Corpora larger than
# memory"). Needs about 12 GB of free disk for the cache, removed after.
.PHONY: bench-data
bench-data: build
	$(GO) run ./bench/data -hours 100 -steps 15 -config paper

# Regenerates the bundled sample corpus (needs espeak-ng, libespeak-ng-dev, sox, flac).
sample: deps
	$(GO) run -tags mksample ./scripts/mksample -out core/sample/corpus

# The corpus generator end to end (cgo over libespeak-ng, Flite and
# Festival run as commands): a 15-utterance corpus from all three, read
# back as the trainer and the probe read it. The pure-Go parts
# (scripts/mksample/corpus) run in test-native.
.PHONY: test-mksample
test-mksample: deps
	$(GO) vet -tags mksample ./scripts/mksample
	$(GO) test -count=1 -tags mksample ./scripts/mksample

# A generated corpus (scripts/mksample/README.md, "Generated corpora"):
# at least MINUTES of speech from the synthesisers SYNTH (espeak, flite,
# festival), SPEAKERS speakers, sentences, prosody, noise and rooms drawn
# from SEED, in OUT (outside the repository: corpora are generated, never
# committed). CORPUS_FLAGS adds generator flags (-snr 10:30, -rt60 0.2:0.6,
# -text generated, …). Needs espeak-ng, libespeak-ng-dev, flite, festival,
# festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts and flac.
SEED     ?= 1
MINUTES  ?= 15
SYNTH    ?= espeak,flite,festival
SPEAKERS ?= 12
.PHONY: corpus
corpus: deps
	@test -n "$(OUT)" || { echo "make corpus needs OUT=DIR (outside the repository)" >&2; exit 2; }
	$(GO) run -tags mksample ./scripts/mksample -out "$(OUT)" -seed $(SEED) -minutes $(MINUTES) -synth $(SYNTH) -speakers $(SPEAKERS) $(CORPUS_FLAGS)
