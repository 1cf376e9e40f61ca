"""Image -> model input, exactly as the engine must do it (see the manifest's "preprocessing").

1. Start from the display-polarity float image: stored values -> Modality LUT -> the image's own linear window
   (Window Center/Width, first pair) -> [0, 1], inverted for MONOCHROME1 (bone bright). Without a window: the 0.5th
   and 99.5th percentiles of the whole image after the Modality LUT are used as its ends.
2. Scale s = spacing_mm / TARGET_SPACING_MM (row spacing; Imager Pixel Spacing for CR/DX, Pixel Spacing for MR);
   without a pixel spacing, or when the image would not fit, s = min(GRID_H / rows, GRID_W / cols) instead (fit).
3. Area resampling (each output pixel is the exact area-weighted mean of the input pixels it covers) to
   round(rows * s) x round(cols * s), placed at the top-left corner of a GRID_H x GRID_W grid filled with 0.
4. Normalisation: (x - 0.5) / 0.25 on the image part; the padding stays at the value of 0 after normalisation,
   i.e. -2.0.

Model coordinates: x_model = (x_image + 0.5) * s_x - 0.5 (pixel centres, x = column), the same for y.
"""
from __future__ import annotations

import numpy as np

GRID_H = 448
GRID_W = 352
TARGET_SPACING_MM = 1.0
PAD_VALUE = -2.0


def area_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix: output pixel j averages input interval [j*n_in/n_out, (j+1)*n_in/n_out)."""
    w = np.zeros((n_out, n_in), dtype=np.float64)
    step = n_in / n_out
    for j in range(n_out):
        a, b = j * step, (j + 1) * step
        i0, i1 = int(np.floor(a)), min(int(np.ceil(b)), n_in)
        for i in range(i0, i1):
            w[j, i] = max(0.0, min(b, i + 1) - max(a, i))
        w[j] /= w[j].sum()
    return w


def scale_for(rows: int, cols: int, spacing_mm: float | None) -> float:
    fit = min(GRID_H / rows, GRID_W / cols)
    if spacing_mm is None or spacing_mm <= 0:
        return fit
    return min(spacing_mm / TARGET_SPACING_MM, fit)


def to_model_grid(image01: np.ndarray, spacing_mm: float | None):
    """image01: float image in [0, 1], bone bright. Returns (input 1x1xHxW float32, scale_y, scale_x)."""
    rows, cols = image01.shape
    s = scale_for(rows, cols, spacing_mm)
    out_h = max(1, min(GRID_H, int(round(rows * s))))
    out_w = max(1, min(GRID_W, int(round(cols * s))))
    wy = area_weights(rows, out_h)
    wx = area_weights(cols, out_w)
    small = wy @ image01.astype(np.float64) @ wx.T
    grid = np.full((GRID_H, GRID_W), PAD_VALUE, dtype=np.float32)
    grid[:out_h, :out_w] = ((small - 0.5) / 0.25).astype(np.float32)
    return grid[None, None], out_h / rows, out_w / cols


def to_model_xy(xy, sy: float, sx: float) -> np.ndarray:
    xy = np.asarray(xy, dtype=np.float64)
    return np.stack([(xy[..., 0] + 0.5) * sx - 0.5, (xy[..., 1] + 0.5) * sy - 0.5], axis=-1)


def to_image_xy(xy, sy: float, sx: float) -> np.ndarray:
    xy = np.asarray(xy, dtype=np.float64)
    return np.stack([(xy[..., 0] + 0.5) / sx - 0.5, (xy[..., 1] + 0.5) / sy - 0.5], axis=-1)


def display_image(pixels: np.ndarray, slope: float, intercept: float, center: float | None, width: float | None,
                  monochrome1: bool) -> np.ndarray:
    """Step 1 above: linear VOI (PS3.3 C.11.2.1.2.1) with the given window, else percentiles."""
    v = pixels.astype(np.float64) * slope + intercept
    if center is None or width is None or width < 1:
        lo, hi = np.percentile(v, [0.5, 99.5])
        y = np.clip((v - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    else:
        y = np.clip((v - (center - 0.5 - (width - 1) / 2)) / max(width - 1, 1.0), 0.0, 1.0)
    if monochrome1:
        y = 1.0 - y
    return y
