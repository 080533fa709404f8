// The demo page: controls, list and charts. All computing happens in the
// worker (worker.js); this thread only talks to it and draws.
import {drawTraining, drawPerK, drawScatter, speakerColour} from './charts.js';
import {browserDecode, Recorder, RATE} from './audio.js';
import {fieldNumber, download, showStats} from './form.js';
import {request, listen} from './engine.js';
import {renderList} from './list.js';
import {initImages, onImageEvent, onImageRestart} from './images.js';

const $ = id => document.getElementById(id);

const page = {
  state: 'starting',   // starting | idle | loading | training | paused
  kernel: '',
  step: 0,
  metrics: null,       // the last step's
  history: [],         // {step, loss, accuracy} of every step since the model was made
  utterances: [],      // {id, speaker, seconds}
  points: [],          // the embedding plot
  model: null,         // {config, parameters} once there is one
  remaining: 0,        // steps left of a paused run
  loading: 0,          // loads in progress
  workers: {size: 1, transport: '', note: ''}, // the workers training, and how they exchange data
};

// The workers a page asks for by default: one a core, at most 8 (each
// holds the utterances and a model of its own).
const CORES = navigator.hardwareConcurrency || 1;
const DEFAULT_WORKERS = Math.min(CORES, 8);

function onEvent(e) {
  switch (e.event) {
    case 'step':
      page.metrics = e.metrics;
      page.step = e.metrics.step;
      page.history.push({step: e.metrics.step, loss: e.metrics.loss, accuracy: e.metrics.accuracy,
        seconds: e.metrics.seconds});
      break;
    case 'projection':
      page.points = e.points;
      break;
    case 'workers':
      page.workers = {size: e.size, transport: e.transport, note: e.note};
      if (e.size === 1 && e.note) showError(e.note, 'note');
      break;
    case 'restarted':
      showError(e.message, 'note');
      Object.assign(page, {model: e.model, step: e.model?.step ?? 0, remaining: 0, state: 'idle'});
      if (!e.model) Object.assign(page, {history: [], metrics: null, points: []});
      onImageRestart(e.imageModel);
      break;
    case 'imageStep':
    case 'imageProjection':
      return onImageEvent(e);
  }
  render();
}

// --- errors ------------------------------------------------------------------

function showError(message, kind) {
  const box = document.createElement('div');
  if (kind) box.className = kind;
  const text = document.createElement('span');
  text.textContent = message;
  const close = document.createElement('button');
  close.textContent = '✕';
  close.title = 'Dismiss';
  close.onclick = () => box.remove();
  box.append(text, close);
  const errors = $('errors');
  errors.append(box);
  while (errors.children.length > 5) errors.firstChild.remove();
}

// guard runs an action from a button, showing its error on the page
// (but for the engine stopping: its restart notice says more).
const guard = action => async (...a) => {
  try {
    return await action(...a);
  } catch (e) {
    if (!/^the training engine stopped/.test(e.message)) showError(e.message);
  }
};

// --- audio -------------------------------------------------------------------

function uniqueId(name) {
  let id = name, n = 2;
  while (page.utterances.some(u => u.id === id)) id = `${name} (${n++})`;
  return id;
}

// A LibriSpeech-style name, <speaker>-<chapter>-<n>, names its speaker.
const speakerOf = name => /^([0-9A-Za-z_]+)-[0-9A-Za-z_]+-[0-9A-Za-z_]+$/.exec(name)?.[1] ?? 'me';

function added(id, speaker, samples) {
  page.utterances.push({id, speaker, seconds: samples / RATE});
  render(true);
}

// addEncoded adds an encoded file: read by the engine (WAV and FLAC at
// 16 kHz, exactly as the command line reads them), else by the browser.
async function addEncoded(buffer, name, id, speaker) {
  const got = await request('addFile', {id, speaker, bytes: new Uint8Array(buffer.slice(0)), name});
  if (got.samples) return added(id, speaker, got.samples);
  let samples;
  try {
    samples = await browserDecode(buffer);
  } catch (e) {
    throw new Error(`${got.error}; the browser cannot decode it either`);
  }
  const n = await request('addSamples', {id, speaker, samples}, [samples.buffer]);
  added(id, speaker, n);
}

