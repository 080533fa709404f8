"""The CPC model of this project written with torch.nn, for checking that
checkpoints load into PyTorch with the same names and shapes and give the
same features, and as the reference the training benchmark times.

    python3 bench/cpc_torch.py embed MODEL.safetensors AUDIO.wav OUT.npy
    python3 bench/cpc_torch.py loss MODEL.safetensors BATCH.npy

The first writes c_t of AUDIO (16 kHz, 16-bit PCM WAV) as [frames, H]
float32; the second prints the InfoNCE loss (negatives from the whole batch)
of a [B, samples] float32 batch.
safetensors.torch.load_file reads the checkpoint directly where the
safetensors package is installed; load_safetensors below is the same read
with the standard library only, for machines without it.
"""
import json
import struct
import sys
import wave

import numpy as np
import torch
from torch import nn


class ChannelNorm(nn.Module):
    """CPC_audio's channel normalisation: every time step of x [B, C, T] is
    normalised over its C channels by their mean and unbiased variance
    (torch.var's), eps 1e-5, then scaled and shifted per channel."""

    def __init__(self, channels, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        mean = x.mean(dim=1, keepdim=True)
        var = x.var(dim=1, keepdim=True)
        x = (x - mean) * torch.rsqrt(var + self.eps)
        return x * self.weight[:, None] + self.bias[:, None]


class Encoder(nn.Module):
    def __init__(self, channels, kernels, strides, channel_norm=False):
        super().__init__()
        ins = [1] + [channels] * (len(kernels) - 1)
        self.convs = nn.ModuleList(
            nn.Conv1d(i, channels, k, stride=s) for i, k, s in zip(ins, kernels, strides))
        self.norms = None
        if channel_norm:
            self.norms = nn.ModuleList(ChannelNorm(channels) for _ in kernels)

    def forward(self, x):  # x: [B, samples] -> z: [B, T, C]
        x = x.unsqueeze(1)
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if self.norms is not None:
                x = self.norms[i](x)
            x = torch.relu(x)
        return x.transpose(1, 2)


class FeedForward(nn.Module):
    """CPC_audio's 'ffd' predictor (its FFNetwork): lin2(relu(lin1(c)))."""

    def __init__(self, hidden, units, channels):
        super().__init__()
        self.lin1 = nn.Linear(hidden, units)
        self.lin2 = nn.Linear(units, channels)

    def forward(self, x):
        return self.lin2(torch.relu(self.lin1(x)))


class CPC(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg["channels"], cfg["kernels"], cfg["strides"], cfg.get("channel_norm", False))
        layers = max(1, cfg.get("context_layers", 0))
        self.gru = nn.GRU(cfg["channels"], cfg["hidden"], num_layers=layers, batch_first=True)
        units = cfg.get("predictor_hidden", 0)
        self.predictors = nn.ModuleList(
            FeedForward(cfg["hidden"], units, cfg["channels"]) if units
            else nn.Linear(cfg["hidden"], cfg["channels"], bias=False)
            for _ in range(cfg["prediction_steps"]))

    def forward(self, x):
        z = self.encoder(x)
        c, _ = self.gru(z)
        return z, c

    def loss(self, x):
        """InfoNCE with every other position of the batch as negatives."""
        z, c = self.forward(x)
        B, T, C = z.shape
        # Time-major once, so every k's rows are contiguous views.
        z, c = z.transpose(0, 1).contiguous(), c.transpose(0, 1).contiguous()
        total, count = 0.0, 0
        for k in range(1, self.cfg["prediction_steps"] + 1):
            pred = self.predictors[k - 1](c[: T - k].reshape(-1, c.shape[2]))
            cand = z[k:].reshape(-1, C)
            scores = pred @ cand.t()
            if self.cfg.get("mean_scores", False):  # CPC_audio's: the mean over C, not the sum
                scores = scores / C
            target = torch.arange(scores.shape[0])
            total = total + nn.functional.cross_entropy(scores, target, reduction="sum")
            count += scores.shape[0]
        return total / count


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", name
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[b:e], dtype="<f4").reshape(info["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def load_model(path):
    tensors, meta = load_safetensors(path)
    model = CPC(json.loads(meta["config"]))
    model.load_state_dict(tensors, strict=True)
    return model


def read_wav16(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1 and w.getframerate() == 16000, path
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return torch.from_numpy(pcm.astype(np.float32) / 32768.0)


def main(argv):
    if len(argv) == 5 and argv[1] == "embed":
        model = load_model(argv[2])
        with torch.no_grad():
            _, c = model(read_wav16(argv[3]).unsqueeze(0))
        np.save(argv[4], c[0].numpy().astype(np.float32))
    elif len(argv) == 4 and argv[1] == "loss":
        model = load_model(argv[2]).double()
        with torch.no_grad():
            print(repr(model.loss(torch.from_numpy(np.load(argv[3])).double()).item()))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
