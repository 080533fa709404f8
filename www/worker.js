// The training engine's thread. The Go module runs here, never on the
// page's thread, so the page stays responsive however long a step takes:
// build/cpc-relaxed.wasm, with the relaxed-SIMD kernels (fused
// multiply-add), build/cpc.wasm, with the SIMD128 ones, or
// build/cpc-generic.wasm, pure Go, as boot chooses or is asked. The page sends {id, cmd, args} and gets {id, result}
// or {id, error}; progress comes as {event, ...} messages.
importScripts('build/wasm_exec.js');

const MAX_PLOT = 24;        // utterances in the embedding plot
const PLOT_SAMPLES = 8000;  // of each, the middle half second
const PLOT_SHARE = 0.2;     // time spent redrawing the plot, at most, while training

let go = null;               // the running Go program
let module = '';             // its file
let cpc = null;              // its API, globalThis.cpc
let dead = null;             // rejects when the program stops
let halt = null;             // (why) => marks the program stopped and restarts it
let fatal = '';              // the runtime's fatal error or panic, if any
const utterances = new Map(); // id → {speaker, samples}: to refill a restarted module
let model = null;            // {info, checkpoint, saved}: the model, its last checkpoint and that one's settings
let applied = null;          // the settings the model trains with
let stop = false;            // a pause was asked for
let running = false;
let plot = {at: 0, cost: 0, step: -1};

const post = (msg, transfer) => postMessage(msg, transfer || []);

// The Go runtime writes its output with console.log, a fatal error (out
// of memory, say) one line at a time before a long trace: keep that line.
const log = console.log.bind(console);
console.log = (...a) => {
  const line = a.join(' ');
  if (!fatal && /^(fatal error|panic):/.test(line)) fatal = line;
  log(...a);
};

// The modules, best first: each one that an engine cannot compile falls
// back to the next.
const MODULES = {relaxed: 'build/cpc-relaxed.wasm', simd128: 'build/cpc.wasm', generic: 'build/cpc-generic.wasm'};

// RELAXED is a module of one function of one f32x4.relaxed_madd, which
// engines with relaxed SIMD validate.
const RELAXED = Uint8Array.from(atob('AGFzbQEAAAABBgFgAXsBewMCAQAKDQELACAAIAAgAP2FAgs='), c => c.charCodeAt(0));

// boot starts the module of the kernel path asked for, or by default the
// relaxed-SIMD one where the engine validates RELAXED and the SIMD128 one
// elsewhere (once; a restart keeps it), and answers the path it runs. An
// engine that cannot compile a module gets the next one instead.
async function boot({kernel} = {}) {
  if (!module) {
    if (kernel && !Object.hasOwn(MODULES, kernel)) throw new Error(`unknown kernel path "${kernel}" (relaxed, simd128 or generic)`);
    module = MODULES[kernel || (WebAssembly.validate(RELAXED) ? 'relaxed' : 'simd128')];
  }
  go = new Go();
  fatal = '';
  let code = 0;
  go.exit = c => { code = c; };
  let instance;
  for (;;) {
    try {
      ({instance} = await WebAssembly.instantiateStreaming(fetch(module), go.importObject));
      break;
    } catch (e) {
      const files = Object.values(MODULES);
      if (!(e instanceof WebAssembly.CompileError) || module === MODULES.generic) throw e;
      module = files[files.indexOf(module) + 1];
    }
  }
  let fail, over = false;
  dead = new Promise((_, reject) => { fail = reject; });
  dead.catch(() => {}); // observed through engine() only
  halt = why => {
    if (over) return;
    over = true;
    fail(new Error(`the training engine stopped (${why})`));
    restart(why);
  };
  go.run(instance).then(() => halt(fatal || `exit code ${code}`));
  cpc = globalThis.cpc;
  return cpc.kernel();
}

// engine calls the module's function name, failing if the module stops
// before it answers.
function engine(name, ...args) {
  try {
    return Promise.race([cpc[name](...args), dead]);
  } catch (e) {
    // The program can end, or trap, inside the call: the module cannot go
    // on, and the call throws whatever the broken module met.
    if (!go.exited && !(e instanceof WebAssembly.RuntimeError)) throw e;
    halt(fatal || e.message);
    return dead;
  }
}

// A trap while a step resumes from a timer has no caller to throw to.
addEventListener('error', e => {
  if (e.error instanceof WebAssembly.RuntimeError) {
    e.preventDefault();
    halt(e.error.message);
  }
});