async function addFiles(files) {
  page.loading++;
  render();
  try {
    for (const f of files) {
      const stem = f.name.replace(/\.[^.]*$/, '');
      await guard(async () => addEncoded(await f.arrayBuffer(), f.name, uniqueId(stem), speakerOf(stem)))();
    }
  } finally {
    page.loading--;
    render();
  }
}

let sampleLoaded = null;

// nextFrame resolves after the animation frame render() has asked for.
const nextFrame = () => new Promise(ok => requestAnimationFrame(() => ok()));

// loadSample fetches the bundled corpus listed in sample/index.json.
function loadSample() {
  sampleLoaded ??= (async () => {
    page.loading++;
    render();
    try {
      const list = await (await fetch('sample/index.json')).json();
      let next = 0;
      const fetchOne = async () => {
        while (next < list.length) {
          const u = list[next++];
          if (page.utterances.some(x => x.id === u.id)) continue;
          const res = await fetch(`sample/${u.path}`);
          if (!res.ok) throw new Error(`sample/${u.path}: ${res.status} ${res.statusText}`);
          const buffer = await res.arrayBuffer();
          const got = await request('addFile', {id: u.id, speaker: u.speaker, bytes: new Uint8Array(buffer), name: u.path}, [buffer]);
          if (!got.samples) throw new Error(got.error);
          added(u.id, u.speaker, got.samples);
          $('data-summary').textContent = `Loading the sample: ${next} of ${list.length}…`;
        }
      };
      await Promise.all([fetchOne(), fetchOne(), fetchOne(), fetchOne()]);
      page.utterances.sort((a, b) => a.id.localeCompare(b.id));
      return list.length;
    } catch (e) {
      sampleLoaded = null; // a later click tries again
      throw e;
    } finally {
      page.loading--;
      render(true);
      await nextFrame(); // resolve once the list and the controls show it done
    }
  })();
  return sampleLoaded;
}

let recorder = null;

async function toggleRecording() {
  if (!recorder) {
    const r = new Recorder();
    await r.start();
    recorder = r;
    return render();
  }
  const r = recorder;
  recorder = null;
  render();
  const samples = await r.stop();
  const id = uniqueId('recording');
  const n = await request('addSamples', {id, speaker: 'me', samples}, [samples.buffer]);
  added(id, 'me', n);
}

// --- training ----------------------------------------------------------------

function setState(s) {
  page.state = s;
  render();
}

function settings() {
  return {
    config: $('config').value,
    window: fieldNumber('window', 2400, 160000, true),
    batch: fieldNumber('batch', 1, 64, true),
    lr: fieldNumber('lr', 1e-6, 0.1, false),
    workers: fieldNumber('workers', 1, 16, true),
  };
}

function stepsField() {
  const v = Number($('steps').value);
  if (!(Number.isInteger(v) && v >= 1)) throw new Error('Steps must be a whole number of at least 1');
  return v;
}

// train runs n steps (the rest of a paused run if n is not given).
async function train(n) {
  if (page.state === 'training') throw new Error('training is already running');
  if (page.loading) throw new Error('the audio is still loading: train once it is all in');
  const s = settings();
  const steps = n ?? (page.state === 'paused' && page.remaining > 0 ? page.remaining : stepsField());
  setState('training');
  try {
    const r = await request('train', {steps, settings: s});
    page.model = r.model;
    page.remaining = r.stopped ? steps - r.done : 0;
    setState(r.stopped ? 'paused' : 'idle');
  } catch (e) {
    setState(page.remaining > 0 ? 'paused' : 'idle');
    throw e;
  }
  return status();
}

async function startOrPause() {
  if (page.state === 'training') return request('pause');
  return train();
}

async function newModel() {
  await request('reset');
  Object.assign(page, {model: null, history: [], metrics: null, points: [], step: 0, remaining: 0});
  setState('idle');
}

async function importCheckpoint(bytes) {
  const info = await request('importModel', {bytes, settings: settings()});
  Object.assign(page, {history: [], metrics: null, step: info.step, remaining: 0, model: info});
  const name = info.config.name;
  if ([...$('config').options].some(o => o.value === name)) $('config').value = name;
  setState('idle');
  return info;
}

