"""Phantom -> (model input, vertebra truth in model pixels). Seeds decide everything (see training/README.md)."""
from __future__ import annotations

import numpy as np

import phantoms
from .levels import INDEX
from .preprocess import to_model_grid, to_model_xy
from .targets import vertebra_points

MR_SHARE = 0.4


def phantom_input(ph):
    """The model input of a phantom, through the same preprocessing the engine uses (its own window, spacing)."""
    spacing = ph.truth.get("pixel_spacing_mm")
    x, sy, sx = to_model_grid(ph.display_image(), spacing[0] if spacing else None)
    return x, sy, sx


def vertebrae_in_model(ph, sy: float, sx: float):
    out = []
    for v in ph.truth["vertebrae"]:
        pts = to_model_xy(vertebra_points(v), sy, sx)
        out.append((pts, INDEX[v["level"]], bool(v["fully_visible"])))
    return out


def central_slices(series) -> np.ndarray:
    """Indices of the slices of an MR series that cut the most vertebral bodies through their middle."""
    visible = np.array([sum(v["fully_visible"] for v in s.truth["vertebrae"]) for s in series])
    return np.flatnonzero(visible == visible.max())


XR_SCALE = (0.12, 0.2)


def make_sample(seed: int, mr_share: float = MR_SHARE, slice_choice: str = "random", xr_scale=XR_SCALE):
    """One training or evaluation image. Returns (input (1,1,H,W) float32, vertebrae, meta dict, phantom).
    xr_scale: the range a radiograph's render scale is drawn from (the same draw, so the same spine at any range);
    a finer range gives the native-like resolution a second stage crops from."""
    rng = np.random.default_rng(seed)
    if rng.random() < mr_share:
        weighting = ["T1", "T2", "STIR"][int(rng.integers(3))]
        series = phantoms.make_mr_series(seed, weighting)
        central = central_slices(series)
        if slice_choice == "central" or rng.random() < 0.75:
            ph = series[int(central[len(central) // 2])] if slice_choice == "central" else series[int(rng.choice(central))]
        else:
            ph = series[int(rng.integers(len(series)))]
    else:
        ph = phantoms.make_radiograph(seed, scale=float(rng.uniform(*xr_scale)))
    x, sy, sx = phantom_input(ph)
    meta = {"seed": seed, "modality": ph.truth["modality"], "weighting": ph.truth.get("weighting"),
            "field_of_view": ph.truth.get("field_of_view"), "scale_y": sy, "scale_x": sx,
            "spacing_mm": (ph.truth.get("pixel_spacing_mm") or [None])[0]}
    return x, vertebrae_in_model(ph, sy, sx), meta, ph


def training_samples(seed: int):
    """Training images of one seed: seeds below MR_SEED_START give one radiograph; from MR_SEED_START, one MR series
    gives two central slices and one random slice (its weighting chosen by the seed)."""
    rng = np.random.default_rng(seed)
    if seed < MR_SEED_START:
        ph = phantoms.make_radiograph(seed, scale=float(rng.uniform(0.12, 0.2)))
        chosen = [ph]
    else:
        series = phantoms.make_mr_series(seed, ["T1", "T2", "STIR"][seed % 3])
        central = central_slices(series)
        picks = [int(rng.choice(central)), int(rng.choice(central)), int(rng.integers(len(series)))]
        chosen = [series[i] for i in dict.fromkeys(picks)]
    out = []
    for ph in chosen:
        x, sy, sx = phantom_input(ph)
        out.append((x, vertebrae_in_model(ph, sy, sx), ph.truth["modality"], ph.truth.get("field_of_view")))
    return out


MR_SEED_START = 50000
