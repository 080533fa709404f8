// The demo page's Images mode: CPC on digits (paper §3.2), trained by the
// same engine as the speech model (images-worker.js is its side there).
import {drawTraining, drawPerK, drawScatter, drawDigits, speakerColour} from './charts.js';
import {fieldNumber, download, showStats} from './form.js';
import {request} from './engine.js';

const $ = id => document.getElementById(id);

const img = {
  ready: false,        // the engine has started
  state: 'idle',       // idle | loading | training | paused
  digits: null,        // {train, test, pixels, labels}: counts and the first train digits, once loaded
  model: null,         // {config, step, parameters} once there is one
  step: 0,
  metrics: null,
  history: [],
  points: [],          // the projection's {x, y, speaker: digit}
  remaining: 0,
  probe: null,         // {rows, train, test} of the last probe
  probing: false,
  reading: null,       // what the probe's classifiers made of the drawn digit: {model, pixels} or {error}
};

let guard = f => f;

export function onImageEvent(e) {
  if (e.event === 'imageStep') {
    img.metrics = e.metrics;
    img.step = e.metrics.step;
    img.history.push({step: e.metrics.step, loss: e.metrics.loss, accuracy: e.metrics.accuracy});
  } else if (e.event === 'imageProjection') {
    img.points = e.points;
  }
  render();
}

// onRestart takes the engine's word on the image model after a restart.
export function onImageRestart(model) {
  Object.assign(img, {model, step: model?.step ?? 0, remaining: 0, state: 'idle', probe: null});
  if (!model) Object.assign(img, {history: [], metrics: null, points: []});
  render();
}

function settings() {
  return {batch: fieldNumber('image-batch', 2, 256, true), lr: fieldNumber('image-lr', 1e-6, 0.1, false)};
}

async function load() {
  if (img.digits) return img.digits;
  img.state = 'loading';
  render();
  try {
    img.digits = await request('imagesLoad');
  } finally {
    img.state = 'idle';
    render();
  }
  return img.digits;
}

// train runs n steps (the rest of a paused run if n is not given).
async function train(n) {
  if (img.state === 'training') throw new Error('training is already running');
  if (!img.digits) throw new Error('load the digits first');
  const s = settings();
  let steps = n;
  if (steps === undefined) {
    steps = Number($('image-steps').value);
    if (img.state === 'paused' && img.remaining > 0) steps = img.remaining;
    else if (!(Number.isInteger(steps) && steps >= 1)) throw new Error('Steps must be a whole number of at least 1');
  }
  img.state = 'training';
  render();
  try {
    const r = await request('imagesTrain', {steps, settings: s});
    img.model = r.model;
    img.remaining = r.stopped ? steps - r.done : 0;
    img.state = r.stopped ? 'paused' : 'idle';
  } catch (e) {
    img.state = img.remaining > 0 ? 'paused' : 'idle';
    throw e;
  } finally {
    render();
  }
  return status();
}

async function probe() {
  img.probing = true;
  render();
  try {
    img.probe = await request('imagesProbe');
    img.probe.step = img.step;
  } finally {
    img.probing = false;
    render();
  }
  return img.probe;
}

async function reset() {
  await request('imagesReset');
  Object.assign(img, {model: null, history: [], metrics: null, points: [], step: 0, remaining: 0, probe: null, state: 'idle'});
  render();
}

async function importCheckpoint(bytes) {
  const info = await request('imagesImport', {bytes, settings: settings()});
  Object.assign(img, {history: [], metrics: null, step: info.step, remaining: 0, model: info, probe: null, state: 'idle'});
  render();
  return info;
}

async function exportCheckpoint() {
  const bytes = await request('imagesExport');
  download(bytes, 'model.safetensors');
}

export function status() {
  const m = img.metrics;
  return {state: img.state, step: img.step, loss: m ? m.loss : null, accuracy: m ? m.accuracy : null,
    stepsPerSec: m ? m.stepsPerSec : null, digits: img.digits ? {train: img.digits.train, test: img.digits.test} : null,
    points: img.points.length};
}

// --- drawing -----------------------------------------------------------------

const digitColour = d => speakerColour(Number(d));

function renderProbe() {
  const rows = img.probe?.rows ?? [];
  $('probe-table').tBodies[0].replaceChildren(...rows.map(r => {
    const tr = document.createElement('tr');
    for (const [text, cls] of [[r.features, ''], [r.dim, 'num'], [`${(100 * r.accuracy).toFixed(1)}%`, 'num']]) {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
    }
    return tr;
  }));
  $('probe-table').hidden = rows.length === 0;
  const p = img.probe;
  $('image-probe').textContent = img.probing ? 'Fitting the probe…' : 'Run the linear probe';
  $('probe-note').textContent = p
    ? `Fitted on ${p.train} train digits, scored on ${p.test} test digits, with the model of step ${p.step}. ` +
      'Each row\'s L2 weight is chosen by 4-fold cross-validation on the train digits; the baselines are fitted once.'
    : 'The paper\'s evaluation: a linear classifier reads the digit from the frozen features, beside the same ' +
      'network untrained and the raw pixels. The first run also fits the two baselines (a minute or two).';
}

