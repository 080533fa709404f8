// The Images mode's side of the training engine's thread (worker.js loads
// it): CPC on digits (paper §3.2) with the same Go module, on a model of
// its own. The digits are MNIST's first 6000 train and 1000 test images,
// which make wasm writes to build/mnist/. One worker trains the images:
// the data-parallel workers are the speech trainer's.

const DIGIT_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const PROJECTED = 300;       // test digits in the projection
const PROBE = {train: 2000, test: 1000}; // digits the linear probe is fitted on and scored on

const digits = {files: null, counts: null}; // the IDX files' bytes, to refill a restarted module
let imageModel = null;        // {info, checkpoint, saved}, as the speech model's
let imageApplied = null;      // the settings it trains with
let imagePlot = {at: 0, cost: 0, step: -1};

async function fetchDigits() {
  return Promise.all(DIGIT_FILES.map(async f => {
    const res = await fetch(`build/mnist/${f}`);
    if (!res.ok) throw new Error(`build/mnist/${f}: ${res.status} ${res.statusText} (make wasm writes the digits)`);
    return new Uint8Array(await res.arrayBuffer());
  }));
}

const sameImageSettings = (a, b) => a && b && a.batch === b.batch && a.lr === b.lr;

// projectDigits posts the test digits' features on two principal
// components, each with its label.
async function projectDigits(step) {
  const start = performance.now();
  const p = await engine('imagesProjection', PROJECTED);
  imagePlot = {at: performance.now(), cost: performance.now() - start, step};
  const points = Array.from(p.labels, (label, i) => ({x: p.xy[2 * i], y: p.xy[2 * i + 1], speaker: String(label), index: i}));
  post({event: 'imageProjection', step, points});
}

const imagePlotDue = () => performance.now() - imagePlot.at > imagePlot.cost * (1 / PLOT_SHARE - 1);

const imageCommands = {
  async imagesLoad() {
    if (!digits.files) {
      const files = await fetchDigits();
      digits.counts = await engine('imagesLoad', ...files);
      digits.files = files;
    }
    const shown = await engine('imagesPixels', 'train', 0, 40);
    return {...digits.counts, pixels: shown.pixels, labels: shown.labels};
  },
  async imagesTrain({steps, settings}) {
    if (running) throw new Error('training is already running');
    if (!digits.files) throw new Error('load the digits first');
    const fresh = !imageModel;
    if (fresh) {
      imageModel = {info: await engine('imagesNewModel', settings)};
    } else if (!sameImageSettings(imageApplied, settings)) {
      imageModel.info = await engine('imagesLoadModel', await engine('imagesExport'), settings);
    }
    imageApplied = settings;
    running = true;
    stop = false;
    let done = 0, last = null;
    try {
      while (done < steps && !stop) {
        last = await engine('imagesTrain', steps - done, m => {
          done++;
          post({event: 'imageStep', metrics: m});
          return !stop && !imagePlotDue();
        }) ?? last;
        if (last && imagePlotDue()) await projectDigits(last.step);
      }
    } catch (e) {
      if (fresh && done === 0) imageModel = imageApplied = null;
      throw e;
    } finally {
      running = false;
    }
    if (last && imagePlot.step !== last.step) await projectDigits(last.step);
    imageModel.checkpoint = await engine('imagesExport');
    imageModel.saved = imageApplied;
    imageModel.info.step = last ? last.step : imageModel.info.step;
    return {done, stopped: stop, metrics: last, model: imageModel.info};
  },
  async imagesReset() {
    if (running) throw new Error('pause training first');
    imageModel = imageApplied = null;
    imagePlot = {at: 0, cost: 0, step: -1};
  },
  async imagesProbe() {
    if (running) throw new Error('pause training first');
    if (!imageModel) throw new Error('no model yet: train or import one first');
    return {rows: await engine('imagesProbe', PROBE.train, PROBE.test), ...PROBE};
  },
  async imagesImport({bytes, settings}) {
    if (running) throw new Error('pause training first');
    const info = await engine('imagesLoadModel', bytes, settings);
    imageModel = {info, checkpoint: bytes, saved: settings};
    imageApplied = settings;
    if (digits.files) await projectDigits(info.step);
    return info;
  },
  async imagesRead({pixels, width, height}) {
    return engine('imagesRead', pixels, width, height);
  },
  async imagesExport() {
    if (!imageModel) throw new Error('no model yet: train or import one first');
    return engine('imagesExport');
  },
  async imagesFeatures({split, n}) {
    if (!imageModel) throw new Error('no model yet: train or import one first');
    return engine('imagesFeatures', split, n);
  },
};

// restoreImages refills a restarted module: the digits, and the image
// model as of its last checkpoint; it returns what it says of the model.
async function restoreImages() {
  if (digits.files) await engine('imagesLoad', ...digits.files);
  if (!imageModel?.checkpoint) {
    imageModel = imageApplied = null;
    return '';
  }
  imageModel.info = await engine('imagesLoadModel', imageModel.checkpoint, imageModel.saved);
  imageApplied = imageModel.saved;
  return `; the image model is back as it was at step ${imageModel.info.step}`;
}
