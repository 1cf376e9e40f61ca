"""Training targets from phantom truth (in model-grid pixel coordinates)."""
from __future__ import annotations

import numpy as np

from .levels import INDEX, POINTS
from .net import OFFSET_SCALE, STRIDE
from .preprocess import GRID_H, GRID_W

MAX_OBJECTS = 24
OUT_H, OUT_W = GRID_H // STRIDE, GRID_W // STRIDE


def vertebra_points(v: dict) -> np.ndarray:
    return np.array([v["points_px"][k] for k in POINTS], dtype=np.float64)  # (6, 2) x, y


def make_targets(vertebrae_model: list[tuple[np.ndarray, int, bool]]):
    """vertebrae_model: (points (6,2) in model px, level index, fully visible). Returns a dict of arrays."""
    heat = np.zeros((OUT_H, OUT_W), np.float32)
    weight = np.ones((OUT_H, OUT_W), np.float32)       # 0 around vertebrae that are not fully visible
    index = np.zeros(MAX_OBJECTS, np.int64)
    mask = np.zeros(MAX_OBJECTS, np.float32)
    reg = np.zeros((MAX_OBJECTS, 14), np.float32)
    level = np.zeros(MAX_OBJECTS, np.int64)
    yy, xx = np.mgrid[0:OUT_H, 0:OUT_W]
    k = 0
    for pts, lvl, visible in vertebrae_model:
        c = pts.mean(axis=0) / STRIDE
        height = np.linalg.norm(pts[3] - pts[0]) / STRIDE
        sigma = max(0.8, 0.18 * max(height, 1.0))
        if not (0 <= c[0] < OUT_W and 0 <= c[1] < OUT_H):
            continue
        d2 = (xx - c[0]) ** 2 + (yy - c[1]) ** 2
        if not visible:
            weight[d2 < (2.5 * sigma + 1) ** 2] = 0.0
            continue
        heat = np.maximum(heat, np.exp(-d2 / (2 * sigma * sigma)).astype(np.float32))
        ix, iy = int(c[0]), int(c[1])
        heat[iy, ix] = 1.0
        if k >= MAX_OBJECTS:
            continue
        index[k] = iy * OUT_W + ix
        mask[k] = 1.0
        reg[k, 0:2] = c - np.array([ix, iy])
        reg[k, 2:] = ((pts / STRIDE - c) / OFFSET_SCALE).reshape(-1)
        level[k] = lvl
        k += 1
    return {"heat": heat, "weight": weight, "index": index, "mask": mask, "reg": reg, "level": level}


def level_index(name: str) -> int:
    return INDEX[name]
