#!/usr/bin/env bash
# Prints the Worker bundle's size, each module raw and gzipped, against
# Cloudflare's limits on a Worker's compressed size: 3 MB on the Free plan,
# 10 MB on the Paid plan (read here as 10^6 bytes, the stricter reading).
# Fails when the bundle cannot be deployed on either plan.
#
#   wasm/worker/size.sh DIR     # the build directory of make worker
set -euo pipefail
dir=${1:?usage: $0 DIR}
free=3000000 paid=10000000
raw_total=0 gz_total=0
printf '%-22s %12s %12s\n' module raw gzip
for f in worker.mjs wasm_exec.js cpc.wasm model.safetensors model-source.txt; do
  raw=$(wc -c <"$dir/$f")
  gz=$(gzip -9 -c "$dir/$f" | wc -c)
  raw_total=$((raw_total + raw)) gz_total=$((gz_total + gz))
  printf '%-22s %12d %12d\n' "$f" "$raw" "$gz"
done
printf '%-22s %12d %12d   (%.2f MB gzip)\n' total "$raw_total" "$gz_total" "$(awk "BEGIN { print $gz_total / 1000000 }")"
verdict() { if [ "$gz_total" -le "$2" ]; then echo "within the $1 plan's $(($2 / 1000000)) MB"; else echo "OVER the $1 plan's $(($2 / 1000000)) MB"; fi; }
echo "gzip: $(verdict Free $free); $(verdict Paid $paid)"
[ "$gz_total" -le "$paid" ]
