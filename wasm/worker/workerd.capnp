# workerd's config for the embedding Worker built by `make worker` (into
# build/ beside this file): one service on 127.0.0.1:8787, loopback only.
#
#   node_modules/.bin/workerd serve wasm/worker/workerd.capnp
#   node_modules/.bin/workerd serve wasm/worker/workerd.capnp --socket-addr http=127.0.0.1:9000
#
# CPC_INSTANCE_PER_REQUEST=1 in the environment starts a Go program per
# request (syumai/workers' own way, for make bench-worker); CPC_TEST_HOOKS=1
# turns on the end-to-end test's hooks. The modules and the compatibility
# date are those of wrangler.toml.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "cpc", worker = .embedWorker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "cpc")],
);

const embedWorker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "build/worker.mjs"),
    (name = "wasm_exec.js", esModule = embed "build/wasm_exec.js"),
    (name = "cpc.wasm", wasm = embed "build/cpc.wasm"),
    (name = "model.safetensors", data = embed "build/model.safetensors"),
    (name = "model-source.txt", text = embed "build/model-source.txt"),
  ],
  compatibilityDate = "2025-07-01",
  bindings = [
    (name = "CPC_INSTANCE_PER_REQUEST", fromEnvironment = "CPC_INSTANCE_PER_REQUEST"),
    (name = "CPC_TEST_HOOKS", fromEnvironment = "CPC_TEST_HOOKS"),
  ],
);
