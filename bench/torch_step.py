"""Times the CPC training step in PyTorch: the same model and InfoNCE loss
(negatives from the whole batch) as `cpc bench train`, Adam included.

    python3 bench/torch_step.py CONFIG_JSON THREADS STEPS WARMUP

prints one JSON object: the step times in ms, their median, the threads and
torch's version.
"""
import json
import statistics
import sys
import time

import torch

from cpc_torch import CPC


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    cfg = json.loads(argv[1])
    threads, steps, warmup = int(argv[2]), int(argv[3]), int(argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = CPC(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    batch = 0.1 * torch.randn(cfg["batch"], cfg["window"])
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model.loss(batch)
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append(1000 * (time.perf_counter() - start))
    print(json.dumps({"ms": times, "median_ms": statistics.median(times),
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main(sys.argv)
