"""Times the CPC training step in PyTorch: the same model and InfoNCE loss
(negatives from the whole batch) as `cpc bench train`, Adam included.

    python3 bench/torch_step.py CONFIG_JSON

prints one JSON line with torch's version, then serves steps: for each line
THREADS read from stdin it runs one step on that many threads and prints one
JSON line with its time in ms. The benchmark alternates these steps with its
own, so load from other work falls on both alike.
"""
import json
import sys
import time

import torch

from cpc_torch import CPC


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    cfg = json.loads(argv[1])
    torch.manual_seed(1)
    model = CPC(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    batch = 0.1 * torch.randn(cfg["batch"], cfg["window"])
    print(json.dumps({"torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        torch.set_num_threads(int(line))
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model.loss(batch)
        loss.backward()
        opt.step()
        ms = 1000 * (time.perf_counter() - start)
        print(json.dumps({"ms": ms, "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main(sys.argv)
