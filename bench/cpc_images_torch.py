"""The image CPC model of core/imagecpc written with torch.nn, for checking
that its checkpoints load into PyTorch with the same names and shapes and
give the same features and InfoNCE loss.

    python3 bench/cpc_images_torch.py check MODEL.safetensors IMAGES.npy FEATURES.npy
    python3 bench/cpc_images_torch.py step CONFIG_JSON

IMAGES.npy is [B, side, side] float32 pixel values 0..255. check prints the
InfoNCE loss of the batch (float64) and writes the mean-pooled features
[B, D + H] (z, then c, averaged over the patch grid) as float32. step is the
reference `cpc bench images` times: the architecture's fields with batch
and lr beside them; it serves Adam steps on a batch of random images as
bench/torch_step.py serves the speech model's (same protocol).
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpc_torch import load_safetensors  # noqa: E402


class Encoder(nn.Module):
    """3×3 convolutions with padding 1, each followed by ReLU, then the mean
    over the patch: one z (D values) per patch."""

    def __init__(self, channels, dim, strides):
        super().__init__()
        n = len(strides)
        ins = [1] + [channels] * (n - 1)
        outs = [channels] * (n - 1) + [dim]
        self.convs = nn.ModuleList(
            nn.Conv2d(i, o, 3, stride=s, padding=1) for i, o, s in zip(ins, outs, strides))

    def forward(self, x):  # [N, 1, P, P] -> [N, D]
        for conv in self.convs:
            x = torch.relu(conv(x))
        return x.mean(dim=(2, 3))


class ImageCPC(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg["channels"], cfg["dim"], cfg["strides"])
        self.gru = nn.GRU(cfg["dim"], cfg["hidden"], batch_first=True)
        self.predictors = nn.ModuleList(
            nn.Linear(cfg["hidden"], cfg["dim"], bias=False) for _ in range(cfg["prediction_steps"]))

    def forward(self, images):
        """images [B, S, S] in 0..255 -> z [B, G, G, D], c [B, G, G, H]
        (grid row i, column j); c[:, i, j] has seen z of rows 0..i of column j."""
        cfg = self.cfg
        x = F.pad(images / 255.0, (cfg["pad"],) * 4)
        p = x.unfold(1, cfg["patch"], cfg["step"]).unfold(2, cfg["patch"], cfg["step"])
        B, G = p.shape[0], p.shape[1]
        z = self.encoder(p.reshape(-1, 1, cfg["patch"], cfg["patch"])).reshape(B, G, G, -1)
        cols = z.permute(0, 2, 1, 3).reshape(B * G, G, -1)  # each column a sequence down the rows
        c, _ = self.gru(cols)
        c = c.reshape(B, G, G, -1).permute(0, 2, 1, 3)
        return z, c

    def loss(self, images):
        """InfoNCE: c[b, i, j] predicts z[b, i+k, j] against every patch of
        the batch in rows k and below."""
        z, c = self.forward(images)
        G, D, H = z.shape[1], z.shape[3], c.shape[3]
        total, count = 0.0, 0
        for k in range(1, self.cfg["prediction_steps"] + 1):
            pred = self.predictors[k - 1](c[:, : G - k].reshape(-1, H))
            cand = z[:, k:].reshape(-1, D)  # the same (b, i, j) order: positives on the diagonal
            scores = pred @ cand.t()
            target = torch.arange(scores.shape[0])
            total = total + F.cross_entropy(scores, target, reduction="sum")
            count += scores.shape[0]
        return total / count

    def features(self, images):
        z, c = self.forward(images)
        return torch.cat([z.mean(dim=(1, 2)), c.mean(dim=(1, 2))], dim=1)


def main(argv):
    if len(argv) == 3 and argv[1] == "step":
        from torch_step import serve
        cfg = json.loads(argv[2])
        torch.manual_seed(1)
        model = ImageCPC(cfg)
        images = torch.randint(0, 256, (cfg["batch"], cfg["image"], cfg["image"])).float()
        serve(model, lambda: model.loss(images), cfg["lr"])
        return
    if len(argv) != 5 or argv[1] != "check":
        sys.exit(__doc__)
    tensors, meta = load_safetensors(argv[2])
    model = ImageCPC(json.loads(meta["config"]))
    model.load_state_dict(tensors, strict=True)
    model = model.double()
    images = torch.from_numpy(np.load(argv[3])).double()
    with torch.no_grad():
        print(repr(model.loss(images).item()))
        np.save(argv[4], model.features(images).numpy().astype(np.float32))


if __name__ == "__main__":
    main(sys.argv)
