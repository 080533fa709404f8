// The training engine's thread. The Go module runs here, never on the
// page's thread, so the page stays responsive however long a step takes:
// build/cpc-relaxed.wasm, with the relaxed-SIMD kernels (fused
// multiply-add), build/cpc.wasm, with the SIMD128 ones, or
// build/cpc-generic.wasm, pure Go, as boot chooses or is asked. The page sends {id, cmd, args} and gets {id, result}
// or {id, error}; progress comes as {event, ...} messages.
//
// With several workers asked for, this thread is rank 0 of a group of
// data-parallel replicas (group.js): it starts a replica.js worker for
// each other one, running the same module with the same utterances, and
// each trains on its share of every batch. The replicas exchange data
// over a SharedArrayBuffer where the page is cross-origin isolated, else
// by messages through this thread.
importScripts('build/wasm_exec.js', 'group.js', 'images-worker.js');

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
let pool = null;             // the other replicas, while several workers train
let messagesOnly = false;    // ?transport=messages: no shared memory even where the page could have it

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
async function boot({kernel, transport} = {}) {
  if (transport) {
    if (transport !== 'shared' && transport !== 'messages') throw new Error(`unknown transport "${transport}" (shared or messages)`);
    messagesOnly = transport === 'messages';
  }
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
  stopPool(`the training engine stopped (${why})`);
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
    message += await restoreImages();
    if (/out of memory/.test(why)) message += '. Try a smaller batch or window, or the small model.';
  } catch (e) {
    message = `The training engine stopped (${why}) and could not restart: ${e.message}`;
  }
  post({event: 'restarted', message, model: model?.info ?? null, imageModel: imageModel?.info ?? null});
}

// --- the other workers ---------------------------------------------------------

// MAX_WORKERS bounds the workers a page may ask for.
const MAX_WORKERS = 16;

// exchange says how replicas would exchange data on this page.
function exchange() {
  if (messagesOnly) return {shared: false, note: 'messages (asked for)'};
  if (self.crossOriginIsolated && typeof SharedArrayBuffer === 'function') return {shared: true, note: 'shared memory'};
  return {shared: false, note: 'messages: the page is not cross-origin isolated, so there is no shared memory'};
}

// workersFor is the number of workers a run uses: the most, up to those
// asked for, that split the batch evenly.
function workersFor(settings) {
  const asked = Math.max(1, Math.min(MAX_WORKERS, Math.floor(settings.workers || 1)));
  let n = Math.min(asked, settings.batch);
  while (settings.batch % n !== 0) n--;
  return n;
}

// Replica is one replica.js worker, called as the page calls this one.
class Replica {
  constructor(rank, size, p) {
    this.rank = rank;
    this.calls = new Map();
    this.next = 1;
    this.worker = new Worker('replica.js');
    this.worker.onmessage = ({data}) => {
      if (data.group) return p.group.receive(rank, data);
      if (data.event === 'stopped') return p.fail(data.why);
      const c = this.calls.get(data.id);
      this.calls.delete(data.id);
      if ('error' in data) c.reject(new Error(data.error));
      else c.resolve(data.result);
    };
    this.worker.onerror = e => {
      e.preventDefault();
      p.fail(`worker ${rank + 1} of ${size} failed (${e.message})`);
    };
  }

  call(cmd, args, transfer) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, {resolve, reject});
      this.worker.postMessage({id, cmd, args}, transfer || []);
    });
  }

  stop(why) {
    this.worker.terminate();
    for (const c of this.calls.values()) c.reject(new Error(why));
    this.calls.clear();
  }
}

// startPool starts size - 1 replicas, gives them the utterances and joins
// this engine to their group.
async function startPool(size) {
  const how = exchange();
  const buffer = how.shared ? cpcGroup.sharedBuffer(size) : null;
  const p = {size, shared: how.shared, note: how.note, replicas: [], synced: false, reason: ''};
  p.group = how.shared ? new cpcGroup.SharedGroup(buffer, 0, size)
    : new cpcGroup.HubGroup(size, (r, msg, transfer) => p.replicas[r - 1].worker.postMessage(msg, transfer || []));
  // fail stops the group when a replica stops: training under way fails
  // with why; between runs the page hears of it, and the next run
  // starts the workers afresh.
  p.fail = why => {
    if (p.reason) return;
    p.reason = why;
    p.group.abort(why);
    if (!running && pool === p) {
      stopPool(why);
      engine('leave').catch(() => {});
      post({event: 'workers', size: 1, transport: '', note: `${why}; the next start starts the workers afresh`});
    }
  };
  for (let r = 1; r < size; r++) p.replicas.push(new Replica(r, size, p));
  // The utterances as they are now go out at once, behind boot (replica.js
  // runs every command after it); edits from now on follow them.
  const calls = p.replicas.map(rep => rep.call('boot', {module, rank: rep.rank, size, buffer}));
  for (const [id, u] of utterances) {
    for (const rep of p.replicas) calls.push(rep.call('add', {id, speaker: u.speaker, samples: u.samples}));
  }
  pool = p;
  try {
    await Promise.all(calls);
    await engine('join', p.group);
  } catch (e) {
    stopPool(e.message);
    throw new Error(`could not start ${size} workers: ${p.reason || e.message}`);
  }
  post({event: 'workers', size, transport: p.shared ? 'shared' : 'messages', note: p.note});
}

