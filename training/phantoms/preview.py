"""Quick-look PNGs (own zlib PNG writer, no imaging library) with the truth
points drawn: green = fully visible, yellow = partly visible; fractured
levels are marked with a red tick per grade."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def write_png(path: str, img: np.ndarray) -> None:
    """Write an 8-bit grey (H,W) or RGB (H,W,3) array as PNG."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    h, w = img.shape[:2]
    ctype = 0 if img.ndim == 2 else 2
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))

    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


def _dot(rgb, x, y, r, colour):
    h, w = rgb.shape[:2]
    xi, yi = int(round(x)), int(round(y))
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if abs(dx) + abs(dy) <= r and 0 <= yi + dy < h and 0 <= xi + dx < w:
                rgb[yi + dy, xi + dx] = colour


def _line(rgb, p, q, colour):
    n = int(max(abs(q[0] - p[0]), abs(q[1] - p[1]))) + 1
    for t in np.linspace(0, 1, n):
        x, y = p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t
        xi, yi = int(round(x)), int(round(y))
        if 0 <= yi < rgb.shape[0] and 0 <= xi < rgb.shape[1]:
            rgb[yi, xi] = colour


def render_preview(phantom, path: str, max_size: int = 900, points: bool = True) -> None:
    img = phantom.display_image()
    h, w = img.shape
    step = max(1, int(np.ceil(max(h, w) / max_size)))
    H, W = h // step * step, w // step * step
    small = img[:H, :W].reshape(H // step, step, W // step, step).mean(axis=(1, 3))
    rgb = np.repeat((small * 255).astype(np.uint8)[..., None], 3, axis=2)
    if points:
        r = 1 if step > 1 or max(h, w) < 700 else 2
        for v in phantom.truth.get("vertebrae", []):
            col = (0, 255, 0) if v["fully_visible"] else (255, 255, 0)
            pts = {k: (p[0] / step, p[1] / step) for k, p in v["points_px"].items()}
            _line(rgb, pts["sa"], pts["sp"], (0, 160, 255))
            _line(rgb, pts["ia"], pts["ip"], (0, 160, 255))
            for k, p in pts.items():
                _dot(rgb, p[0], p[1], r, col)
            for g in range(v["genant_grade"]):
                _dot(rgb, pts["sm"][0] + 3 * g, pts["sm"][1] - 6, 1, (255, 0, 0))
    write_png(path, rgb)
