// The JavaScript side of data-parallel training across workers: a group of
// replicas, one Go program each (wasm/jsgroup wraps it as a dist.Group),
// that sum, gather and broadcast buffers of float32s passed as the bytes
// of a Uint8Array: allReduceSum, allGather, broadcast, and the two halves
// of an allreduce, reduceScatterSum and allGatherBlocks, over the blocks
// of dist.Block (replica r's block of n values is [⌊rn/size⌋,
// ⌊(r+1)n/size⌋)). Two transports:
//
//   SharedGroup  every replica maps one SharedArrayBuffer (it needs a
//                cross-origin isolated page) and the collectives run there,
//                synchronously, the replicas meeting at barriers
//                (Atomics.wait, which workers may call).
//   HubGroup     rank 0, and SpokeGroup, every other rank: messages through
//                rank 0, which sums, gathers and broadcasts (any page).
//                Collectives return Promises.
//
// Sums add in rank order, so every replica gets the same bits, as
// dist.Local's do. A collective's result may be a view of a buffer the
// group reuses: the caller copies it out before the next collective. A
// replica that cannot go on aborts the group with a
// reason: every collective under way or to come then throws (or rejects)
// an Error with that reason. Loaded with importScripts in a worker
// (globalThis.cpcGroup) or with require under node.
(function (root, make) {
  if (typeof importScripts === 'function') root.cpcGroup = make(); // a worker
  else module.exports = make(); // node
})(globalThis, () => {
  'use strict';

  // A SharedGroup moves data CHUNK bytes at a time: the buffer holds one
  // chunk for each replica and one for the sums.
  const CHUNK = 1 << 21;
  // Int32 control words: the barrier's count and generation, the abort
  // flag (the aborting rank + 1), the length of the reason; then each
  // rank's operation and byte count. The reason's UTF-8 bytes follow.
  const ARRIVED = 0, GEN = 1, ABORT = 2, REASON_LEN = 3, OPS = 4;
  const MAX_SIZE = 64;
  const CONTROL = 4 * (OPS + 2 * MAX_SIZE), REASON = 1024, HEADER = CONTROL + REASON;
  const OPCODES = {allReduceSum: 1, allGather: 2, broadcast: 3, reduceScatterSum: 4, allGatherBlocks: 5};

  // sharedBuffer returns the SharedArrayBuffer of a SharedGroup of size.
  function sharedBuffer(size) {
    if (!(size >= 1 && size <= MAX_SIZE)) throw new Error(`a group of ${size} replicas (1 to ${MAX_SIZE})`);
    return new SharedArrayBuffer(HEADER + (size + 1) * CHUNK);
  }

  const rounds = n => Math.max(1, Math.ceil(n / CHUNK));

  // blockBytes returns rank's block of n bytes of float32s, in bytes.
  const blockBytes = (n, size, rank) => [4 * Math.floor(rank * (n / 4) / size), 4 * Math.floor((rank + 1) * (n / 4) / size)];

  class SharedGroup {
    constructor(buffer, rank, size) {
      this.rank = rank;
      this.size = size;
      this.transport = 'shared memory';
      this.ctl = new Int32Array(buffer, 0, CONTROL / 4);
      this.reason = new Uint8Array(buffer, CONTROL, REASON);
      this.bytes = [];
      this.floats = [];
      for (let i = 0; i <= size; i++) {
        this.bytes.push(new Uint8Array(buffer, HEADER + i * CHUNK, CHUNK));
        this.floats.push(new Float32Array(buffer, HEADER + i * CHUNK, CHUNK / 4));
      }
      this.result = new Uint8Array(0); // reused: a step's collectives would otherwise leave megabytes of garbage
    }

    // output returns a view of n bytes of the reused result buffer.
    output(n) {
      if (this.result.length < n) this.result = new Uint8Array(Math.max(n, 2 * this.result.length));
      return this.result.subarray(0, n);
    }

    // aborted returns the reason the group was aborted for, '' if it was
    // not.
    aborted() {
      if (Atomics.load(this.ctl, ABORT) === 0) return '';
      while (Atomics.load(this.ctl, ABORT) < 0); // its reason is being written
      return new TextDecoder().decode(this.reason.slice(0, Atomics.load(this.ctl, REASON_LEN)));
    }

    // check throws the abort's reason once some replica has aborted.
    check() {
      const why = this.aborted();
      if (why) throw new Error(why);
    }

    // abort stops the group: every replica's collective throws why. The
    // first abort's reason is kept.
    abort(why) {
      if (Atomics.compareExchange(this.ctl, ABORT, 0, -1) !== 0) return;
      const b = new TextEncoder().encode(String(why || 'the group was stopped')).slice(0, REASON);
      this.reason.set(b);
      Atomics.store(this.ctl, REASON_LEN, b.length);
      Atomics.store(this.ctl, ABORT, this.rank + 1);
      Atomics.notify(this.ctl, GEN);
    }

    // barrier returns once every replica has called it.
    barrier() {
      this.check();
      const c = this.ctl, gen = Atomics.load(c, GEN);
      if (Atomics.add(c, ARRIVED, 1) === this.size - 1) {
        Atomics.store(c, ARRIVED, 0);
        Atomics.add(c, GEN, 1);
        Atomics.notify(c, GEN);
        return;
      }
      while (Atomics.load(c, GEN) === gen) {
        this.check();
        Atomics.wait(c, GEN, gen, 1000); // woken by the last to arrive, or by an abort
      }
    }

    // run does a collective over in, CHUNK bytes a round: each round puts
    // this replica's chunk in its slot (put), meets the others, lets take
    // read the slots, and meets them again, so that no slot is written
    // before every replica has read it. The first round checks that every
    // replica runs the same operation on as many bytes.
    run(op, n, put, take) {
      const c = this.ctl;
      Atomics.store(c, OPS + 2 * this.rank, OPCODES[op]);
      Atomics.store(c, OPS + 2 * this.rank + 1, n);
      for (let k = 0; k < rounds(n); k++) {
        const off = k * CHUNK, len = Math.min(CHUNK, n - off);
        put(off, len);
        this.barrier();
        if (k === 0) {
          for (let r = 0; r < this.size; r++) {
            const o = Atomics.load(c, OPS + 2 * r), m = Atomics.load(c, OPS + 2 * r + 1);
            if (o !== OPCODES[op] || m !== n) {
              const why = `replica ${this.rank} ran ${op} on ${n} bytes, replica ${r} ${Object.keys(OPCODES)[o - 1]} on ${m}`;
              this.abort(why);
              throw new Error(why);
            }
          }
        }
        take(off, len);
        this.barrier();
      }
    }

    allReduceSum(input) { return this.reduce('allReduceSum', input, 0, input.length); }

    // reduceScatterSum sums as allReduceSum does, but its result holds
    // only this replica's block of the sums (the rest is undefined).
    reduceScatterSum(input) {
      return this.reduce('reduceScatterSum', input, ...blockBytes(input.length, this.size, this.rank));
    }

    // reduce sums the replicas' inputs and copies bytes [lo, hi) of the
    // sums into the result.
    reduce(op, input, lo, hi) {
      const out = this.output(input.length), me = this.bytes[this.rank], sum = this.floats[this.size];
      this.run(op, input.length, (off, len) => me.set(input.subarray(off, off + len)), (off, len) => {
        // Each replica sums its share of the chunk's values, in rank order.
        const [a, b] = blockBytes(len, this.size, this.rank);
        sum.set(this.floats[0].subarray(a / 4, b / 4), a / 4);
        for (let r = 1; r < this.size; r++) {
          const f = this.floats[r];
          for (let i = a / 4; i < b / 4; i++) sum[i] += f[i];
        }
        this.barrier();
        const from = Math.max(off, lo), to = Math.min(off + len, hi);
        if (from < to) out.set(this.bytes[this.size].subarray(from - off, to - off), from);
      });
      return out;
    }

    // allGatherBlocks returns every replica's block of its input, each
    // in its place: the replicas write their blocks into the shared
    // chunk and all read it.
    allGatherBlocks(input) {
      const out = this.output(input.length), all = this.bytes[this.size];
      const [lo, hi] = blockBytes(input.length, this.size, this.rank);
      this.run('allGatherBlocks', input.length, (off, len) => {
        const from = Math.max(off, lo), to = Math.min(off + len, hi);
        if (from < to) all.set(input.subarray(from, to), from - off);
      }, (off, len) => out.set(all.subarray(0, len), off));
      return out;
    }

    allGather(input) {
      const n = input.length, out = this.output(this.size * n), me = this.bytes[this.rank];
      this.run('allGather', n, (off, len) => me.set(input.subarray(off, off + len)), (off, len) => {
        for (let r = 0; r < this.size; r++) out.set(this.bytes[r].subarray(0, len), r * n + off);
      });
      return out;
    }

    broadcast(input, root) {
      const out = this.output(input.length), from = this.bytes[root];
      this.run('broadcast', input.length, (off, len) => {
        if (this.rank === root) from.set(input.subarray(off, off + len));
      }, (off, len) => out.set(from.subarray(0, len), off));
      return out;
    }
  }

  // Message groups: a collective's input goes to rank 0 as
  // {group: 'op', seq, op, root, bytes}; rank 0 answers every rank with
  // {group: 'result', seq, bytes}; {group: 'abort', why} stops the group.
  // The embedding code delivers each message whose group field is set to
  // receive(from, message) and gives the group a send(to, message,
  // transfer) function (rank 0 sends to ranks 1…, the others to 0).

  class MessageGroup {
    constructor(rank, size, send) {
      this.rank = rank;
      this.size = size;
      this.transport = 'messages';
      this.send = send;
      this.seq = 0;
      this.dead = null;        // the abort's reason
      this.waiting = new Map(); // seq → {resolve, reject}
    }

    aborted() {
      return this.dead ?? '';
    }

    abort(why) {
      if (this.dead !== null) return;
      this.dead = String(why || 'the group was stopped');
      this.tell({group: 'abort', why: this.dead});
      for (const w of this.waiting.values()) w.reject(new Error(this.dead));
      this.waiting.clear();
    }

    // wait returns the Promise of collective seq's result.
    wait(seq) {
      if (this.dead !== null) return Promise.reject(new Error(this.dead));
      return new Promise((resolve, reject) => this.waiting.set(seq, {resolve, reject}));
    }

    settle(seq, bytes) {
      const w = this.waiting.get(seq);
      this.waiting.delete(seq);
      w?.resolve(bytes);
    }

    allReduceSum(input) { return this.op('allReduceSum', input, 0); }
    allGather(input) { return this.op('allGather', input, 0); }
    broadcast(input, root) { return this.op('broadcast', input, root); }
    reduceScatterSum(input) { return this.op('reduceScatterSum', input, 0); } // every block summed
    allGatherBlocks(input) { return this.op('allGatherBlocks', input, 0); }
  }

  class HubGroup extends MessageGroup {
    constructor(size, send) {
      super(0, size, send);
      this.inputs = new Map(); // seq → [{op, root, bytes} of each rank]
    }

    tell(msg) {
      for (let r = 1; r < this.size; r++) this.send(r, msg);
    }

    op(op, bytes, root) {
      const seq = this.seq++, p = this.wait(seq);
      this.arrive(seq, 0, {op, root, bytes});
      return p;
    }

    receive(from, msg) {
      if (msg.group === 'abort') return this.abort(msg.why);
      if (msg.group === 'op' && this.dead === null) this.arrive(msg.seq, from, msg);
    }

    // arrive records rank from's input to collective seq and, once every
    // rank's is in, answers them all.
    arrive(seq, from, input) {
      if (!this.inputs.has(seq)) this.inputs.set(seq, []);
      const all = this.inputs.get(seq);
      all[from] = input;
      if (all.filter(Boolean).length < this.size) return;
      this.inputs.delete(seq);
      const {op, root, bytes} = all[0];
      for (let r = 1; r < this.size; r++) {
        if (all[r].op !== op || all[r].bytes.length !== bytes.length || all[r].root !== root) {
          return this.abort(`replica 0 ran ${op} on ${bytes.length} bytes, replica ${r} ${all[r].op} on ${all[r].bytes.length}`);
        }
      }
      let out = [];
      switch (op) {
        case 'allReduceSum':
        case 'reduceScatterSum': {
          const sum = new Float32Array(bytes.length / 4);
          sum.set(new Float32Array(bytes.buffer, bytes.byteOffset, sum.length));
          for (let r = 1; r < this.size; r++) {
            const f = new Float32Array(all[r].bytes.buffer, all[r].bytes.byteOffset, sum.length);
            for (let i = 0; i < sum.length; i++) sum[i] += f[i];
          }
          out = new Uint8Array(sum.buffer);
          break;
        }
        case 'allGather':
          out = new Uint8Array(this.size * bytes.length);
          for (let r = 0; r < this.size; r++) out.set(all[r].bytes, r * bytes.length);
          break;
        case 'broadcast':
          out = all[root].bytes;
          break;
        case 'allGatherBlocks':
          out = new Uint8Array(bytes.length);
          for (let r = 0; r < this.size; r++) {
            const [lo, hi] = blockBytes(bytes.length, this.size, r);
            out.set(all[r].bytes.subarray(lo, hi), lo);
          }
          break;
      }
      for (let r = 1; r < this.size; r++) this.send(r, {group: 'result', seq, bytes: out});
      this.settle(seq, out);
    }
  }

  class SpokeGroup extends MessageGroup {
    tell(msg) {
      this.send(0, msg);
    }

    op(op, bytes, root) {
      const seq = this.seq++, p = this.wait(seq);
      if (this.dead === null) this.send(0, {group: 'op', seq, op, root, bytes}); // copied: the caller may reuse bytes
      return p;
    }

    receive(from, msg) {
      if (msg.group === 'abort') return this.abort(msg.why);
      if (msg.group === 'result') this.settle(msg.seq, msg.bytes);
    }
  }

  return {CHUNK, sharedBuffer, SharedGroup, HubGroup, SpokeGroup};
});
