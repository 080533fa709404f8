"""OpenBLAS (through numpy) and numpy/scipy log-sum-exp anchors for the
kernels benchmark, run as a server so that the Go program can take the
anchors' repetitions in turn with its own.

argv: least seconds per repetition. Prints "core <OpenBLAS core>" and
"config <OpenBLAS config> <library>", then answers each request line on
stdin (JSON) with one line, the mean seconds per call of one repetition
(by the process's CPU clock if "cpu_clock" is true):
{"op": "gemm", "transA", "transB", "m", "n", "k", "threads",
"cpu_clock"}: np.matmul;
{"op": "lse", "kernel": "LogSumExp" or "Softmax", "impl": "numpy" or
"scipy", "cpu_clock"}: on 1024 rows of 1024 in [-20, 20);
{"op": "impls"}: the lse implementations available, space-separated."""
import ctypes, json, sys, time
import numpy as np

mintime = float(sys.argv[1])


def rep(f, cpu_clock):
    """Mean seconds per call over at least mintime of wall time, by the
    process's CPU clock if cpu_clock (asked for one-thread runs)."""
    clock = time.process_time if cpu_clock else time.perf_counter
    n, start, t0 = 0, time.perf_counter(), clock()
    while n == 0 or time.perf_counter() - start < mintime:
        f()
        n += 1
    return (clock() - t0) / n


def openblas():
    """The OpenBLAS library numpy loaded, found in this process's maps."""
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "openblas" in path and ".so" in path:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return lib, path
    sys.exit("numpy is not using OpenBLAS (install libopenblas0-pthread)")


lib, path = openblas()
print("core", lib.openblas_get_corename().decode())
print("config", lib.openblas_get_config().decode(), path, flush=True)
rng = np.random.default_rng(1)
operands = {}


def gemm(s):
    key = (s["transA"], s["transB"], s["m"], s["n"], s["k"])
    if key not in operands:
        ar, ac = (s["k"], s["m"]) if s["transA"] else (s["m"], s["k"])
        br, bc = (s["n"], s["k"]) if s["transB"] else (s["k"], s["n"])
        a = rng.uniform(-1, 1, (ar, ac)).astype(np.float32)
        b = rng.uniform(-1, 1, (br, bc)).astype(np.float32)
        operands.clear()
        operands[key] = (a.T if s["transA"] else a, b.T if s["transB"] else b,
                         np.empty((s["m"], s["n"]), np.float32))
    a, b, c = operands[key]
    lib.openblas_set_num_threads(s["threads"])
    sec = rep(lambda: np.matmul(a, b, out=c), s["cpu_clock"])
    if s["threads"] > 1:
        # OpenBLAS's idle workers spin for about 2^28 cycles before they
        # sleep: wait that out so they do not slow the next column.
        time.sleep(0.2)
    return sec


x = rng.uniform(-20, 20, (1024, 1024)).astype(np.float32)
try:
    from scipy import special
except ImportError:
    special = None


def lse_numpy():
    mx = x.max(axis=1, keepdims=True)
    return np.log(np.exp(x - mx).sum(axis=1)) + mx[:, 0]


lse = {
    ("LogSumExp", "numpy"): lse_numpy,
    ("Softmax", "numpy"): lambda: np.exp(x - lse_numpy()[:, None]),
}
if special:
    lse[("LogSumExp", "scipy")] = lambda: special.logsumexp(x, axis=1)
    lse[("Softmax", "scipy")] = lambda: special.softmax(x, axis=1)

for line in sys.stdin:
    req = json.loads(line)
    if req["op"] == "impls":
        print("numpy scipy" if special else "numpy", flush=True)
        continue
    if req["op"] == "gemm":
        sec = gemm(req)
    else:
        lib.openblas_set_num_threads(1)
        sec = rep(lse[(req["kernel"], req["impl"])], req["cpu_clock"])
    print(sec, flush=True)
