// The Worker's entry module: starts the Go program (cpc.wasm, built from
// wasm/worker) once per isolate and hands it every request.
//
// syumai/workers' generated worker.mjs instantiates a fresh Go program for
// each request. Here one program, with the model decoded once, serves them
// all, each request in one synchronous call (binding.serve): a Worker may
// not settle one request's promises or touch its streams from another
// request's turn, which a shared Go program's goroutines would do. If the
// program dies (a fatal error, a trap), that request gets a 500 and the
// next one starts a fresh program: a failure costs one start, never the
// isolate.
//
// env.CPC_INSTANCE_PER_REQUEST = "1" starts a program per request and
// serves it through syumai/workers' asynchronous handler, as syumai's glue
// does (make bench-worker measures both); env.CPC_TEST_HOOKS = "1" turns
// on the end-to-end test's hooks.
import "./wasm_exec.js";
import wasm from "./cpc.wasm";
import model from "./model.safetensors";
import modelSource from "./model-source.txt";

let shared = null; // the program serving this isolate: {go, binding}

// start runs a Go program up to its workers.ready() call, which it makes
// before the program first waits: go.run has then done its synchronous part.
function start(env) {
  const go = new Go();
  const binding = {};
  let ready = false;
  const instance = new WebAssembly.Instance(wasm, {
    ...go.importObject,
    workers: { ready: () => (ready = true) },
  });
  globalThis.context = {
    binding,
    model: new Uint8Array(model),
    modelSource: modelSource.trim(),
    testHooks: env.CPC_TEST_HOOKS === "1",
  };
  let code;
  go.exit = (c) => (code = c);
  go.run(instance);
  if (!ready) {
    throw new Error(`the Go program exited while starting (code ${code})`);
  }
  if (binding.startError) {
    throw new Error(binding.startError);
  }
  return { go, binding };
}

function internalError(message) {
  const body = { error: { status: 500, code: "internal", message } };
  return new Response(JSON.stringify(body) + "\n", {
    status: 500,
    headers: {
      "Content-Type": "application/json",
      "Access-Control-Allow-Origin": "*",
      "Cache-Control": "no-store",
    },
  });
}

// readBody reads at most limit + 1 bytes of the body: enough for the Go
// side to see that it is over the limit, without holding all of a huge one.
async function readBody(request, limit) {
  if (request.body === null) {
    return null;
  }
  const reader = request.body.getReader();
  const chunks = [];
  let n = 0;
  while (n <= limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.byteLength;
  }
  if (n > limit) {
    await reader.cancel();
  }
  const body = new Uint8Array(Math.min(n, limit + 1));
  let at = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, body.length - at);
    body.set(c.subarray(0, take), at);
    at += take;
  }
  return body;
}

async function serveShared(request, env) {
  let program, body;
  try {
    body = await readBody(request, (shared ??= start(env)).binding.maxBodyBytes);
    program = shared ??= start(env); // another request may have replaced it meanwhile
  } catch (e) {
    return internalError(String(e?.message ?? e));
  }
  let out;
  try {
    out = program.binding.serve(request.method, request.url, [...request.headers], body);
  } catch (e) {
    shared = null; // a trap leaves the program in no known state
    return internalError(String(e?.message ?? e));
  }
  if (program.go.exited) {
    shared = null;
    return internalError("the Go program exited");
  }
  const noBody = [101, 204, 205, 304].includes(out.status);
  return new Response(noBody ? null : out.body, { status: out.status, headers: out.headers });
}

async function servePerRequest(request, env) {
  try {
    return await start(env).binding.handleRequest(request);
  } catch (e) {
    return internalError(String(e?.message ?? e));
  }
}

export default {
  fetch(request, env) {
    if (env.CPC_INSTANCE_PER_REQUEST === "1") {
      return servePerRequest(request, env);
    }
    return serveShared(request, env);
  },
};