// stopPool ends the other replicas, if any; the engine must leave their
// group before it trains again.
function stopPool(why) {
  if (!pool) return;
  const p = pool;
  pool = null;
  p.group.abort(why || 'the workers were stopped');
  for (const rep of p.replicas) rep.stop(why || 'the workers were stopped');
}

// replicas sends a command to every other replica, if there are any.
function replicas(cmd, args) {
  return pool ? Promise.all(pool.replicas.map(rep => rep.call(cmd, args))) : Promise.resolve();
}

// usePool brings the workers to size: the replicas started or stopped,
// and given the engine's model (its architecture and settings: the
// weights follow when training starts) if it changed since.
async function usePool(size) {
  if (pool && pool.size !== size) {
    stopPool();
    await engine('leave');
  }
  if (size > 1 && !pool) await startPool(size);
  if (pool && !pool.synced) {
    const bytes = await engine('exportModel');
    await replicas('loadModel', {bytes, settings: applied});
    pool.synced = true;
  }
  if (size === 1) post({event: 'workers', size: 1, transport: '', note: ''});
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
  if (pool && (fresh || !sameSettings(applied, settings))) pool.synced = false;
  applied = settings;
  const size = workersFor(settings);
  running = true;
  stop = false;
  let done = 0, last = null;
  try {
    await usePool(size);
    while (done < steps && !stop) {
      // Every replica trains the same steps; the engine's stop (a pause,
      // a plot due) reaches them with the next step's sums.
      const others = replicas('train', {steps: steps - done});
      others.catch(() => {}); // awaited below, after the engine's own
      last = await engine('train', steps - done, m => {
        done++;
        post({event: 'step', metrics: m});
        return !stop && !plotDue();
      }) ?? last;
      await others;
      if (last && plotDue()) await plotPoints(last.step);
    }
  } catch (e) {
    // A model that never trained is forgotten, so that the next start
    // makes one of the settings then chosen (the model config too).
    if (fresh && done === 0) model = applied = null;
    const failed = pool;
    if (!failed) throw e;
    // A replica failed, or the engine did: the group cannot go on. The
    // model stays as of its last step; the next start starts the workers
    // afresh.
    const why = failed.reason || failed.group.aborted() || e.message;
    stopPool(why);
    await engine('leave').catch(() => {});
    const at = (await engine('metrics').catch(() => null))?.step ?? 0;
    if (model) {
      model.checkpoint = await engine('exportModel');
      model.saved = applied;
    }
    post({event: 'workers', size: 1, transport: '', note: ''});
    throw new Error(`Training on ${size} workers stopped: ${why}. The model is kept as of step ${at}; Start trains on with fresh workers.`);
  } finally {
    running = false;
  }
  if (last && plot.step !== last.step) await plotPoints(last.step);
  model.checkpoint = await engine('exportModel');
  model.saved = applied;
  return {done, stopped: stop, metrics: last, model: model.info, workers: size};
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
    await replicas('add', {id, speaker, samples});
    return {samples: samples.length};
  },
  async addSamples({id, speaker, samples}) {
    await engine('add', id, speaker, samples);
    utterances.set(id, {speaker, samples});
    await replicas('add', {id, speaker, samples});
    return samples.length;
  },
  async setSpeaker({id, speaker}) {
    await engine('setSpeaker', id, speaker);
    utterances.get(id).speaker = speaker;
    await replicas('setSpeaker', {id, speaker});
    plot.at = 0; // redraw with the new colours at the next chance
  },
  async remove({id}) {
    await engine('remove', id);
    utterances.delete(id);
    await replicas('remove', {id});
  },
  train,
  async pause() { stop = true; },
  async reset() {
    if (running) throw new Error('pause training first');
    model = applied = null;
    plot = {at: 0, cost: 0, step: -1};
    if (pool) pool.synced = false;
  },
  async importModel({bytes, settings}) {
    if (running) throw new Error('pause training first');
    const info = await engine('loadModel', bytes, settings);
    model = {info, checkpoint: bytes, saved: settings};
    applied = settings;
    if (pool) pool.synced = false;
    await plotPoints(info.step);
    return info;
  },
  async exportModel() {
    if (!model) throw new Error('no model yet: train or import one first');
    return engine('exportModel');
  },
  // stopWorker ends replica rank as a fatal error in it would (for
  // tests; cpcDemo.debug.stopWorker).
  async stopWorker({rank}) {
    if (!pool || !(rank >= 1 && rank < pool.size)) throw new Error(`no worker ${rank + 1} is training`);
    pool.replicas[rank - 1].call('stop', {why: 'stopped for a test'}).catch(() => {});
  },
  async embedFile({bytes, name}) {
    if (!model) throw new Error('no model yet: train or import one first');
    return engine('embed', await engine('decode', bytes, name));
  },
};

Object.assign(commands, imageCommands);

onmessage = async ({data: {id, cmd, args}}) => {
  try {
    const result = await commands[cmd](args || {});
    post({id, result});
  } catch (e) {
    post({id, error: e && e.message ? e.message : String(e)});
  }
};
