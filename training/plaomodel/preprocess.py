"""Image -> model input, exactly as the engine must do it (see the manifest's "preprocessing"; numbers in contract.py).

1. Start from the display-polarity float image: stored values -> Modality LUT (Rescale Slope/Intercept) -> the
   image's own linear window (Window Center/Width, first pair, used when the width is at least 1) -> [0, 1],
   inverted for MONOCHROME1 (bone bright). Without a window: the 0.5th and 99.5th percentiles (numpy 'linear') of
   the whole frame after the Modality LUT are used as its ends.
2. Pixel spacing: the first of the modality's spacing attributes (CR/DX: Imager Pixel Spacing, then Pixel Spacing;
   MR: Pixel Spacing; others: Pixel Spacing, then Imager Pixel Spacing) with a positive first (row) value.
   Scale s = spacing_mm / TARGET_SPACING_MM; without a pixel spacing, or when the image would not fit,
   s = min(GRID_H / rows, GRID_W / cols) instead (fit).
3. Area resampling (each output pixel is the exact area-weighted mean of the input pixels it covers, rows then
   columns, in double) to round(rows * s) x round(cols * s) (round half to even), placed at the top-left corner of
   a GRID_H x GRID_W grid.
4. Normalisation: (x - 0.5) / 0.25 on the image part; the padding is -2.0 (the value of 0 after normalisation).

Model coordinates: x_model = (x_image + 0.5) * s_x - 0.5 (pixel centres, x = column), the same for y, with
s_y = out_h / rows and s_x = out_w / cols.
"""
from __future__ import annotations

import numpy as np

from . import contract as C

# re-exported for the rest of training/ (one source: contract.py)
GRID_H = C.GRID_H
GRID_W = C.GRID_W
TARGET_SPACING_MM = C.TARGET_SPACING_MM
PAD_VALUE = C.PADDING_VALUE


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
    fit = min(C.GRID_H / rows, C.GRID_W / cols)
    if spacing_mm is None or spacing_mm <= 0:
        return fit
    return min(spacing_mm / C.TARGET_SPACING_MM, fit)


def grid_geometry(rows: int, cols: int, spacing_mm: float | None) -> dict:
    """s, out_h, out_w, s_y, s_x of an image (steps 2 and 3)."""
    s = scale_for(rows, cols, spacing_mm)
    out_h = max(1, min(C.GRID_H, int(round(rows * s))))
    out_w = max(1, min(C.GRID_W, int(round(cols * s))))
    return {"s": s, "out_h": out_h, "out_w": out_w, "s_y": out_h / rows, "s_x": out_w / cols}


def to_model_grid(image01: np.ndarray, spacing_mm: float | None):
    """image01: float image in [0, 1], bone bright. Returns (input 1x1xHxW float32, scale_y, scale_x)."""
    rows, cols = image01.shape
    g = grid_geometry(rows, cols, spacing_mm)
    out_h, out_w = g["out_h"], g["out_w"]
    wy = area_weights(rows, out_h)
    wx = area_weights(cols, out_w)
    small = wy @ image01.astype(np.float64) @ wx.T
    grid = np.full((C.GRID_H, C.GRID_W), C.PADDING_VALUE, dtype=np.float32)
    grid[:out_h, :out_w] = ((small - C.NORM_SUBTRACT) / C.NORM_DIVIDE).astype(np.float32)
    return grid[None, None], g["s_y"], g["s_x"]


def to_model_xy(xy, sy: float, sx: float) -> np.ndarray:
    xy = np.asarray(xy, dtype=np.float64)
    return np.stack([(xy[..., 0] + 0.5) * sx - 0.5, (xy[..., 1] + 0.5) * sy - 0.5], axis=-1)


def to_image_xy(xy, sy: float, sx: float) -> np.ndarray:
    xy = np.asarray(xy, dtype=np.float64)
    return np.stack([(xy[..., 0] + 0.5) / sx - 0.5, (xy[..., 1] + 0.5) / sy - 0.5], axis=-1)


def _first_value(value):
    """First value of a (possibly multi-valued) DICOM attribute as float, None when absent or empty."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        return float(value) if value.strip() else None
    try:
        seq = list(value)
    except TypeError:
        return float(value)
    return float(seq[0]) if seq else None


def pixel_spacing(ds) -> tuple[float | None, str | None]:
    """(row spacing in mm, attribute keyword) of a DICOM data set (anything with .get(keyword)), or (None, None)."""
    modality = str(ds.get("Modality", "") or "")
    for attr in C.SPACING_SOURCES.get(modality, C.SPACING_SOURCES["*"]):
        try:
            v = _first_value(ds.get(attr))
        except (TypeError, ValueError):
            v = None
        if v is not None and v > 0:
            return v, attr
    return None, None


def window_of(ds) -> tuple[float | None, float | None]:
    """The first Window Center / Window Width pair (None where absent)."""
    return _first_value(ds.get("WindowCenter")), _first_value(ds.get("WindowWidth"))


def display_image_info(pixels: np.ndarray, slope: float, intercept: float, center: float | None,
                       width: float | None, photometric: str):
    """Step 1 above: linear VOI (PS3.3 C.11.2.1.2.1) with the given window, else percentiles.
    Returns (image in [0, 1] float64, info dict: which window was used and its ends)."""
    v = pixels.astype(np.float64) * slope + intercept
    if center is None or width is None or width < C.WINDOW_MIN_WIDTH:
        lo, hi = np.percentile(v, [C.FALLBACK_LOWER_PERCENTILE, C.FALLBACK_UPPER_PERCENTILE],
                               method=C.FALLBACK_INTERPOLATION)
        y = np.clip((v - lo) / max(hi - lo, C.FALLBACK_MIN_RANGE), 0.0, 1.0)
        info = {"kind": "percentiles", "lower_percentile": C.FALLBACK_LOWER_PERCENTILE,
                "upper_percentile": C.FALLBACK_UPPER_PERCENTILE, "lo": float(lo), "hi": float(hi)}
    else:
        y = np.clip((v - (center - 0.5 - (width - 1) / 2)) / max(width - 1, C.WINDOW_MIN_DIVISOR), 0.0, 1.0)
        info = {"kind": "window", "center": float(center), "width": float(width)}
    inverted = photometric in C.INVERT
    if inverted:
        y = 1.0 - y
    info["inverted"] = inverted
    return y, info


def display_image(pixels: np.ndarray, slope: float, intercept: float, center: float | None, width: float | None,
                  monochrome1: bool) -> np.ndarray:
    """Step 1 above (image only)."""
    y, _ = display_image_info(pixels, slope, intercept, center, width, "MONOCHROME1" if monochrome1 else "")
    return y
