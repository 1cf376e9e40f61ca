"""Morphometric grading in the Genant semiquantitative scheme, from six points per vertebra.

Heights: anterior ha = |sa - ia|, middle hm = |sm - im|, posterior hp = |sp - ip| (mm).
Reductions: wedge = 1 - ha/hp, biconcave = 1 - hm/hp, crush = 1 - hp/hp_ref where hp_ref is the mean posterior
height of the neighbouring measured vertebrae (one above and one below when present; none: crush is not assessed).
The largest reduction decides: < 20% grade 0, 20-25% grade 1, 25-40% grade 2, > 40% grade 3 (Genant et al., 1993);
its kind names the deformity (wedge / biconcave / crush). S1 is not graded.
"""
from __future__ import annotations

import numpy as np

THRESHOLDS = (0.20, 0.25, 0.40)


def heights(points_mm: np.ndarray) -> tuple[float, float, float]:
    p = np.asarray(points_mm, dtype=np.float64)
    return (float(np.linalg.norm(p[0] - p[3])), float(np.linalg.norm(p[1] - p[4])), float(np.linalg.norm(p[2] - p[5])))


def grade_of(reduction: float) -> int:
    if reduction < THRESHOLDS[0]:
        return 0
    if reduction < THRESHOLDS[1]:
        return 1
    if reduction <= THRESHOLDS[2]:
        return 2
    return 3


def grade_spine(levels: list[str], points_mm: list[np.ndarray]) -> list[dict]:
    """Vertebrae in cranio-caudal order. Returns per vertebra: heights, reductions, grade, deformity."""
    h = [heights(p) for p in points_mm]
    out = []
    for i, (ha, hm, hp) in enumerate(h):
        ref = [h[j][2] for j in (i - 1, i + 1) if 0 <= j < len(h) and levels[j] != "S1"]
        r = {"wedge": 1 - ha / hp if hp > 0 else 0.0, "biconcave": 1 - hm / hp if hp > 0 else 0.0,
             "crush": 1 - hp / float(np.mean(ref)) if ref else 0.0}
        kind = max(r, key=r.get)
        g = 0 if levels[i] == "S1" else grade_of(r[kind])
        out.append({"heights_mm": {"anterior": ha, "middle": hm, "posterior": hp}, "reductions": r,
                    "genant_grade": g, "deformity": kind if g > 0 else "none"})
    return out
