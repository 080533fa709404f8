"""OpenBLAS (through numpy) and numpy/scipy log-sum-exp anchors for the
kernels benchmark. Reads the gemm shapes as JSON on stdin, prints one
result per line: "gemm <shape> <threads> <GFLOP/s>", "lse <kernel> <col>
<1e9 elements/s>" and "core <name>" / "config <text>"."""
import ctypes, json, os, statistics, sys, time
import numpy as np

reps, mintime = int(sys.argv[1]), float(sys.argv[2])
threads = [int(t) for t in sys.argv[3].split(",")]
do_lse = sys.argv[4] == "1"


def median(f):
    f()
    per = []
    for _ in range(reps):
        n, start = 0, time.perf_counter()
        while n == 0 or time.perf_counter() - start < mintime:
            f()
            n += 1
        per.append((time.perf_counter() - start) / n)
    return statistics.median(per)


def openblas():
    """The OpenBLAS that numpy loaded, found in this process's maps."""
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "openblas" in path and ".so" in path:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return lib, path
    return None, None


lib, path = openblas()
if lib is None:
    print("config numpy is not using OpenBLAS (install libopenblas0-pthread)")
    sys.exit(0)
print("core", lib.openblas_get_corename().decode())
print("config", lib.openblas_get_config().decode(), path)

rng = np.random.default_rng(1)
for s in json.load(sys.stdin):
    ar, ac = (s["k"], s["m"]) if s["transA"] else (s["m"], s["k"])
    br, bc = (s["n"], s["k"]) if s["transB"] else (s["k"], s["n"])
    a = rng.uniform(-1, 1, (ar, ac)).astype(np.float32)
    b = rng.uniform(-1, 1, (br, bc)).astype(np.float32)
    opa = a.T if s["transA"] else a
    opb = b.T if s["transB"] else b
    c = np.empty((s["m"], s["n"]), np.float32)
    for t in threads:
        lib.openblas_set_num_threads(t)
        sec = median(lambda: np.matmul(opa, opb, out=c))
        print("gemm", s["name"].replace(" ", "_"), t, 2 * s["m"] * s["n"] * s["k"] / sec / 1e9)

if do_lse:
    lib.openblas_set_num_threads(1)
    x = rng.uniform(-20, 20, (1024, 1024)).astype(np.float32)

    def lse():
        mx = x.max(axis=1, keepdims=True)
        return (np.log(np.exp(x - mx).sum(axis=1)) + mx[:, 0])

    def softmax():
        return np.exp(x - lse()[:, None])

    print("lse LogSumExp numpy", x.size / median(lse) / 1e9)
    print("lse Softmax numpy", x.size / median(softmax) / 1e9)
    try:
        from scipy.special import logsumexp, softmax as sp_softmax
        print("lse LogSumExp scipy", x.size / median(lambda: logsumexp(x, axis=1)) / 1e9)
        print("lse Softmax scipy", x.size / median(lambda: sp_softmax(x, axis=1)) / 1e9)
    except ImportError:
        print("config scipy not installed")
