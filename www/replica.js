// One more replica of data-parallel training: a worker that worker.js (the
// engine, rank 0) starts for each extra worker the page asks for. It runs
// the engine's module, one Go program of its own with the same utterances
// and a model of the same architecture, joined to the engine's group
// (group.js): it trains on its share of each batch, and the gradients are
// summed once a step. The engine sends {id, cmd, args} and gets {id,
// result} or {id, error}; group messages (no id) go to the group; if the
// Go program stops, the group is aborted with the reason and the engine
// gets {event: 'stopped', why}.
importScripts('build/wasm_exec.js', 'group.js');

let cpc = null;     // the module's API
let group = null;   // this replica's group object
let name = '';      // "worker N of M", for messages
let fatal = '';     // the runtime's fatal error or panic, if any
let over = false;

const log = console.log.bind(console);
console.log = (...a) => {
  const line = a.join(' ');
  if (!fatal && /^(fatal error|panic):/.test(line)) fatal = line;
  log(...a);
};

// stopped aborts the group: the other replicas' training stops, naming
// this worker and why.
function stopped(why) {
  if (over) return;
  over = true;
  const reason = `${name} stopped (${why})`;
  group?.abort(reason);
  postMessage({event: 'stopped', why: reason});
}

addEventListener('error', e => {
  if (e.error instanceof WebAssembly.RuntimeError) {
    e.preventDefault();
    stopped(e.error.message);
  }
});

const commands = {
  // boot starts the module and joins the group: a SharedArrayBuffer's
  // (buffer) or messages through the engine.
  async boot({module, rank, size, buffer}) {
    name = `worker ${rank + 1} of ${size}`;
    group = buffer ? new cpcGroup.SharedGroup(buffer, rank, size)
      : new cpcGroup.SpokeGroup(rank, size, (to, msg, transfer) => postMessage(msg, transfer || []));
    const go = new Go();
    let code = 0;
    go.exit = c => { code = c; };
    const {instance} = await WebAssembly.instantiateStreaming(fetch(module), go.importObject);
    go.run(instance).then(() => stopped(fatal || `exit code ${code}`));
    cpc = globalThis.cpc;
    await cpc.join(group);
    return cpc.kernel();
  },
  add: ({id, speaker, samples}) => cpc.add(id, speaker, samples),
  setSpeaker: ({id, speaker}) => cpc.setSpeaker(id, speaker),
  remove: ({id}) => cpc.remove(id),
  loadModel: ({bytes, settings}) => cpc.loadModel(bytes, settings),
  // stop ends this replica as a fatal error would (for tests).
  async stop({why}) {
    stopped(why);
    close();
  },
  // train runs as many steps as the engine, stopping when it does; an
  // error aborts the group, lest the others wait for this replica.
  async train({steps}) {
    try {
      return (await cpc.train(steps))?.step;
    } catch (e) {
      group.abort(`${name}: ${e.message}`);
      throw e;
    }
  },
};

let booted = null; // boot's promise: every other command waits for it

onmessage = async ({data}) => {
  if (data.group) return group?.receive(0, data);
  const {id, cmd, args} = data;
  try {
    let result;
    if (cmd === 'boot') {
      result = await (booted = commands.boot(args));
    } else {
      await booted;
      result = await commands[cmd](args || {});
    }
    postMessage({id, result});
  } catch (e) {
    postMessage({id, error: e && e.message ? e.message : String(e)});
  }
};
