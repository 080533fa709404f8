#!/usr/bin/python3
"""Reference MFCCs for mfcc_test.go, computed with NumPy only.

Run once with Debian's python3-numpy; the printed Go literal is pasted into
mfcc_test.go. The pipeline follows the definition in mfcc.go's package
comment, written the NumPy way (rfft, a filter-bank matrix, a DCT matrix,
np.pad for the delta edges).
"""
import numpy as np

RATE, WIN, HOP, NFFT, NFILT, NCEP = 16000, 400, 160, 512, 40, 13


def signal(n):
    # Mirrored in mfcc_test.go's testSignal: two tones, a glide and a
    # deterministic hash noise, rounded to float32 like decoded audio.
    t = np.arange(n, dtype=np.float64)
    x = (0.4 * np.sin(2 * np.pi * 440 * t / RATE)
         + 0.25 * np.sin(2 * np.pi * 1250 * t / RATE + 0.3)
         + 0.15 * np.sin(2 * np.pi * (300 + 0.5 * t) * t / RATE)
         + 0.05 * (((t * 7919) % 1013) / 1013 - 0.5))
    return x.astype(np.float32).astype(np.float64)


def mel(f):
    return 2595 * np.log10(1 + f / 700)


def mfcc(x):
    n = (len(x) - WIN) // HOP + 1
    frames = np.stack([x[m * HOP:m * HOP + WIN] for m in range(n)])
    pre = np.concatenate([frames[:, :1] * (1 - 0.97), frames[:, 1:] - 0.97 * frames[:, :-1]], axis=1)
    pre *= np.hamming(WIN)
    power = np.abs(np.fft.rfft(pre, NFFT)) ** 2
    edges = np.linspace(mel(20.0), mel(RATE / 2), NFILT + 2)
    bins = mel(np.arange(NFFT // 2 + 1) * RATE / NFFT)
    fb = np.zeros((NFILT, NFFT // 2 + 1))
    for j in range(NFILT):
        l, c, r = edges[j:j + 3]
        up = (bins - l) / (c - l)
        down = (r - bins) / (r - c)
        fb[j] = np.where((bins > l) & (bins <= c), up, np.where((bins > c) & (bins < r), down, 0))
    logmel = np.log(np.maximum(power @ fb.T, 1e-10))
    i, j = np.meshgrid(np.arange(NCEP), np.arange(NFILT), indexing="ij")
    dct = np.sqrt(2 / NFILT) * np.cos(np.pi * i * (j + 0.5) / NFILT)
    dct[0] /= np.sqrt(2)
    c = logmel @ dct.T

    def delta(v):
        p = np.pad(v, ((2, 2), (0, 0)), mode="edge")
        return sum(th * (p[2 + th:2 + th + len(v)] - p[2 - th:2 - th + len(v)]) for th in (1, 2)) / 10

    d = delta(c)
    return np.concatenate([c, d, delta(d)], axis=1)


feats = mfcc(signal(WIN + 6 * HOP))
print("// %d frames × %d" % feats.shape)
for row in feats:
    print("{" + ", ".join("%.6g" % v for v in row) + "},")
