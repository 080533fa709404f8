#!/bin/sh
# One confirmation run of the Evaluation protocol (README, "Generated corpora"): generate the corpus
# of SEED, train a recipe on it, save the recipe's untrained starting point (the same flags with
# --steps 0), and probe the trained c_t, c_{t+4}, MFCC and the untrained model on its test split.
#
#   scripts/confirm.sh SEED DIR TRAIN_FLAGS...
#
# writes DIR/cSEED (the corpus; kept if it exists), DIR/cSEED-run and -run-init, and
# DIR/cSEED-run.table.md. MINUTES, SYNTH, SPEAKERS and CORPUS_FLAGS default to the protocol's.
set -eu
[ $# -ge 2 ] || { echo "usage: scripts/confirm.sh SEED DIR TRAIN_FLAGS..." >&2; exit 2; }
seed=$1 dir=$2
shift 2
corpus=$dir/c$seed run=$dir/c$seed-run
cd "$(dirname "$0")/.."
make -s build
[ -d "$corpus" ] || make -s corpus OUT="$corpus" SEED="$seed" MINUTES="${MINUTES:-15}" \
	SYNTH="${SYNTH:-espeak,flite,festival}" SPEAKERS="${SPEAKERS:-12}" CORPUS_FLAGS="${CORPUS_FLAGS:--snr 10:30 -rt60 0.2:0.6}"
t0=$(date +%s)
bin/cpc train --data "$corpus" --out "$run" --save-every 1000 "$@"
t1=$(date +%s)
bin/cpc train --data "$corpus" --out "$run-init" --save-every 0 "$@" --steps 0
bin/cpc probe --data "$corpus" --phones "$corpus/phones.txt" --train-split "$corpus/train.txt" \
	--test-split "$corpus/test.txt" --l2 auto --features "$run,$run+4,mfcc,$run-init" > "$run.table.md"
t2=$(date +%s)
echo "training $((t1 - t0)) s, untrained row and probe $((t2 - t1)) s" >> "$run.table.md"
cat "$run.table.md"
