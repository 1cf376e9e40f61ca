"""Shared pieces of the phantom generators: the Phantom record, seeding, UIDs,
numpy-only image filters, the pixel grid that maps anatomy millimetres to
pixels, and small drawing helpers.

Everything here is deterministic: randomness only ever comes from a
``numpy.random.Generator`` handed in by the caller.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np

GENERATOR = "plao-phantom"
GENERATOR_VERSION = "1"


# --------------------------------------------------------------------------
# The record every generator returns
# --------------------------------------------------------------------------

@dataclasses.dataclass
class Phantom:
    """One synthetic image with its ground truth.

    pixels: 2-D stored pixel values (uint16, or int16 when the DICOM pixel
        representation is signed), exactly what goes into Pixel Data.
    dicom: everything ``dicom_io.write_dicom`` needs besides the pixels
        (modality, photometric interpretation, bits stored, spacing
        attribute, UIDs, MR geometry, window, patient/study attributes...).
    truth: the JSON-serialisable ground truth (schema in training/README.md,
        section "Phantom truth").
    """

    pixels: np.ndarray
    dicom: dict
    truth: dict

    def display_image(self) -> np.ndarray:
        """float32 image in [0, 1], bone/marrow-bright display polarity
        (MONOCHROME2 sense), made from the stored values with the phantom's
        own Window Center/Width (linear VOI) and the MONOCHROME1 inversion.
        This is what a viewer (and our pipeline) shows; training uses it."""
        d = self.dicom
        v = self.pixels.astype(np.float32)
        c, w = float(d["window_center"]), float(d["window_width"])
        y = np.clip((v - (c - 0.5 - (w - 1) / 2)) / max(w - 1, 1.0), 0.0, 1.0)
        if d["photometric"] == "MONOCHROME1":
            y = 1.0 - y
        return y.astype(np.float32)

    def truth_json(self) -> str:
        return json.dumps(self.truth, indent=1, sort_keys=False)


# --------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------

def resolve_seed(rng: Any) -> int:
    """Turn what the caller passed (Generator, int or None) into the one
    integer seed that reproduces the phantom. A Generator is consumed for
    exactly one draw."""
    if rng is None:
        return 0
    if isinstance(rng, (int, np.integer)):
        return int(rng)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**62))
    raise TypeError("rng must be a numpy Generator, an int seed or None")


def substream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for one purpose ("geometry", "noise", ...)
    so that, e.g., changing the render scale never changes the anatomy."""
    tag = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    return np.random.default_rng(np.random.SeedSequence([seed & (2**63 - 1), tag]))


def make_uid(seed: int, *parts: Any) -> str:
    """Deterministic 2.25 UID (UUID-derived form, <= 64 characters)."""
    h = hashlib.sha256(("plao-phantom/%d/" % seed + "/".join(map(str, parts))).encode())
    return "2.25." + str(int.from_bytes(h.digest()[:16], "big") >> 1)


# --------------------------------------------------------------------------
# numpy-only filters
# --------------------------------------------------------------------------

def _box_axis(a: np.ndarray, r: int, axis: int) -> np.ndarray:
    """Moving average of width 2r+1 along one axis, reflecting at the edges
    (cumulative-sum trick: cost independent of r)."""
    n = a.shape[axis]
    r = int(min(r, n - 2))
    if r < 1:
        return a
    pad = [(0, 0)] * a.ndim
    pad[axis] = (r + 1, r)
    p = np.pad(a, pad, mode="reflect")
    c = np.cumsum(p, axis=axis, dtype=np.float64)
    hi = np.take(c, np.arange(2 * r + 1, 2 * r + 1 + n), axis=axis)
    lo = np.take(c, np.arange(0, n), axis=axis)
    return ((hi - lo) / (2 * r + 1)).astype(a.dtype)


def _small_gauss_axis(a: np.ndarray, sigma: float, axis: int) -> np.ndarray:
    rad = max(1, int(np.ceil(2.5 * sigma)))
    k = np.exp(-0.5 * (np.arange(-rad, rad + 1) / sigma) ** 2)
    k /= k.sum()
    pad = [(0, 0)] * a.ndim
    pad[axis] = (rad, rad)
    p = np.pad(a, pad, mode="reflect" if a.shape[axis] > rad else "edge")
    n = a.shape[axis]
    out = np.zeros_like(a)
    for i, w in enumerate(k):
        out += w * (p[i:i + n] if axis == 0 else p[:, i:i + n])
    return out


