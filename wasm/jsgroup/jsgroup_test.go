//go:build js && wasm

// These tests run under node (make test-wasm): the test binary is rank 0
// on node's main thread and starts the other replicas in worker_threads,
// each the same test binary running one part (TestMain), over both
// transports of www/group.js.

package jsgroup

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"syscall/js"
	"testing"

	"github.com/gocpc/cpc/core/cpc"
	"github.com/gocpc/cpc/core/dist"
	"github.com/gocpc/cpc/core/nn"
	"github.com/gocpc/cpc/core/session"
)

// parts are what a test's replicas run, rank 0 in the test, the others in
// workers: each gets its group and returns its error.
var parts = map[string]func(g dist.Group) error{
	"collectives": collectives,
	"train":       trainPart,
	"crash":       crashPart,
}

// TestMain runs a part when a test started this binary in a worker
// (CPC_JSGROUP_PART names it; the worker's group is cpcTestGroup).
func TestMain(m *testing.M) {
	if part := os.Getenv("CPC_JSGROUP_PART"); part != "" {
		g, err := New(js.Global().Get("cpcTestGroup"))
		if err == nil {
			err = parts[part](g)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "replica %d: %v\n", g.Rank(), err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// harness evaluates to start(size, shared, part): it starts replicas
// 1…size-1 of a group (over a SharedArrayBuffer, or messages through rank
// 0) in worker_threads, each this test binary running part, and returns
// {group: rank 0's group object, done: a Promise of their exit codes}.
const harness = `(groupJS => {
  const {Worker} = require('worker_threads');
  const groups = require(groupJS);
  const boot = ` + "`" + `
    const {workerData: d, parentPort} = require('worker_threads');
    globalThis.require = require;
    globalThis.fs = require('fs');
    globalThis.path = require('path');
    globalThis.performance ??= require('perf_hooks').performance;
    globalThis.crypto ??= require('crypto');
    require(d.wasmExec);
    const groups = require(d.groupJS);
    const group = d.buffer ? new groups.SharedGroup(d.buffer, d.rank, d.size)
      : new groups.SpokeGroup(d.rank, d.size, (to, m, t) => parentPort.postMessage(m, t));
    parentPort.on('message', m => m.group && group.receive(0, m));
    globalThis.cpcTestGroup = group;
    const go = new Go();
    go.argv = [d.wasm];
    go.env = Object.assign({}, process.env, {CPC_JSGROUP_PART: d.part});
    let code = 0;
    go.exit = c => { code = c; };
    WebAssembly.instantiate(fs.readFileSync(d.wasm), go.importObject)
      .then(({instance}) => go.run(instance))
      .then(() => {
        if (code !== 0) group.abort('replica ' + d.rank + ' exited with code ' + code);
        process.exit(code);
      }, e => {
        group.abort('replica ' + d.rank + ' stopped: ' + e.message);
        process.exit(2);
      });
  ` + "`" + `;
  return (size, shared, part) => {
    const path = require('path');
    const wasmExec = path.join(path.dirname(process.argv[1]), 'wasm_exec.js'), wasm = process.argv[2];
    const buffer = shared ? groups.sharedBuffer(size) : null;
    const workers = [];
    const group = shared ? new groups.SharedGroup(buffer, 0, size)
      : new groups.HubGroup(size, (r, m, t) => workers[r].postMessage(m, t));
    const done = [];
    for (let r = 1; r < size; r++) {
      const w = new Worker(boot, {eval: true, workerData: {wasmExec, groupJS, wasm, buffer, rank: r, size, part}});
      workers[r] = w;
      w.on('message', m => m.group && group.receive(r, m));
      w.on('error', e => group.abort('replica ' + r + ' failed: ' + e.message));
      done.push(new Promise(ok => w.on('exit', ok)));
    }
    return {group, done: Promise.all(done)};
  };
})(require('path').resolve('../../www/group.js'))`

// start starts a group of size over a shared buffer or messages, its
// other replicas running part, and returns rank 0's group and a function
// that waits for the others and returns their exit codes.
func start(t testing.TB, size int, shared bool, part string) (*Group, func() []int) {
	t.Helper()
	h := js.Global().Call("eval", harness).Invoke(size, shared, part)
	g, err := New(h.Get("group"))
	if err != nil {
		t.Fatal(err)
	}
	return g, func() []int {
		v, err := await(h.Get("done"))
		if err != nil {
			t.Fatal(err)
		}
		codes := make([]int, v.Length())
		for i := range codes {
			codes[i] = v.Index(i).Int()
		}
		return codes
	}
}

// runParts runs part on a group of size over each transport and checks
// that every replica succeeded.
func runParts(t *testing.T, size int, part string) {
	for _, shared := range []bool{true, false} {
		g, wait := start(t, size, shared, part)
		if want := map[bool]string{true: "shared memory", false: "messages"}[shared]; g.Transport() != want {
			t.Errorf("transport %q, want %q", g.Transport(), want)
		}
		err := parts[part](g)
		codes := wait()
		if err != nil {
			t.Errorf("%s: %v", g.Transport(), err)
		}
		if slices.ContainsFunc(codes, func(c int) bool { return c != 0 }) {
			t.Errorf("%s: the other replicas exited with %v", g.Transport(), codes)
		}
	}
}

func TestCollectives(t *testing.T) { runParts(t, 3, "collectives") }

// values is replica r's input to the sums: more than a shared buffer's
// chunk, and values whose float32 sum depends on the order of addition.
func values(r int) []float32 {
	x := make([]float32, 600_011)
	for i := range x {
		x[i] = float32(1e3*math.Sin(float64(i)*float64(1+r))) + 1e-3*float32(r+1)
	}
	return x
}

// collectives checks each operation against the same computed here, in
// rank order as dist.Local adds: every replica gets the same bits.
func collectives(g dist.Group) error {
	n, r := g.Size(), g.Rank()
	want := values(0)
	for q := 1; q < n; q++ {
		for i, v := range values(q) {
			want[i] += v
		}
	}
	x := values(r)
	if err := g.AllReduceSum(x); err != nil {
		return err
	}
	if !slices.Equal(x, want) {
		return errors.New("the sum differs from the sum in rank order")
	}
	// The halves of the sum: this replica's block of it, then every
	// block gathered from its replica (the rest of x spoiled first, so
	// that only the blocks can make the whole).
	x = values(r)
	if err := g.ReduceScatterSum(x); err != nil {
		return err
	}
	lo, hi := dist.Block(len(x), n, r)
	if !slices.Equal(x[lo:hi], want[lo:hi]) {
		return fmt.Errorf("the reduce-scatter's block [%d, %d) differs from the sum in rank order", lo, hi)
	}
	for i := range x {
		if i < lo || i >= hi {
			x[i] = float32(math.NaN())
		}
	}
	if err := g.AllGatherBlocks(x); err != nil {
		return err
	}
	if !slices.Equal(x, want) {
		return errors.New("the gathered blocks differ from the sum")
	}
	out := make([]float32, n*len(x))
	if err := g.AllGather(values(r), out); err != nil {
		return err
	}
	for q := range n {
		if !slices.Equal(out[q*len(x):(q+1)*len(x)], values(q)) {
			return fmt.Errorf("gathered: replica %d's part differs", q)
		}
	}
	var msg []byte
	if r == n-1 {
		msg = []byte("from the last replica")
	}
	got, err := dist.BroadcastBytes(g, msg, n-1)
	if err != nil || string(got) != "from the last replica" {
		return fmt.Errorf("broadcast %q, %v", got, err)
	}
	if err := dist.CheckSame(g, 42); err != nil {
		return err
	}
	if err := dist.CheckSame(g, uint64(r/2)); !errors.Is(err, dist.ErrDrift) {
		return fmt.Errorf("differing sums gave %v", err)
	}
	// Buffers of different lengths stop the group: every replica fails,
	// then and after.
	if err := g.AllReduceSum(make([]float32, 1+r)); err == nil || !strings.Contains(err.Error(), "replica") {
		return fmt.Errorf("buffers of different lengths gave %v", err)
	}
	if err := g.AllReduceSum(make([]float32, 4)); err == nil {
		return errors.New("a collective after the group stopped succeeded")
	}
	return nil
}

// sessionOf returns a session with three utterances of tones in noise
// (the same in every replica) and a model of the small config at a global
// batch of batch windows.
func sessionOf(batch int) (*session.Session, error) {
	se := &session.Session{}
	for i, id := range []string{"a-1-0", "a-1-1", "b-1-0"} {
		rng := rand.New(rand.NewPCG(uint64(i), 1))
		x := make([]float32, 3000+500*i)
		for j := range x {
			x[j] = float32(0.4*math.Sin(float64(j)*0.02*float64(i+1)) + 0.05*rng.NormFloat64())
		}
		if err := se.Add(id, id[:1], x); err != nil {
			return nil, err
		}
	}
	return se, se.NewModel(session.Settings{Window: 2400, Batch: batch, LR: 2e-4, Seed: 3})
}

const trainSteps = 20

// trainPart trains 20 steps on the group, each replica on its share of
// the batch; rank 0 also trains alone on the whole batch and checks that
// the weights agree to 1e-5. The replicas' weights must be identical.
func trainPart(g dist.Group) error {
	se, err := sessionOf(4)
	if err != nil {
		return err
	}
	se.SetGroup(g)
	if _, err := se.Train(trainSteps, func(cpc.Metrics) bool { return true }); err != nil {
		return err
	}
	m, _ := se.Model()
	if err := dist.CheckSame(g, nn.Checksum(m.Params())); err != nil {
		return err
	}
	if g.Rank() != 0 {
		return nil
	}
	alone, err := sessionOf(4)
	if err != nil {
		return err
	}
	if _, err := alone.Train(trainSteps, func(cpc.Metrics) bool { return true }); err != nil {
		return err
	}
	want, _ := alone.Model()
	worst := 0.0
	for i, p := range m.Params() {
		for j, w := range p.W {
			worst = max(worst, math.Abs(float64(w-want.Params()[i].W[j])))
		}
	}
	if worst > 1e-5 {
		return fmt.Errorf("%d replicas' weights differ from one alone's by %g after %d steps", g.Size(), worst, trainSteps)
	}
	fmt.Printf("%d replicas: weights within %g of one alone's after %d steps\n", g.Size(), worst, trainSteps)
	return nil
}

// TestReplicasTrainAsOneBatch: two replicas in workers with two windows
// each train as one with the four, over each transport.
func TestReplicasTrainAsOneBatch(t *testing.T) { runParts(t, 2, "train") }

// crashPart trains, replica 2 of 3 exiting after step 5: the others' step
// 6 fails naming it, with the model as it was after step 5; rank 0 then
// trains on alone.
func crashPart(g dist.Group) error {
	se, err := sessionOf(3)
	if err != nil {
		return err
	}
	se.SetGroup(g)
	var at5 uint64
	_, err = se.Train(trainSteps, func(m cpc.Metrics) bool {
		if m.Step == 5 {
			if g.Rank() == 2 {
				os.Exit(3)
			}
			model, _ := se.Model()
			at5 = nn.Checksum(model.Params())
		}
		return true
	})
	if err == nil || !strings.Contains(err.Error(), "replica 2 exited with code 3") {
		return fmt.Errorf("training on after replica 2 exited: %v", err)
	}
	m, _ := se.Model()
	if se.Steps() != 5 || nn.Checksum(m.Params()) != at5 {
		return fmt.Errorf("after the failure: step %d, weights of step 5 %v", se.Steps(), nn.Checksum(m.Params()) == at5)
	}
	if g.Rank() != 0 {
		return nil
	}
	se.SetGroup(nil)
	if last, err := se.Train(2, func(cpc.Metrics) bool { return true }); err != nil || last.Step != 7 {
		return fmt.Errorf("training alone after the failure: %v", err)
	}
	return nil
}

// TestReplicaExits: a replica that exits mid-run stops the others'
// training cleanly, keeping the model.
func TestReplicaExits(t *testing.T) {
	for _, shared := range []bool{true, false} {
		g, wait := start(t, 3, shared, "crash")
		err := crashPart(g)
		codes := wait()
		if err != nil {
			t.Errorf("%s: %v", g.Transport(), err)
		}
		if !slices.Equal(codes, []int{0, 3}) {
			t.Errorf("%s: replicas 1 and 2 exited with %v, want 0 and 3", g.Transport(), codes)
		}
	}
}