async function exportCheckpoint() {
  const bytes = await request('exportModel');
  download(bytes, 'model.safetensors');
}

const setSpeaker = guard(async (u, speaker, undo) => {
  try {
    await request('setSpeaker', {id: u.id, speaker});
  } catch (e) {
    undo();
    throw e;
  }
  u.speaker = speaker;
  for (const p of page.points) if (p.id === u.id) p.speaker = speaker;
  render(true);
});

const remove = guard(async u => {
  await request('remove', {id: u.id});
  page.utterances = page.utterances.filter(v => v !== u);
  render(true);
});

// --- drawing -----------------------------------------------------------------

const speakers = () => [...new Set(page.utterances.map(u => u.speaker))].sort();
const colourOf = s => speakerColour(Math.max(0, speakers().indexOf(s)));

function renderSummary() {
  if (page.loading && /^Loading/.test($('data-summary').textContent)) return;
  const n = page.utterances.length;
  if (n === 0) {
    $('data-summary').textContent = page.loading ? 'Loading…' : 'Nothing loaded yet.';
    return;
  }
  const total = page.utterances.reduce((s, u) => s + u.seconds, 0);
  const win = Number($('window').value) || 0;
  const short = page.utterances.filter(u => u.seconds * RATE < win).length;
  $('data-summary').textContent = `${n} utterance${n > 1 ? 's' : ''} · ${speakers().length} speaker${speakers().length > 1 ? 's' : ''} · ` +
    (total < 60 ? `${total.toFixed(1)} s` : `${(total / 60).toFixed(1)} min`) + (short ? ` · ${short} shorter than a window (embeddings only)` : '');
}

function renderControls() {
  const s = page.state, ready = s !== 'starting';
  $('engine-state').textContent = {starting: 'starting…', idle: 'ready', loading: 'loading audio…',
    training: 'training', paused: 'paused'}[status().state];
  $('kernel').textContent = page.kernel || '…';
  $('other-kernel').hidden = !page.kernel;
  $('other-kernel').textContent = page.kernel === 'generic' ? 'reload with SIMD' : 'reload with pure Go';
  $('other-kernel').href = (page.kernel === 'generic' ? '?' : '?kernel=generic') + location.hash; // the same mode
  $('start').textContent = s === 'training' ? 'Pause' : s === 'paused' ? 'Resume' : page.model ? 'Train more' : 'Start';
  // Pause stays available; starting waits for loads to finish, lest
  // training begin on part of the audio.
  $('start').disabled = !ready || (s !== 'training' && (page.utterances.length === 0 || page.loading > 0));
  $('reset').disabled = !page.model || s === 'training';
  $('export').disabled = !page.model || !ready;
  $('config').disabled = !!page.model;
  for (const id of ['window', 'batch', 'lr', 'steps', 'workers']) $(id).disabled = s === 'training';
  const w = page.workers;
  $('workers-used').textContent = w.size;
  $('workers-note').textContent = w.size > 1 ? `(${w.note})` : '';
  $('workers-hint').textContent = `Workers: this device has ${CORES} core${CORES > 1 ? 's' : ''}. Each worker ` +
    'trains on its share of every batch and the gradients are summed once a step; a run uses the most ' +
    'workers, up to those asked for, that split the batch evenly. The optimizer restarts when they change.';
  $('load-sample').disabled = !ready || !!sampleLoaded;
  $('load-sample').textContent = sampleLoaded ? (page.loading ? 'Loading the sample…' : 'Sample loaded') : 'Load the sample (12 speakers)';
  $('record').textContent = recorder ? '■ Stop recording' : '● Record';
  $('record').classList.toggle('on', !!recorder);
  $('record').disabled = !ready;
  showStats('', page.metrics, page.step, !!page.model);
  const c = page.model?.config;
  $('model-info').textContent = c
    ? `Model: ${c.name}, C = ${c.channels}, H = ${c.hidden}, K = ${c.prediction_steps}; ` +
      `${(page.model.parameters / 1e6).toFixed(2)} M parameters. The optimizer restarts when settings change.`
    : 'No model yet: Start makes one with these settings.';
}

function renderLegend() {
  const shown = [...new Set(page.points.map(p => p.speaker))].sort();
  $('legend').replaceChildren(...shown.map(s => {
    const el = document.createElement('span');
    el.style.setProperty('--c', colourOf(s));
    el.textContent = s;
    return el;
  }));
}

