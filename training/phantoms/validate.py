"""Consistency checks of a phantom's truth (used by the tests and by
generate.py --check). ``check_phantom`` returns a list of problems (empty
when all is well)."""

from __future__ import annotations

import math

import numpy as np

from plaomodel.contract import grade_of_reduction

from .spine import GRADE_LIMITS, TRUTH_LEVELS

KEYS = ("generator", "generator_version", "seed", "modality", "weighting", "view", "field_of_view",
        "skip_expected", "skip_reason", "rows", "columns", "pixel_spacing_mm", "spacing_attribute",
        "slice_index", "study_instance_uid", "series_instance_uid", "sop_instance_uid", "vertebrae")
VKEYS = ("level", "fully_visible", "points_px", "points_patient_mm", "heights_mm",
         "expected_heights_mm", "genant_grade", "deformity", "acute")
POINTS = ("sa", "sm", "sp", "ia", "im", "ip")
HEIGHT_PAIRS = {"anterior": ("sa", "ia"), "middle": ("sm", "im"), "posterior": ("sp", "ip")}


def _dist(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))


def check_phantom(ph, tol_mm: float = 0.02) -> list:
    t, d = ph.truth, ph.dicom
    errs = []
    for k in KEYS:
        if k not in t:
            errs.append("missing truth key %s" % k)
    if errs:
        return errs
    if list(t) != list(KEYS):
        errs.append("truth keys out of order")
    if ph.pixels.shape != (t["rows"], t["columns"]):
        errs.append("pixels shape %s != rows/columns" % (ph.pixels.shape,))
    if ph.pixels.dtype not in (np.uint16, np.int16):
        errs.append("pixels dtype %s" % ph.pixels.dtype)
    if int(ph.pixels.max()) >= (1 << d["bits_stored"]):
        errs.append("pixel value above BitsStored")
    if t["skip_expected"] and t["vertebrae"]:
        errs.append("skip phantom with vertebrae")
    names = [v["level"] for v in t["vertebrae"]]
    idx = [TRUTH_LEVELS.index(n) for n in names]
    if idx and idx != list(range(idx[0], idx[0] + len(idx))):
        errs.append("levels not contiguous: %s" % names)
    rows, cols = t["rows"], t["columns"]
    for v in t["vertebrae"]:
        for k in VKEYS:
            if k not in v:
                errs.append("%s: missing %s" % (v.get("level"), k))
        lv = v["level"]
        px, mm = v["points_px"], v["points_patient_mm"]
        if v["fully_visible"]:
            for k in POINTS:
                x, y = px[k]
                if not (0 <= x <= cols - 1 and 0 <= y <= rows - 1):
                    errs.append("%s %s outside the image" % (lv, k))
        # pixel <-> patient coordinates
        if t["modality"] == "MR":
            ipp = np.array(d["image_position"], float)
            iop = np.array(d["image_orientation"], float)
            sr, sc = t["pixel_spacing_mm"]
            for k in POINTS:
                pp = ipp + px[k][0] * sc * iop[:3] + px[k][1] * sr * iop[3:]
                if _dist(pp, mm[k]) > tol_mm:
                    errs.append("%s %s patient position does not match IPP/IOP" % (lv, k))
        elif t["pixel_spacing_mm"] is not None:
            sr, sc = t["pixel_spacing_mm"]
            for k in POINTS:
                if _dist((px[k][0] * sc, px[k][1] * sr, 0.0), mm[k]) > tol_mm:
                    errs.append("%s %s mm does not match px * spacing" % (lv, k))
        # heights from the points
        for h, (a, b) in HEIGHT_PAIRS.items():
            if abs(_dist(mm[a], mm[b]) - v["heights_mm"][h]) > tol_mm:
                errs.append("%s %s height %.3f != |%s-%s| %.3f" % (lv, h, v["heights_mm"][h], a, b, _dist(mm[a], mm[b])))
        # Genant grade from the reductions
        red = {h: 1 - v["heights_mm"][h] / v["expected_heights_mm"][h] for h in HEIGHT_PAIRS}
        r = max(red.values())
        g = v["genant_grade"]
        if grade_of_reduction(r) != g or r >= GRADE_LIMITS[3][1]:
            errs.append("%s grade %d but max reduction %.3f" % (lv, g, r))
        worst = max(red, key=red.get)
        want = {"wedge": "anterior", "biconcave": "middle", "crush": "posterior"}
        if g == 0 and v["deformity"] != "none":
            errs.append("%s grade 0 with deformity %s" % (lv, v["deformity"]))
        if g > 0 and want.get(v["deformity"]) != worst:
            errs.append("%s %s but most reduced height is %s" % (lv, v["deformity"], worst))
        if v["acute"] and g == 0:
            errs.append("%s acute without fracture" % lv)
    return errs
