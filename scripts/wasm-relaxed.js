// Derives a relaxed-SIMD kernel module from a SIMD128 one (wasm-simd.sh):
//
//   node scripts/wasm-relaxed.js IN_simd128.wat > OUT_relaxed.wat
//
// Every f32x4.add of an f32x4.mul and another term, (f32x4.add (f32x4.mul
// a b) c) or (f32x4.add c (f32x4.mul a b)), becomes (f32x4.relaxed_madd a
// b c), and every export name gets the suffix Relaxed (the merged
// modules' exports share one namespace); nothing else changes. Engines run
// relaxed_madd as a fused multiply-add where the CPU has one and as the
// multiply and the add otherwise, so that the derived kernels compute
// exactly what the SIMD128 ones do where nothing is fused, and round once
// where those round twice where it is. One source for both keeps them from
// drifting apart.
'use strict';
const fs = require('fs');

// parse reads the text as nested arrays of atoms, dropping comments.
function parse(text) {
  const tokens = text.replace(/\(;[\s\S]*?;\)/g, ' ').replace(/;;.*$/gm, ' ')
    .match(/"(?:[^"\\]|\\.)*"|[()]|[^\s()]+/g);
  const stack = [[]];
  for (const t of tokens) {
    if (t === '(') stack.push([]);
    else if (t === ')') { const e = stack.pop(); stack[stack.length - 1].push(e); }
    else stack[stack.length - 1].push(t);
  }
  return stack[0];
}

const isMul = e => Array.isArray(e) && e[0] === 'f32x4.mul' && e.length === 3;

function rewrite(e) {
  if (!Array.isArray(e)) return e;
  e = e.map(rewrite);
  if (e[0] === 'f32x4.add' && e.length === 3) {
    if (isMul(e[1])) return ['f32x4.relaxed_madd', e[1][1], e[1][2], e[2]];
    if (isMul(e[2])) return ['f32x4.relaxed_madd', e[2][1], e[2][2], e[1]];
  }
  if (e[0] === 'export' && e.length === 2 && /^".*"$/.test(e[1])) return ['export', e[1].slice(0, -1) + 'Relaxed"'];
  return e;
}

const show = (e, indent) => Array.isArray(e)
  ? (e.some(Array.isArray) ? `(${e.map(x => show(x, indent + '  ')).join('\n' + indent + '  ')})` : `(${e.join(' ')})`)
  : e;

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: node wasm-relaxed.js IN.wat');
  process.exit(2);
}
process.stdout.write(`;; Derived from ${require('path').basename(file)} by wasm-relaxed.js: do not edit.\n` +
  parse(fs.readFileSync(file, 'utf8')).map(e => show(rewrite(e), '')).join('\n') + '\n');
