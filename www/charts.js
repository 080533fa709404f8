// Hand-drawn canvas charts: nothing is fetched at run time.

const FONT = '11px system-ui, sans-serif';
const MUTED = '#5d6874';
const GRID = '#e8ecf0';

// surface sizes a canvas's pixels to its CSS box and the screen's density.
function surface(canvas) {
  const r = canvas.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(r.width * dpr));
  canvas.height = Math.max(1, Math.round(r.height * dpr));
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.font = FONT;
  return {ctx, w: r.width, h: r.height};
}

// ticks returns about n round values covering [lo, hi].
function ticks(lo, hi, n) {
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(+v.toPrecision(12));
  return out;
}

function emptyNote(ctx, w, h, text) {
  ctx.fillStyle = MUTED;
  ctx.textAlign = 'center';
  ctx.fillText(text, w / 2, h / 2);
}

// smooth is an exponential moving average: batches differ, so single
// steps are noisy.
function smooth(values, alpha) {
  let m = values[0];
  return values.map(v => (m += alpha * (v - m)));
}

// drawTraining plots loss (left axis) and accuracy (right axis) by step:
// each step faint, the smoothed curve bold.
export function drawTraining(canvas, history) {
  const {ctx, w, h} = surface(canvas);
  const L = 46, R = 46, T = 10, B = 24;
  const pw = w - L - R, ph = h - T - B;
  if (history.length === 0) return emptyNote(ctx, w, h, 'Loss and accuracy appear here as the model trains.');
  const steps = history.map(p => p.step), loss = history.map(p => p.loss), acc = history.map(p => p.accuracy);
  const s0 = steps[0], s1 = Math.max(steps[steps.length - 1], s0 + 1);
  let lo = Math.min(...loss), hi = Math.max(...loss);
  const pad = Math.max((hi - lo) * 0.08, 0.01);
  lo -= pad; hi += pad;
  const aMax = Math.max(0.05, Math.max(...acc) * 1.1);
  const X = s => L + ((s - s0) / (s1 - s0)) * pw;
  const YL = v => T + (1 - (v - lo) / (hi - lo)) * ph;
  const YA = v => T + (1 - v / aMax) * ph;

  ctx.strokeStyle = GRID;
  ctx.fillStyle = MUTED;
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  for (const v of ticks(lo, hi, 4)) {
    ctx.beginPath(); ctx.moveTo(L, YL(v)); ctx.lineTo(L + pw, YL(v)); ctx.stroke();
    ctx.fillText(v.toFixed(2), L - 6, YL(v) + 4);
  }
  ctx.textAlign = 'left';
  for (const v of ticks(0, aMax, 4)) ctx.fillText(`${+(v * 100).toFixed(1)}%`, L + pw + 6, YA(v) + 4);
  ctx.textAlign = 'center';
  for (const s of ticks(s0, s1, 6)) if (Number.isInteger(s)) ctx.fillText(s, X(s), h - 6);

  const line = (ys, y, color, width, alpha) => {
    ctx.strokeStyle = color; ctx.lineWidth = width; ctx.globalAlpha = alpha;
    ctx.beginPath();
    ys.forEach((v, i) => (i ? ctx.lineTo(X(steps[i]), y(v)) : ctx.moveTo(X(steps[i]), y(v))));
    ctx.stroke();
    ctx.globalAlpha = 1;
  };
  const css = getComputedStyle(document.documentElement);
  const cl = css.getPropertyValue('--loss').trim(), ca = css.getPropertyValue('--acc').trim();
  line(acc, YA, ca, 1, 0.25);
  line(loss, YL, cl, 1, 0.25);
  line(smooth(acc, 0.15), YA, ca, 2, 1);
  line(smooth(loss, 0.15), YL, cl, 2, 1);
}

