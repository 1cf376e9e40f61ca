"""A montage of evaluation phantoms: true points green, predicted points red, predicted level and grade as ticks."""
from __future__ import annotations

import numpy as np

from phantoms.preview import _dot, _line, write_png

TILE = 300


def tile(ph, preds, visible):
    img = ph.display_image()
    h, w = img.shape
    step = max(h, w) / TILE
    ys = (np.arange(TILE) * step).astype(int)
    xs = (np.arange(TILE) * step).astype(int)
    ys, xs = ys[ys < h], xs[xs < w]
    small = img[np.ix_(ys, xs)]
    rgb = np.zeros((TILE, TILE, 3), np.uint8)
    rgb[:small.shape[0], :small.shape[1]] = (small * 255).astype(np.uint8)[..., None]
    for t in visible:
        for x, y in t["pts"] / step:
            _dot(rgb, x, y, 1, (0, 255, 0))
    for p in preds:
        pts = p["points_img"] / step
        _line(rgb, pts[0], pts[3], (255, 60, 60))
        _line(rgb, pts[2], pts[5], (255, 60, 60))
        for x, y in pts:
            _dot(rgb, x, y, 1, (255, 0, 0))
    return rgb


def write_montage(path, items, columns=4):
    tiles = [tile(ph, preds, visible) for ph, preds, visible, _ in items]
    rows = (len(tiles) + columns - 1) // columns
    out = np.zeros((rows * TILE, columns * TILE, 3), np.uint8)
    for k, t in enumerate(tiles):
        r, c = divmod(k, columns)
        out[r * TILE:(r + 1) * TILE, c * TILE:(c + 1) * TILE] = t
    write_png(path, out)
