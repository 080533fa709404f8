#!/usr/bin/env bash
# Installs what `make test` needs on a fresh Debian machine, skipping what is
# already there: qemu-user (arm64 kernels under emulation), Debian's python3
# with numpy and torch (the PyTorch compatibility check and the benchmark
# anchors), chromium (the browser demo's end-to-end test), npm and, through
# it, the tools package-lock.json pins (wabt and binaryen, for the SIMD128
# kernels; workerd and wrangler, for the Workers endpoint), and Open MPI
# (openmpi-bin, libopenmpi-dev: the mpi build's cgo binding and its tests
# under mpirun), dataset-fashion-mnist (the image experiments' second
# data set), and the speech synthesisers the corpus generator's test runs
# (scripts/mksample: eSpeak NG with its headers, Flite, Festival and three
# of its English voices, flac; about 25 MB to download). Run as root, or
# with sudo available.
set -euo pipefail

need=()
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
/usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
command -v chromium >/dev/null || need+=(chromium)
command -v npm >/dev/null || need+=(npm)
command -v mpirun >/dev/null || need+=(openmpi-bin)
pkg-config --exists ompi-c 2>/dev/null || need+=(libopenmpi-dev pkg-config)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
pkg-config --exists espeak-ng 2>/dev/null || need+=(espeak-ng libespeak-ng-dev pkg-config)
command -v flite >/dev/null || need+=(flite)
command -v festival >/dev/null || need+=(festival)
voices=/usr/share/festival/voices
[ -d $voices/english/kal_diphone ] || need+=(festvox-kallpc16k)
[ -d $voices/english/ked_diphone ] || need+=(festvox-kdlpc16k)
[ -d $voices/us/cmu_us_slt_arctic_hts ] || need+=(festvox-us-slt-hts)
command -v flac >/dev/null || need+=(flac)
# `scripts/deps.sh bench` adds the benchmarks' anchors: OpenBLAS and scipy.
# Debian's numpy and python3-torch both call libblas.so.3, which is the
# netlib reference BLAS (unoptimized, one thread) unless OpenBLAS provides
# it: every benchmark that times numpy or PyTorch runs this first.
bench=false
[ "${1:-}" = bench ] && bench=true
if $bench; then
  dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
  /usr/bin/python3 -c 'import scipy' 2>/dev/null || need+=(python3-scipy)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if $bench; then
  # Installing OpenBLAS makes it libblas.so.3 unless the alternative was
  # set by hand; the benchmarks name the BLAS they find either way, and
  # give no ratio against the reference one.
  link=$(/sbin/ldconfig -p | awk '/libblas\.so\.3 \(.*(x86-64|AArch64)/ && !p {p = $NF} END {print p}')
  blas=$(readlink -f "$link" 2>/dev/null || true)
  case "$blas" in
    *openblas*) ;;
    *) echo "warning: libblas.so.3 is ${blas:-missing}, not OpenBLAS: see" \
         "update-alternatives --display libblas.so.3-$(basename "$(dirname "${link:-/x/?}")")" >&2 ;;
  esac
fi

cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/wasm-merge ] || [ ! -x node_modules/.bin/wat2wasm ] ||
  [ ! -x node_modules/.bin/workerd ] || [ ! -x node_modules/.bin/wrangler ]; then
  npm ci --no-audit --no-fund
fi