// drawPerK draws the accuracy of each prediction step k as a bar.
export function drawPerK(canvas, accK) {
  const {ctx, w, h} = surface(canvas);
  if (!accK || accK.length === 0) return emptyNote(ctx, w, h, 'Accuracy per k appears after the first step.');
  const T = 14, B = 16, n = accK.length;
  const top = Math.max(0.05, Math.max(...accK));
  const bw = w / n;
  ctx.textAlign = 'center';
  accK.forEach((a, i) => {
    const bh = (a / top) * (h - T - B);
    ctx.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--acc');
    ctx.globalAlpha = 0.35 + 0.65 * (1 - i / n);
    ctx.fillRect(i * bw + 3, h - B - bh, bw - 6, bh);
    ctx.globalAlpha = 1;
    ctx.fillStyle = MUTED;
    ctx.fillText(`k=${i + 1}`, i * bw + bw / 2, h - 3);
    ctx.fillText(`${(a * 100).toFixed(0)}%`, i * bw + bw / 2, h - B - bh - 3);
  });
}

// Twelve colours apart in hue and lightness; more speakers than that get
// hues the golden angle apart.
const PALETTE = ['#1f6fd1', '#e8710a', '#1e9e4a', '#d93025', '#8e44ad', '#8c564b',
  '#e052b0', '#5f6368', '#a8a800', '#12a4b8', '#2b2d7a', '#f29bb0'];

export function speakerColour(i) {
  return i < PALETTE.length ? PALETTE[i] : `hsl(${(i * 137.508) % 360}deg 65% 45%)`;
}

// drawScatter plots points {x, y, speaker} with colours by speaker (or
// any other group); empty is the note shown without points.
export function drawScatter(canvas, points, colourOf, empty = 'Load audio and train: utterances appear here.') {
  const {ctx, w, h} = surface(canvas);
  if (!points || points.length === 0) return emptyNote(ctx, w, h, empty);
  const xs = points.map(p => p.x), ys = points.map(p => p.y);
  const span = (a) => [Math.min(...a), Math.max(...a)];
  const [x0, x1] = span(xs), [y0, y1] = span(ys);
  const m = 18;
  const sx = (x1 - x0) || 1, sy = (y1 - y0) || 1;
  const X = x => m + ((x - x0) / sx) * (w - 2 * m);
  const Y = y => h - m - ((y - y0) / sy) * (h - 2 * m);
  ctx.fillStyle = MUTED;
  ctx.textAlign = 'left';
  ctx.fillText('PC 1 →', w - 56, h - 5);
  ctx.save(); ctx.translate(10, 54); ctx.rotate(-Math.PI / 2); ctx.fillText('PC 2 →', 0, 0); ctx.restore();
  for (const p of points) {
    ctx.beginPath();
    ctx.arc(X(p.x), Y(p.y), 5, 0, 2 * Math.PI);
    ctx.fillStyle = colourOf(p.speaker);
    ctx.globalAlpha = 0.85;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = '#fff';
    ctx.stroke();
  }
}

// drawDigits draws grey images of side × side pixels (one byte each, 0
// white to 255 ink) in a row that wraps, each with its label beneath.
export function drawDigits(canvas, pixels, labels, side) {
  const {ctx, w, h} = surface(canvas);
  if (!pixels || !labels?.length) return emptyNote(ctx, w, h, 'The digits appear here once loaded.');
  const cell = 40, per = Math.max(1, Math.floor(w / cell));
  const tile = ctx.createImageData(side, side);
  const scratch = Object.assign(document.createElement('canvas'), {width: side, height: side});
  const sctx = scratch.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.textAlign = 'center';
  ctx.fillStyle = MUTED;
  labels.forEach((label, i) => {
    const x = (i % per) * cell, y = Math.floor(i / per) * (cell + 12);
    if (y + cell > h) return;
    for (let p = 0; p < side * side; p++) {
      const v = 255 - pixels[i * side * side + p];
      tile.data.set([v, v, v, 255], 4 * p);
    }
    sctx.putImageData(tile, 0, 0);
    ctx.drawImage(scratch, x + 4, y + 2, cell - 8, cell - 8);
    ctx.fillText(label, x + cell / 2, y + cell + 6);
  });
}
