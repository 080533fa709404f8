#!/usr/bin/env bash
# Builds Go js/wasm modules with the SIMD128 kernels (-tags wasmsimd), or
# with the relaxed-SIMD kernels beside them (-tags wasmrelaxed).
#
#   scripts/wasm-simd.sh build OUT.wasm PACKAGE [TAG] # go build -tags TAG (wasmsimd), then merge the kernels in
#   scripts/wasm-simd.sh shrink MODULE.wasm           # binaryen's -Oz on a built module, in place
#   scripts/wasm-simd.sh exec PROG.wasm [ARG...]      # the same for go test/go run -exec, then run it
#
# Each asm/NAME_simd128.wat is assembled (npm's wabt) into a module that Go
# reaches as //go:wasmimport NAME_simd128 …, and binaryen's wasm-merge
# fuses them with Go's module, named "go" here so that the kernels'
# import of go.mem becomes Go's own linear memory. The result imports only
# what wasm_exec.js provides. The tools are the versions package-lock.json
# pins (make deps, or npm ci, installs them). Where the Go module imports
# from NAME_relaxed (-tags wasmrelaxed), the relaxed-SIMD kernels, that
# module is derived from asm/NAME_simd128.wat by scripts/wasm-relaxed.js
# (each multiply feeding an add becomes one f32x4.relaxed_madd) and
# merged too; a module built without that tag gets none, so the SIMD128
# module stays one that every SIMD128 engine compiles. Node 20 (V8 11.3)
# runs relaxed SIMD only with --experimental-wasm-relaxed-simd, which
# exec then passes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/node_modules/.bin
if [ ! -x "$bin/wasm-merge" ] || [ ! -x "$bin/wat2wasm" ]; then
  echo "wasm-simd.sh: wabt and binaryen are missing; run make deps (or npm ci) in $root" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# relaxed WASM: whether the Go module imports the relaxed-SIMD kernels.
relaxed() { grep -qa sgemm_relaxed "$1"; }

# nodeflags prints the flag node needs for relaxed SIMD, if any: the one
# a node that validates a function of one f32x4.relaxed_madd without it
# would refuse if it no longer knew it.
nodeflags() {
  node -e 'process.exit(WebAssembly.validate(Buffer.from(process.argv[1], "base64")) ? 0 : 1)' \
    AGFzbQEAAAABBgFgAXsBewMCAQAKDQELACAAIAAgAP2FAgs= || echo --experimental-wasm-relaxed-simd
}

# The WebAssembly features binaryen validates against: Go's module uses
# sign extension, saturating conversions, bulk memory and mutable globals;
# the kernels SIMD128 (and relaxed SIMD where the module imports them).
features() {
  echo --enable-simd --enable-multivalue --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-bulk-memory --enable-bulk-memory-opt --enable-mutable-globals
  if relaxed "$1"; then echo --enable-relaxed-simd; fi
}

# merge IN OUT
merge() {
  local mods=() wat name
  for wat in "$root"/asm/*_simd128.wat; do
    name=$(basename "$wat" .wat)
    "$bin/wat2wasm" "$wat" -o "$work/$name.wasm"
    mods+=("$work/$name.wasm" "$name")
    name=${name%_simd128}_relaxed
    if grep -qa "$name" "$1"; then
      node "$root/scripts/wasm-relaxed.js" "$wat" > "$work/$name.wat"
      "$bin/wat2wasm" --enable-relaxed-simd "$work/$name.wat" -o "$work/$name.wasm"
      mods+=("$work/$name.wasm" "$name")
    fi
  done
  # shellcheck disable=SC2046 # one flag a word
  "$bin/wasm-merge" "$1" go "${mods[@]}" -o "$2" $(features "$1")
}

case "${1:-}" in
build)
  [ $# -eq 3 ] || [ $# -eq 4 ] || { echo "usage: $0 build OUT.wasm PACKAGE [TAG]" >&2; exit 2; }
  GOOS=js GOARCH=wasm go build -tags "${4:-wasmsimd}" -o "$work/plain.wasm" "$3"
  merge "$work/plain.wasm" "$2"
  ;;
shrink)
  # binaryen's size optimisation of a built module, in place: the Worker
  # bundle's limit is on its compressed size.
  [ $# -eq 2 ] || { echo "usage: $0 shrink MODULE.wasm" >&2; exit 2; }
  # shellcheck disable=SC2046
  "$bin/wasm-opt" -Oz $(features "$2") "$2" -o "$work/small.wasm"
  mv "$work/small.wasm" "$2"
  ;;
exec)
  [ $# -ge 2 ] || { echo "usage: $0 exec PROG.wasm [ARG...]" >&2; exit 2; }
  merge "$2" "$work/merged.wasm"
  flags=()
  if relaxed "$2"; then read -ra flags <<<"$(nodeflags)"; fi
  shift 2
  # go_js_wasm_exec's command, with the flag node may need.
  node "${flags[@]}" --stack-size=8192 "$(go env GOROOT)/lib/wasm/wasm_exec_node.js" "$work/merged.wasm" "$@"
  ;;
*)
  echo "usage: $0 build OUT.wasm PACKAGE [TAG] | shrink MODULE.wasm | exec PROG.wasm [ARG...]" >&2
  exit 2
  ;;
esac