let frame = 0, listChanged = true;

// render redraws at the next animation frame (steps can come faster than
// the screen needs); the list only when it changed, so that a speaker tag
// being typed in keeps its focus.
function render(list) {
  listChanged ||= !!list;
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderControls();
    renderSummary();
    if (listChanged) {
      renderList($('utterances').tBodies[0], page.utterances,
        {window: Number($('window').value) || 0, colourOf, onSpeaker: setSpeaker, onRemove: remove});
    }
    listChanged = false;
    renderLegend();
    drawTraining($('chart'), page.history);
    drawPerK($('per-k'), page.metrics?.accuracyK);
    drawScatter($('scatter'), page.points, colourOf);
  });
}

// --- for people and for automated browsers ---------------------------------

function status() {
  const m = page.metrics;
  const state = page.state === 'idle' && page.loading ? 'loading' : page.state;
  return {state, step: page.step, loss: m ? m.loss : null, accuracy: m ? m.accuracy : null,
    stepsPerSec: m ? m.stepsPerSec : null, kernel: page.kernel, workers: page.workers.size,
    transport: page.workers.transport};
}

// ?kernel=relaxed, simd128 or generic forces a module; by default the
// engine runs the relaxed-SIMD kernels where the browser has relaxed SIMD,
// else the SIMD128 ones. ?transport=messages makes several workers
// exchange data by messages even where the page is cross-origin isolated;
// ?workers=N asks for N workers.
const query = new URLSearchParams(location.search);
$('workers').value = query.get('workers') || DEFAULT_WORKERS;
const started = request('boot', {kernel: query.get('kernel'), transport: query.get('transport')}).then(kernel => {
  page.kernel = kernel;
  setState('idle');
});
started.catch(e => showError(`The training engine could not start: ${e.message}`));

const images = initImages(started, guard);

// showMode shows the Speech or the Images mode, as the address's #images
// or #speech asks; both share the engine and its thread.
function showMode() {
  const imagesShown = location.hash === '#images';
  $('speech-mode').hidden = imagesShown;
  $('images-mode').hidden = !imagesShown;
  $(imagesShown ? 'mode-images' : 'mode-speech').setAttribute('aria-current', 'page');
  $(imagesShown ? 'mode-speech' : 'mode-images').removeAttribute('aria-current');
  render(true);
  images.render();
}
window.onhashchange = showMode;
showMode();

window.cpcDemo = {
  ready: () => started,
  status,
  history: () => page.history.slice(),
  loadSample,
  train: n => train(n),
  pause: () => request('pause'),
  exportCheckpoint: () => request('exportModel'),
  importCheckpoint,
  // embed returns c_t of a file of the sample, read as the page reads it.
  async embed(path) {
    const res = await fetch(`sample/${path}`);
    if (!res.ok) throw new Error(`sample/${path}: ${res.status} ${res.statusText}`);
    const e = await request('embedFile', {bytes: new Uint8Array(await res.arrayBuffer()), name: path});
    return {frames: e.frames, dim: e.dim, data: Array.from(e.data)};
  },
  // For tests: worker n (2 or more: 1 is the engine) stops as if its
  // program had a fatal error.
  debug: {stopWorker: n => request('stopWorker', {rank: n - 1})},
  // The Images mode: load, train(n), pause, status, history, probe,
  // exportCheckpoint, importCheckpoint, features(split, n).
  images: images.api,
};

listen(onEvent, showError);
$('load-sample').onclick = guard(loadSample);
$('add-files').onchange = guard(async e => {
  const files = [...e.target.files];
  e.target.value = '';
  await addFiles(files);
});
$('record').onclick = guard(toggleRecording);
$('start').onclick = guard(startOrPause);
$('reset').onclick = guard(newModel);
$('export').onclick = guard(exportCheckpoint);
$('import-file').onchange = guard(async e => {
  const f = e.target.files[0];
  e.target.value = '';
  if (f) await importCheckpoint(new Uint8Array(await f.arrayBuffer()));
});
$('window').oninput = () => render(true);
window.onresize = () => { render(); images.render(); };
render();