// restart brings up a fresh module after a fatal error, most likely out of
// memory: the audio comes back, and the model as of its last checkpoint,
// with the settings it had then (the new ones may be what failed).
async function restart(why) {
  running = false;
  let message = `The training engine stopped (${why}) and was restarted`;
  try {
    await boot();
    for (const [id, u] of utterances) await engine('add', id, u.speaker, u.samples);
    if (model?.checkpoint) {
      model.info = await engine('loadModel', model.checkpoint, model.saved);
      applied = model.saved;
      message += `; the model is back as it was at step ${model.info.step}`;
    } else {
      model = applied = null;
    }
    if (/out of memory/.test(why)) message += '. Try a smaller batch or window, or the small model.';
  } catch (e) {
    message = `The training engine stopped (${why}) and could not restart: ${e.message}`;
  }
  post({event: 'restarted', message, model: model?.info ?? null});
}

function sameSettings(a, b) {
  return a && b && a.window === b.window && a.batch === b.batch && a.lr === b.lr;
}

// plotPoints picks up to MAX_PLOT utterances, as many of each speaker as
// fit, and projects their mean c_t onto two principal components.
async function plotPoints(step) {
  const bySpeaker = new Map();
  for (const [id, u] of utterances) {
    if (!bySpeaker.has(u.speaker)) bySpeaker.set(u.speaker, []);
    bySpeaker.get(u.speaker).push(id);
  }
  const ids = [];
  for (let round = 0; ids.length < MAX_PLOT; round++) {
    const before = ids.length;
    for (const list of bySpeaker.values()) if (round < list.length && ids.length < MAX_PLOT) ids.push(list[round]);
    if (ids.length === before) break;
  }
  if (ids.length < 3) return;
  const speakers = ids.map(id => utterances.get(id).speaker); // as they are now: edits may come while this runs
  const start = performance.now();
  const means = await engine('embedMeans', ids, PLOT_SAMPLES);
  const xy = await engine('pca', means.data, ids.length, means.dim);
  plot = {at: performance.now(), cost: performance.now() - start, step};
  post({event: 'projection', step,
    points: ids.map((id, i) => ({id, speaker: speakers[i], x: xy[2 * i], y: xy[2 * i + 1]}))});
}

const plotDue = () => performance.now() - plot.at > plot.cost * (1 / PLOT_SHARE - 1);

async function train({steps, settings}) {
  if (running) throw new Error('training is already running');
  const fresh = !model;
  if (fresh) {
    model = {info: await engine('newModel', settings)};
  } else if (!sameSettings(applied, settings)) {
    model.info = await engine('configure', settings);
  }
  applied = settings;
  running = true;
  stop = false;
  let done = 0, last = null;
  try {
    while (done < steps && !stop) {
      last = await engine('train', steps - done, m => {
        done++;
        post({event: 'step', metrics: m});
        return !stop && !plotDue();
      }) ?? last;
      if (last && plotDue()) await plotPoints(last.step);
    }
  } catch (e) {
    // A model that never trained is forgotten, so that the next start
    // makes one of the settings then chosen (the model config too).
    if (fresh && done === 0) model = applied = null;
    throw e;
  } finally {
    running = false;
  }
  if (last && plot.step !== last.step) await plotPoints(last.step);
  model.checkpoint = await engine('exportModel');
  model.saved = applied;
  return {done, stopped: stop, metrics: last, model: model.info};
}

const commands = {
  boot,
  // addFile answers {error} when the engine cannot decode the file, so
  // that the page can try the browser's decoders.
  async addFile({id, speaker, bytes, name}) {
    let samples;
    try {
      samples = await engine('decode', bytes, name);
    } catch (e) {
      return {error: e.message};
    }
    await engine('add', id, speaker, samples);
    utterances.set(id, {speaker, samples});
    return {samples: samples.length};
  },
  async addSamples({id, speaker, samples}) {
    await engine('add', id, speaker, samples);
    utterances.set(id, {speaker, samples});
    return samples.length;
  },
  async setSpeaker({id, speaker}) {
    await engine('setSpeaker', id, speaker);
    utterances.get(id).speaker = speaker;
    plot.at = 0; // redraw with the new colours at the next chance
  },
  async remove({id}) {
    await engine('remove', id);
    utterances.delete(id);
  },
  train,
  async pause() { stop = true; },
  async reset() {
    if (running) throw new Error('pause training first');
    model = applied = null;
    plot = {at: 0, cost: 0, step: -1};
  },
  async importModel({bytes, settings}) {
    if (running) throw new Error('pause training first');
    const info = await engine('loadModel', bytes, settings);
    model = {info, checkpoint: bytes, saved: settings};
    applied = settings;
    await plotPoints(info.step);
    return info;
  },
  async exportModel() {
    if (!model) throw new Error('no model yet: train or import one first');
    return engine('exportModel');
  },
  async embedFile({bytes, name}) {
    if (!model) throw new Error('no model yet: train or import one first');
    return engine('embed', await engine('decode', bytes, name));
  },
};

onmessage = async ({data: {id, cmd, args}}) => {
  try {
    const result = await commands[cmd](args || {});
    post({id, result});
  } catch (e) {
    post({id, error: e && e.message ? e.message : String(e)});
  }
};
