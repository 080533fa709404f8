#!/usr/bin/env bash
# Builds Go js/wasm modules with the SIMD128 kernels (-tags wasmsimd).
#
#   scripts/wasm-simd.sh build OUT.wasm PACKAGE     # go build, then merge the kernels in
#   scripts/wasm-simd.sh exec PROG.wasm [ARG...]    # the same for go test/go run -exec, then run it
#
# Each asm/NAME_simd128.wat is assembled (npm's wabt) into a module that Go
# reaches as //go:wasmimport NAME_simd128 …, and binaryen's wasm-merge
# fuses them with Go's module, named "go" here so that the kernels'
# import of go.mem becomes Go's own linear memory. The result imports only
# what wasm_exec.js provides. The tools are the versions package-lock.json
# pins (make deps, or npm ci, installs them).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/node_modules/.bin
if [ ! -x "$bin/wasm-merge" ] || [ ! -x "$bin/wat2wasm" ]; then
  echo "wasm-simd.sh: wabt and binaryen are missing; run make deps (or npm ci) in $root" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# merge IN OUT
merge() {
  local mods=() wat name
  for wat in "$root"/asm/*_simd128.wat; do
    name=$(basename "$wat" .wat)
    "$bin/wat2wasm" "$wat" -o "$work/$name.wasm"
    mods+=("$work/$name.wasm" "$name")
  done
  # Go's module uses sign extension, saturating conversions, bulk memory
  # and mutable globals; binaryen validates against the features enabled.
  "$bin/wasm-merge" "$1" go "${mods[@]}" -o "$2" \
    --enable-simd --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-bulk-memory --enable-bulk-memory-opt --enable-mutable-globals
}

case "${1:-}" in
build)
  [ $# -eq 3 ] || { echo "usage: $0 build OUT.wasm PACKAGE" >&2; exit 2; }
  GOOS=js GOARCH=wasm go build -tags wasmsimd -o "$work/plain.wasm" "$3"
  merge "$work/plain.wasm" "$2"
  ;;
exec)
  [ $# -ge 2 ] || { echo "usage: $0 exec PROG.wasm [ARG...]" >&2; exit 2; }
  merge "$2" "$work/merged.wasm"
  shift 2
  "$(go env GOROOT)/lib/wasm/go_js_wasm_exec" "$work/merged.wasm" "$@"
  ;;
*)
  echo "usage: $0 build OUT.wasm PACKAGE | exec PROG.wasm [ARG...]" >&2
  exit 2
  ;;
esac
