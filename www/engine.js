// The page's side of the worker protocol: requests {id, cmd, args} answered
// by {id, result} or {id, error}, and events {event, ...} in between.

const worker = new Worker('worker.js');
const pending = new Map();
let nextId = 1;
let events = () => {};
let failures = () => {};

// request sends a command to the worker; transfer lists buffers to move
// rather than copy.
export function request(cmd, args, transfer) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, {resolve, reject});
    worker.postMessage({id, cmd, args}, transfer || []);
  });
}

// listen sets the handlers of the worker's events and of its own failure.
export function listen(onEvent, onFailure) {
  events = onEvent;
  failures = onFailure;
}

worker.onmessage = ({data}) => {
  if (data.event) return events(data);
  const p = pending.get(data.id);
  pending.delete(data.id);
  if ('error' in data) p.reject(new Error(data.error));
  else p.resolve(data.result);
};

worker.onerror = e => failures(`The training engine failed: ${e.message}`);
