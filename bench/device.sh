#!/bin/bash
# The 16-core run of BENCHMARKS.md ("On 16 cores beside PyTorch 2.11"): the
# machine, torch's version and build, then cpc bench train
# for both presets at 1..16 threads beside PyTorch 2.11 in /opt/torch/.venv,
# then the paper and small steps on 16 threads split over 2, 4 and 8
# replicas in one process (--replicas; the global batch stays 8).
# Build here with CGO_ENABLED=0 go build -o bin/cpc-dev ./cmd/cpc and run it
# there from the checkout's root (bin/ travels as carry); $OUT gets the log.
set -u
BIN=${BIN:-bin/cpc-dev}
export PYTHONPATH=$(/opt/torch/.venv/bin/python3 -c 'import site;print(site.getsitepackages()[0])')
export PYTHONUNBUFFERED=1
{
lscpu | grep -E 'Model name|^CPU\(s\)|Thread|Socket|L2|L3|Flags' | cut -c1-200
nproc; free -g | head -2
/usr/bin/python3 -c 'import torch,sys; print("python", sys.version.split()[0], "torch", torch.__version__, "threads", torch.get_num_threads()); print(torch.__config__.show())' 2>&1 | head -30
T=true; /usr/bin/python3 -c 'import torch' || T=false
ls -la /usr/bin/python3 /opt/torch/.venv/bin/python3
$BIN bench train --torch=$T --config paper --threads 1,2,4,8,16 --steps 3 --warmup 1
$BIN bench train --torch=$T --config small --threads 1,2,4,8,16 --steps 5 --warmup 2
for r in 2 4 8; do
  $BIN bench train --torch=false --config paper --threads 16 --replicas $r --steps 3 --warmup 1
  $BIN bench train --torch=false --config small --threads 16 --replicas $r --steps 5 --warmup 2
done
} 2>&1 | tee $OUT/log
