"""Model outputs -> vertebrae (the engine must do the same; see the manifest's "output_decoding"; numbers in
contract.py).

1. p = sigmoid(heatmap), computed in float32 on the float32 logits. A cell is a centre candidate when
   p >= PEAK_THRESHOLD and p equals the maximum of its PEAK_WINDOW x PEAK_WINDOW neighbourhood (outside the map
   counts as -1; ties: only the first maximum in row-major order is a peak); at most MAX_DETECTIONS, highest p
   first (then row, then column).
2. Centre (model px) = ((ix + off_x) * STRIDE, (iy + off_y) * STRIDE) with the offsets read at the cell; each point =
   centre + offsets[2 + 2k : 4 + 2k] * OFFSET_SCALE * STRIDE.
3. Levels: detections sorted by centre y (cranial first) get strictly increasing level indices that maximise the sum
   of log-softmax(level logits) minus GAP_PENALTY per skipped level (dynamic programming).
"""
from __future__ import annotations

import numpy as np

from . import contract as C

LEVELS = C.LEVELS
N_LEVELS = C.N_LEVELS


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def log_softmax(x):
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum())


def find_peaks(p: np.ndarray):
    """[(p, iy, ix)] of the peaks of a probability map, best first."""
    k = C.PEAK_WINDOW
    r = k // 2
    centre = r * k + r                      # index of the cell itself in its flattened window
    padded = np.pad(p, r, constant_values=C.PEAK_OUTSIDE_VALUE)
    candidates = p >= C.PEAK_THRESHOLD if C.PEAK_THRESHOLD_INCLUSIVE else p > C.PEAK_THRESHOLD
    peaks = []
    for iy, ix in zip(*np.nonzero(candidates)):
        window = padded[iy:iy + k, ix:ix + k]
        if p[iy, ix] < window.max():
            continue
        # ties: keep only the first maximum in row-major order
        flat = window.reshape(-1)
        first = int(np.argmax(flat == p[iy, ix]))
        if first != centre:
            continue
        peaks.append((float(p[iy, ix]), int(iy), int(ix)))
    peaks.sort(key=lambda t: (-t[0], t[1], t[2]))
    return peaks[:C.MAX_DETECTIONS]


def assign_levels(logps: list[np.ndarray]) -> list[int]:
    n = len(logps)
    if n == 0:
        return []
    neg = -1e18
    score = np.full((n, N_LEVELS), neg)
    back = np.zeros((n, N_LEVELS), np.int64)
    score[0] = logps[0]
    for i in range(1, n):
        for lv in range(N_LEVELS):
            best, arg = neg, -1
            for prev in range(lv):
                s = score[i - 1, prev] - C.GAP_PENALTY * (lv - prev - 1)
                if s > best:
                    best, arg = s, prev
            if arg >= 0:
                score[i, lv] = best + logps[i][lv]
                back[i, lv] = arg
    lv = int(np.argmax(score[n - 1]))
    out = [lv]
    for i in range(n - 1, 0, -1):
        lv = int(back[i, lv])
        out.append(lv)
    return out[::-1]


def decode(heat_logits: np.ndarray, offsets: np.ndarray, levels: np.ndarray, peaks: list | None = None) -> list[dict]:
    """Arrays of one image: (1,h,w), (14,h,w), (18,h,w). Returns vertebrae in model-grid pixels, cranial first.
    ``peaks``: when a list is given, the raw peaks (p, iy, ix) before level assignment are appended to it."""
    p = sigmoid(heat_logits[0])
    found = []
    for score, iy, ix in find_peaks(p):
        if peaks is not None:
            peaks.append((score, iy, ix))
        off = offsets[:, iy, ix]
        cx, cy = (ix + off[0]) * C.STRIDE, (iy + off[1]) * C.STRIDE
        pts = np.array([cx, cy]) + off[2:].reshape(C.N_POINTS, 2) * C.OFFSET_SCALE * C.STRIDE
        found.append({"score": score, "centre": [cx, cy], "cell": (iy, ix), "points": pts,
                      "logp": log_softmax(levels[:, iy, ix])})
    found.sort(key=lambda d: d["centre"][1])
    for d, lv in zip(found, assign_levels([d["logp"] for d in found])):
        d["level"] = LEVELS[lv]
        d["level_confidence"] = float(np.exp(d["logp"][lv]))
        del d["logp"]
    return found
