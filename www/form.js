// What both modes of the page do with their forms and files.

// fieldNumber reads the number in input element id, which must lie in
// [lo, hi] (and be whole if integral); the error names the field by its
// label.
export function fieldNumber(id, lo, hi, integral) {
  const input = document.getElementById(id);
  const v = Number(input.value);
  if (!(v >= lo && v <= hi) || (integral && !Number.isInteger(v))) {
    throw new Error(`${input.parentElement.firstChild.textContent.trim()} must be ${integral ? 'a whole number ' : ''}between ${lo} and ${hi}`);
  }
  return v;
}

// download offers bytes to the user as a file called name.
export function download(bytes, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes], {type: 'application/octet-stream'}));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// showStats fills a mode's step, loss, accuracy and steps/s boxes (ids
// PREFIXstat-step, …) from the last step's metrics m; the step shows once
// there is a model or a step.
export function showStats(prefix, m, step, hasModel) {
  const set = (id, text) => { document.getElementById(`${prefix}stat-${id}`).textContent = text; };
  set('step', hasModel || m ? step : '–');
  set('loss', m ? m.loss.toFixed(3) : '–');
  set('acc', m ? `${(m.accuracy * 100).toFixed(1)}%` : '–');
  set('speed', m ? m.stepsPerSec.toFixed(2) : '–');
}