function renderControls() {
  const s = img.state, busy = s === 'training' || img.probing;
  $('image-start').textContent = s === 'training' ? 'Pause' : s === 'paused' ? 'Resume' : img.model ? 'Train more' : 'Start';
  $('image-start').disabled = !img.ready || !img.digits || (img.probing && s !== 'training');
  $('image-reset').disabled = !img.model || busy;
  $('image-export').disabled = !img.model || busy;
  $('image-probe').disabled = !img.model || busy;
  $('load-digits').disabled = !img.ready || !!img.digits || s === 'loading';
  $('load-digits').textContent = img.digits ? 'Digits loaded' : s === 'loading' ? 'Loading the digits…' : 'Load the digits (MNIST)';
  for (const id of ['image-batch', 'image-lr', 'image-steps']) $(id).disabled = s === 'training';
  const d = img.digits;
  $('digits-summary').textContent = d ? `${d.train} train and ${d.test} test digits of 28×28 (MNIST's first); the first ${d.labels.length} below.` : 'Nothing loaded yet.';
  showStats('image-', img.metrics, img.step, !!img.model);
  const c = img.model?.config;
  $('image-model-info').textContent = c
    ? `Model: a ${c.grid}×${c.grid} grid of ${c.patch} px patches, D = ${c.dim}, H = ${c.hidden}, K = ${c.predictionSteps} rows; ` +
      `${(img.model.parameters / 1e3).toFixed(0)} k parameters. The optimizer restarts when settings change.`
    : 'No model yet: Start makes one with these settings.';
  const shown = [...new Set(img.points.map(p => p.speaker))].sort();
  $('digit-legend').replaceChildren(...shown.map(s => {
    const el = document.createElement('span');
    el.style.setProperty('--c', digitColour(s));
    el.textContent = s;
    return el;
  }));
}

let frame = 0;

function render() {
  if (frame || $('images-mode').hidden) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderControls();
    renderProbe();
    renderReading();
    drawDigits($('digit-strip'), img.digits?.pixels, img.digits?.labels, 28);
    drawTraining($('image-chart'), img.history);
    drawPerK($('image-per-k'), img.metrics?.accuracyK);
    drawScatter($('digit-scatter'), img.points, digitColour, 'Load the digits and train: test digits appear here.');
  });
}

// --- drawn digits --------------------------------------------------------------

const PAD = 168; // the drawing pad's side, CSS pixels: six times a digit's

// pad sets up the drawing pad: strokes in ink, read when each ends.
function pad() {
  const canvas = $('draw-pad');
  canvas.width = canvas.height = PAD;
  const ctx = canvas.getContext('2d');
  Object.assign(ctx, {lineWidth: 15, lineCap: 'round', lineJoin: 'round', strokeStyle: '#000'});
  let drawing = false;
  const at = e => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * PAD / r.width, (e.clientY - r.top) * PAD / r.height];
  };
  canvas.onpointerdown = e => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    ctx.beginPath();
    ctx.moveTo(...at(e));
    ctx.lineTo(...at(e));
    ctx.stroke();
  };
  canvas.onpointermove = e => {
    if (!drawing) return;
    ctx.lineTo(...at(e));
    ctx.stroke();
  };
  canvas.onpointerup = canvas.onpointercancel = () => {
    if (!drawing) return;
    drawing = false;
    read();
  };
  $('draw-clear').onclick = () => {
    ctx.clearRect(0, 0, PAD, PAD);
    $('draw-framed').getContext('2d').clearRect(0, 0, 28, 28);
    img.reading = null;
    render();
  };
}

// read sends the pad's ink to the probe's classifiers.
const read = async () => {
  const rgba = $('draw-pad').getContext('2d').getImageData(0, 0, PAD, PAD).data;
  const ink = new Uint8Array(PAD * PAD);
  for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i + 3];
  try {
    const r = await request('imagesRead', {pixels: ink, width: PAD, height: PAD});
    img.reading = {model: r.model, pixels: r.pixels};
    const tile = new ImageData(28, 28);
    r.framed.forEach((v, p) => tile.data.set([255 - v, 255 - v, 255 - v, 255], 4 * p));
    $('draw-framed').getContext('2d').putImageData(tile, 0, 0);
  } catch (e) {
    img.reading = {error: e.message};
  }
  render();
};

function renderReading() {
  const r = img.reading;
  $('draw-reading').textContent = !r ? 'Draw a digit here: once the probe has run, its classifiers read it.'
    : r.error ? r.error
    : `Read from the model's features: ${r.model}. From the pixels: ${r.pixels}. Above: the drawing as the model sees it, framed as MNIST frames its digits.`;
}

// initImages wires the mode's controls once the page's engine has started.
export function initImages(started, guardAction) {
  guard = guardAction;
  pad();
  started.then(() => { img.ready = true; render(); }, () => {});
  $('load-digits').onclick = guard(load);
  $('image-start').onclick = guard(() => (img.state === 'training' ? request('pause') : train()));
  $('image-reset').onclick = guard(reset);
  $('image-probe').onclick = guard(probe);
  $('image-export').onclick = guard(exportCheckpoint);
  $('image-import-file').onchange = guard(async e => {
    const f = e.target.files[0];
    e.target.value = '';
    if (f) await importCheckpoint(new Uint8Array(await f.arrayBuffer()));
  });
  // For automated browsers (cpcDemo.images): each action resolves once the
  // page shows its outcome, at the animation frame after its render.
  const shown = async v => { await new Promise(ok => requestAnimationFrame(() => ok())); return v; };
  return {
    render,
    api: {
      load: async () => { const d = await load(); return shown({train: d.train, test: d.test}); },
      train: async n => shown(await train(n)),
      pause: () => request('pause'),
      status,
      history: () => img.history.slice(),
      probe: async () => shown((await probe()).rows),
      exportCheckpoint: () => request('imagesExport'),
      importCheckpoint,
      features: async (split, n) => Array.from(await request('imagesFeatures', {split, n})),
      reading: () => img.reading,
    },
  };
}
