// The table of loaded utterances, with editable speaker tags.
import {RATE} from './audio.js';

const cell = (text, className) => {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (text !== undefined) td.textContent = text;
  return td;
};

// renderList fills tbody with utterances {id, speaker, seconds}; rows
// shorter than window samples are marked. onSpeaker(u, tag) and
// onRemove(u) handle edits.
export function renderList(tbody, utterances, {window, colourOf, onSpeaker, onRemove}) {
  tbody.replaceChildren(...utterances.map(u => {
    const tr = document.createElement('tr');
    if (u.seconds * RATE < window) {
      tr.className = 'short';
      tr.title = 'Shorter than a training window: used for embeddings only';
    }
    const who = cell();
    const dot = document.createElement('span');
    dot.className = 'swatch';
    dot.style.background = colourOf(u.speaker);
    const input = document.createElement('input');
    input.value = u.speaker;
    input.setAttribute('aria-label', `speaker of ${u.id}`);
    input.onchange = () => onSpeaker(u, input.value.trim(), () => { input.value = u.speaker; });
    who.append(dot, input);
    const del = cell();
    const x = document.createElement('button');
    x.textContent = '✕';
    x.title = `Remove ${u.id}`;
    x.onclick = () => onRemove(u);
    del.append(x);
    tr.append(cell(u.id), who, cell(u.seconds.toFixed(2), 'num'), del);
    return tr;
  }));
}
