"""Morphometric grading, rule plao-genant-1 (the manifest's "grading"; numbers in contract.py), from six points per
vertebra. The C# engine implements exactly this.

Heights: anterior ha = |sa - ia|, middle hm = |sm - im|, posterior hp = |sp - ip| (mm when the image has a pixel
spacing, else pixels; only ratios matter for the grade).
Reductions against level-specific normal shape (so that physiological wedging is not called a fracture):
  wedge     = 1 - (ha / hp) / ha_hp(level)
  biconcave = 1 - (hm / hp) / hm_hp(level)
  crush     = 1 - hp / mean(hp of the reference neighbours)
with ha_hp, hm_hp the published normal ratios of the level (levels without an entry: the nearest entry), and the
reference neighbours the vertebrae just above and just below in the list (not S1) whose own wedge and biconcave
reductions both give grade 0; without one, crush is not assessed (0). hp = 0 gives wedge = biconcave = 0.
The largest reduction r decides (Genant et al. 1993): r < 20 % grade 0, 20 % <= r < 25 % grade 1,
25 % <= r <= 40 % grade 2, r > 40 % grade 3; ties of the reductions are named in the order wedge, biconcave, crush;
grade 0 means deformity "none". S1 is measured but never graded.
"""
from __future__ import annotations

import numpy as np

from . import contract as C
from .contract import grade_of_reduction  # noqa: F401 - the one Genant rule, re-exported


def heights(points: np.ndarray) -> tuple[float, float, float]:
    """(ha, hm, hp) of six points (sa, sm, sp, ia, im, ip), in the points' unit."""
    p = np.asarray(points, dtype=np.float64)
    return (float(np.linalg.norm(p[0] - p[3])), float(np.linalg.norm(p[1] - p[4])), float(np.linalg.norm(p[2] - p[5])))


def shape_reductions(level: str, ha: float, hm: float, hp: float, reference_for=C.reference_for) -> tuple[float, float]:
    """(wedge, biconcave) of one vertebra against its level's normal ratios (reference_for: level -> (ha_hp, hm_hp);
    the published table unless a caller, such as calibrate.py, tries another)."""
    if hp <= 0:
        return 0.0, 0.0
    ha_hp, hm_hp = reference_for(level)
    return 1.0 - (ha / hp) / ha_hp, 1.0 - (hm / hp) / hm_hp


def grade_spine(levels: list[str], points: list[np.ndarray], reference_for=C.reference_for) -> list[dict]:
    """Vertebrae in cranio-caudal order (level names, six points each). Returns per vertebra: heights, the three
    reductions, whether crush was assessed, the reference level, grade and deformity."""
    h = [heights(p) for p in points]
    shape = [shape_reductions(lv, *hh, reference_for=reference_for) for lv, hh in zip(levels, h)]
    out = []
    for i, (ha, hm, hp) in enumerate(h):
        refs = [h[j][2] for j in (i - 1, i + 1)
                if 0 <= j < len(h) and levels[j] not in C.UNGRADED_LEVELS
                and grade_of_reduction(shape[j][0]) == 0 and grade_of_reduction(shape[j][1]) == 0]
        hp_ref = float(np.mean(refs)) if refs else 0.0
        crush = 1.0 - hp / hp_ref if hp_ref > 0 else 0.0
        r = {"wedge": shape[i][0], "biconcave": shape[i][1], "crush": crush}
        kind = max(C.KIND_TIES, key=lambda k: r[k])    # first of the largest, in KIND_TIES order
        g = 0 if levels[i] in C.UNGRADED_LEVELS else grade_of_reduction(r[kind])
        out.append({"heights": {"anterior": ha, "middle": hm, "posterior": hp}, "reductions": r,
                    "crush_assessed": hp_ref > 0, "reference_level": C.reference_level(levels[i]),
                    "genant_grade": g, "deformity": kind if g > 0 else C.NO_DEFORMITY})
    return out


UNCERTAINTY_MULTIPLE = 2.0    # the engine's default half-width, in propagated expected errors (VertebraGrading.cs)


def grade_range(level: str, graded: dict, point_error, multiple: float = UNCERTAINTY_MULTIPLE) -> dict:
    """The grades within +- multiple propagated errors of a graded vertebra's reductions (point_error: the six points'
    expected Euclidean errors, in the heights' unit), as the engine's VertebraGrading.RangeOf computes them: heights
    take their two points' errors in quadrature, a ratio the relative errors of both heights, crush only the
    vertebra's own posterior height. Returns {"low", "high", "half_width"}."""
    e = np.asarray(point_error, np.float64)
    q = lambda a, b: float(np.hypot(a, b))  # noqa: E731
    h = graded["heights"]
    ha, hm, hp = h["anterior"], h["middle"], h["posterior"]
    e_a, e_m, e_p = q(e[0], e[3]), q(e[1], e[4]), q(e[2], e[5])
    ha_hp, hm_hp = C.reference_for(level)

    def ratio_error(num, e_num):
        return num / hp * q(e_num / num, e_p / hp) if hp > 0 and num > 0 else float("inf")
    d_w, d_b = ratio_error(ha, e_a) / ha_hp, ratio_error(hm, e_m) / hm_hp
    r = graded["reductions"]
    low = max(r["wedge"] - multiple * d_w, r["biconcave"] - multiple * d_b)
    high = max(r["wedge"] + multiple * d_w, r["biconcave"] + multiple * d_b)
    half = multiple * max(d_w, d_b)
    if graded["crush_assessed"] and hp > 0:
        d_c = (1 - r["crush"]) * e_p / hp
        low, high, half = max(low, r["crush"] - multiple * d_c), max(high, r["crush"] + multiple * d_c), max(half, multiple * d_c)
    if not np.isfinite(half):
        return {"low": 0, "high": 3, "half_width": 1.0}
    return {"low": grade_of_reduction(max(low, 0.0)), "high": grade_of_reduction(high), "half_width": half}