def gaussian_blur(a: np.ndarray, sigma: float | tuple[float, float]) -> np.ndarray:
    """Separable Gaussian blur, sigma in pixels (per axis). Small sigmas use
    an explicit kernel, large ones three box passes (same variance)."""
    sy, sx = (sigma, sigma) if np.isscalar(sigma) else sigma
    out = a.astype(np.float32, copy=True)
    for axis, s in ((0, sy), (1, sx)):
        if s < 0.3:
            continue
        if s < 2.5:
            out = _small_gauss_axis(out, s, axis)
        else:
            r = int(round(np.sqrt(s * s + 0.25) - 0.5))
            for _ in range(3):
                out = _box_axis(out, r, axis)
    return out


def block_mean(a: np.ndarray, k: int) -> np.ndarray:
    """Downsample by averaging k x k blocks (edge blocks padded by edge)."""
    if k <= 1:
        return a
    h, w = a.shape
    H, W = -(-h // k) * k, -(-w // k) * k
    p = np.pad(a, ((0, H - h), (0, W - w)), mode="edge")
    return p.reshape(H // k, k, W // k, k).mean(axis=(1, 3))


def upsample(a: np.ndarray, shape: tuple[int, int], k: float, smooth: bool = False) -> np.ndarray:
    """Bilinear upsampling of a grid whose pixel i covers fine pixels
    [i*k, (i+1)*k) (the inverse of block_mean / of a coarse Grid).
    ``smooth`` adds a k-wide box filter, which removes the slope kinks of
    linear interpolation (they would show as stripes after edge enhancement)."""
    if k == 1 and a.shape == tuple(shape):
        return a
    if smooth and k >= 2:
        out = upsample(a, shape, k)
        r = int(k // 2)
        return _box_axis(_box_axis(out, r, 0), r, 1)
    out = a
    for axis, n in ((0, shape[0]), (1, shape[1])):
        pos = (np.arange(n) + 0.5) / k - 0.5
        pos = np.clip(pos, 0, out.shape[axis] - 1)
        i0 = np.floor(pos).astype(np.intp)
        i1 = np.minimum(i0 + 1, out.shape[axis] - 1)
        w = (pos - i0).astype(np.float32)
        a0, a1 = np.take(out, i0, axis=axis), np.take(out, i1, axis=axis)
        w = w[:, None] if axis == 0 else w[None, :]
        out = a0 * (1 - w) + a1 * w
    return out.astype(np.float32)


def sample_field(field: np.ndarray, origin, px_mm: float, x, y) -> np.ndarray:
    """Bilinear lookup of a field sampled on a regular anatomy-mm grid
    (field[0,0] at ``origin`` (x, y), pixel ``px_mm``), clamped at the edges.
    Used for random fields that must not depend on the render resolution."""
    fx = np.clip((np.asarray(x, np.float32) - origin[0]) / px_mm, 0, field.shape[1] - 1.001)
    fy = np.clip((np.asarray(y, np.float32) - origin[1]) / px_mm, 0, field.shape[0] - 1.001)
    x0 = fx.astype(np.intp)
    y0 = fy.astype(np.intp)
    wx, wy = fx - x0, fy - y0
    return ((field[y0, x0] * (1 - wx) + field[y0, x0 + 1] * wx) * (1 - wy)
            + (field[y0 + 1, x0] * (1 - wx) + field[y0 + 1, x0 + 1] * wx) * wy)


def clip(a, lo, hi):
    """np.clip without its per-call overhead (numpy 1.24)."""
    return np.minimum(np.maximum(a, lo), hi)


def smoothstep(x):
    x = np.minimum(np.maximum(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


def softmin(ds, k: float):
    """Smooth minimum of distance arrays (rounds corners by about k mm)."""
    m = ds[0]
    for d in ds[1:]:
        m = np.minimum(m, d)
    acc = 0.0
    for d in ds:
        acc = acc + np.exp(-(d - m) / k)
    return m - k * np.log(acc)


def rot(theta: float) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


# --------------------------------------------------------------------------
# The pixel grid
# --------------------------------------------------------------------------

class Grid:
    """A rows x cols pixel grid with an affine map from the anatomy frame
    (millimetres; +x anterior, +y caudal) to pixel coordinates
    (x = column, y = row, (0,0) = centre of the first pixel):

        px = A @ anat + t

    ``mm_per_px`` is the size of a pixel in anatomy millimetres (isotropic).
    """

    def __init__(self, rows: int, cols: int, A: np.ndarray, t: np.ndarray):
        self.rows, self.cols = int(rows), int(cols)
        self.A = np.asarray(A, float)
        self.t = np.asarray(t, float)
        self.Ainv = np.linalg.inv(self.A)
        self.mm_per_px = float(np.sqrt(abs(np.linalg.det(self.Ainv))))

    def to_px(self, pts) -> np.ndarray:
        pts = np.asarray(pts, float)
        return pts @ self.A.T + self.t

    def to_anat(self, px) -> np.ndarray:
        px = np.asarray(px, float)
        return (px - self.t) @ self.Ainv.T

    def coarse(self, k: int) -> "Grid":
        """Same field, pixels k times larger (matching block_mean/upsample)."""
        if k <= 1:
            return self
        rows, cols = -(-self.rows // k), -(-self.cols // k)
        # fine pixel f maps to coarse (f + 0.5)/k - 0.5
        return Grid(rows, cols, self.A / k, (self.t + 0.5) / k - 0.5)

    def box(self, pts_anat, margin_mm: float = 0.0):
        """Pixel box (r0, r1, c0, c1), end-exclusive, clipped to the grid,
        covering anatomy points plus a margin; None when empty."""
        px = self.to_px(np.asarray(pts_anat, float).reshape(-1, 2))
        m = margin_mm / self.mm_per_px + 1
        c0 = int(np.floor(px[:, 0].min() - m)); c1 = int(np.ceil(px[:, 0].max() + m)) + 1
        r0 = int(np.floor(px[:, 1].min() - m)); r1 = int(np.ceil(px[:, 1].max() + m)) + 1
        c0, r0 = max(c0, 0), max(r0, 0)
        c1, r1 = min(c1, self.cols), min(r1, self.rows)
        if c0 >= c1 or r0 >= r1:
            return None
        return r0, r1, c0, c1

    def coords(self, box=None):
        """Anatomy coordinates (x, y) of the pixel centres in a box."""
        r0, r1, c0, c1 = box if box is not None else (0, self.rows, 0, self.cols)
        cc = np.arange(c0, c1, dtype=np.float32)[None, :]
        rr = np.arange(r0, r1, dtype=np.float32)[:, None]
        B = self.Ainv.astype(np.float32)
        tx, ty = (self.t).astype(np.float32)
        x = B[0, 0] * (cc - tx) + B[0, 1] * (rr - ty)
        y = B[1, 0] * (cc - tx) + B[1, 1] * (rr - ty)
        return x, y


# --------------------------------------------------------------------------
# Tiny bitmap font for burned-in markers (no text library needed)
# --------------------------------------------------------------------------

_GLYPHS = {
    "L": ["10000", "10000", "10000", "10000", "10000", "10000", "11111"],
    "R": ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
    "A": ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
    "P": ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
    "S": ["01111", "10000", "10000", "01110", "00001", "00001", "11110"],
    "T": ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
    "E": ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
    "D": ["11110", "10001", "10001", "10001", "10001", "10001", "11110"],
    "I": ["01110", "00100", "00100", "00100", "00100", "00100", "01110"],
    "N": ["10001", "11001", "10101", "10011", "10001", "10001", "10001"],
    "G": ["01110", "10001", "10000", "10111", "10001", "10001", "01110"],
    "U": ["10001", "10001", "10001", "10001", "10001", "10001", "01110"],
    "0": ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
    "1": ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
    "2": ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    "3": ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
    "4": ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    "5": ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    "8": ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    "9": ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
    " ": ["00000"] * 7,
}


def text_mask(text: str, cell: int) -> np.ndarray:
    """Boolean mask of ``text`` in the 5x7 font, each font pixel cell x cell."""
    cols = []
    for ch in text.upper():
        g = np.array([[c == "1" for c in row] for row in _GLYPHS.get(ch, _GLYPHS[" "])])
        cols.append(g)
        cols.append(np.zeros((7, 1), bool))
    m = np.concatenate(cols[:-1], axis=1) if cols else np.zeros((7, 1), bool)
    return np.kron(m, np.ones((cell, cell), bool))


def stamp(img: np.ndarray, mask: np.ndarray, r: int, c: int, value) -> None:
    """Set img[mask placed at (r, c)] = value, clipped to the image."""
    h, w = mask.shape
    r0, c0 = max(r, 0), max(c, 0)
    r1, c1 = min(r + h, img.shape[0]), min(c + w, img.shape[1])
    if r0 >= r1 or c0 >= c1:
        return
    sub = mask[r0 - r:r1 - r, c0 - c:c1 - c]
    img[r0:r1, c0:c1][sub] = value


def to_jsonable(x):
    """Round floats (6 decimals) for compact, stable JSON."""
    if isinstance(x, dict):
        return {k: to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return round(float(x), 6)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x
