"""Times the CPC training step in PyTorch: the same model and InfoNCE loss
(negatives from the whole batch) as `cpc bench train`, Adam included.

    python3 bench/torch_step.py CONFIG_JSON

prints one JSON line saying what runs the step: torch's version and
location, and the BLAS its matrix products call (see blas()); then serves
steps: for each line THREADS read from stdin it runs one step on that many
threads (ATen's and, for OpenBLAS, BLAS's own) and prints one JSON line with
its time in ms. The benchmark alternates these steps with its own, so load
from other work falls on both alike.

Works with any torch from 1.13 (Debian's python3-torch) on, for example a
newer one from a virtual environment put on PYTHONPATH.
"""
import ctypes
import json
import os
import re
import sys
import time

import torch

from cpc_torch import CPC


class DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def loaded_libraries():
    """Paths of the shared libraries mapped into this process, in order."""
    paths = []
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and ".so" in fields[5] and fields[5].strip() not in paths:
                paths.append(fields[5].strip())
    return paths


def providing_library(lib_path, symbol):
    """The file that gives the library at lib_path its symbol (itself or one
    of its dependencies, as the dynamic linker resolves it), or None."""
    try:
        addr = ctypes.cast(getattr(ctypes.CDLL(lib_path), symbol), ctypes.c_void_p).value
        libc = ctypes.CDLL(None)
        dladdr = libc.dladdr if hasattr(libc, "dladdr") else ctypes.CDLL("libdl.so.2").dladdr
        info = DlInfo()
        if not dladdr(ctypes.c_void_p(addr), ctypes.byref(info)) or not info.dli_fname:
            return None
        return os.path.realpath(info.dli_fname.decode())
    except (OSError, AttributeError):
        return None


def describe(path):
    """What the BLAS library at path is: a dict with kind (openblas, mkl,
    blis, reference or unknown) and what it says of itself."""
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        return {"kind": "unknown", "lib": path, "note": str(e)}
    if hasattr(lib, "openblas_get_corename"):
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        config = lib.openblas_get_config().decode()
        m = re.match(r"OpenBLAS ([\w.]+)", config)
        threading = {0: "sequential", 1: "pthreads", 2: "OpenMP"}.get(
            lib.openblas_get_parallel(), "") if hasattr(lib, "openblas_get_parallel") else ""
        return {"kind": "openblas", "lib": path, "version": m.group(1) if m else "",
                "core": lib.openblas_get_corename().decode(), "threading": threading,
                "note": config}
    if hasattr(lib, "MKL_Get_Version_String"):
        buf = ctypes.create_string_buffer(256)
        lib.MKL_Get_Version_String(buf, len(buf))
        m = re.search(r"Version ([\d.]+)", buf.value.decode())
        return {"kind": "mkl", "lib": path, "version": m.group(1) if m else buf.value.decode().strip()}
    if hasattr(lib, "bli_info_get_version_str"):
        lib.bli_info_get_version_str.restype = ctypes.c_char_p
        return {"kind": "blis", "lib": path, "version": lib.bli_info_get_version_str().decode()}
    name = os.path.basename(path)
    if re.match(r"lib(ref)?c?blas(64)?(_\w+)?\.so", name) and hasattr(lib, "sgemm_"):
        # A plain libblas with none of the optimized libraries' entry
        # points: the netlib reference implementation (Debian's libblas3).
        return {"kind": "reference", "lib": path, "note": "netlib reference BLAS"}
    return {"kind": "unknown", "lib": path}


def blas():
    """The BLAS torch's matrix products (Linear, GRU, matmul) run on.

    torch's own build configuration names the BLAS it was built for
    (BLAS_INFO); "generic" means whatever libblas the system provides,
    which for Debian's python3-torch is the netlib reference BLAS unless
    OpenBLAS is installed. So the library is found in this process: the
    one that gives libtorch_cpu its sgemm_, as the dynamic linker resolved
    it, and failing that (torch with a BLAS linked in) any BLAS mapped."""
    config = torch.__config__.show()
    m = re.search(r"BLAS_INFO=(\w+)", config)
    build = m.group(1) if m else ""
    libs = loaded_libraries()
    found = None
    torch_lib = next((p for p in libs if os.path.basename(p).startswith("libtorch_cpu.")), None)
    if torch_lib:
        provider = providing_library(torch_lib, "sgemm_")
        if provider and provider != os.path.realpath(torch_lib):
            found = describe(provider)
    if found is None and build == "mkl":
        m = re.search(r"Math Kernel Library Version ([\d.]+)", config)
        found = {"kind": "mkl", "lib": torch_lib or "", "version": m.group(1) if m else "",
                 "note": "linked into torch"}
    if found is None:
        for p in libs:
            if re.search(r"(openblas|mkl_rt|libmkl|blis|libblas)", os.path.basename(p)):
                d = describe(p)
                if d["kind"] != "unknown":
                    found = d
                    found["note"] = (found.get("note", "") + "; mapped in the process, not "
                                     "proven to be the one torch calls").lstrip("; ")
                    break
    found = found or {"kind": "unknown", "lib": "", "note": "no BLAS library found"}
    found["build"] = build
    return found


def cpu_capability():
    """ATen's vector instruction level for its own kernels."""
    try:
        return torch.backends.cpu.get_cpu_capability()
    except AttributeError:  # torch < 2.0
        m = re.search(r"CPU capability usage: (\w+)", torch.__config__.show())
        return m.group(1) if m else ""


def openblas_handle(info):
    """The OpenBLAS library whose thread count the steps must set, or None."""
    if info["kind"] != "openblas":
        return None
    lib = ctypes.CDLL(info["lib"])
    lib.openblas_get_num_threads.restype = ctypes.c_int
    return lib


def serve(model, loss, lr):
    """Prints what runs the steps, then serves them: for each line THREADS
    read from stdin, one Adam step (lr) on loss() of model's parameters on
    that many threads, its time in ms printed as a JSON line. The image
    model's benchmark (bench/cpc_images_torch.py step) serves through it
    too."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    info = blas()
    openblas = openblas_handle(info)
    print(json.dumps({"torch": torch.__version__, "path": os.path.dirname(torch.__file__),
                      "cpu_capability": cpu_capability(), "blas": info}), flush=True)
    for line in sys.stdin:
        threads = int(line)
        torch.set_num_threads(threads)
        if openblas is not None:
            # OpenBLAS keeps its own thread count, which torch does not set.
            openblas.openblas_set_num_threads(threads)
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss().backward()
        opt.step()
        ms = 1000 * (time.perf_counter() - start)
        reply = {"ms": ms, "threads": torch.get_num_threads()}
        if openblas is not None:
            reply["blas_threads"] = openblas.openblas_get_num_threads()
        print(json.dumps(reply), flush=True)


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    cfg = json.loads(argv[1])
    torch.manual_seed(1)
    model = CPC(cfg)
    batch = 0.1 * torch.randn(cfg["batch"], cfg["window"])
    serve(model, lambda: model.loss(batch), cfg["lr"])


if __name__ == "__main__":
    main(sys.argv)
