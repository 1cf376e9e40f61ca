#!/usr/bin/python3
"""Calibration of the grading on a validation split (issue 10, item 5), never on the test seeds: how far would
thresholds or reference ratios fitted to held-out phantoms move the figures, and is that worth shipping?

    # two-stage predictions on validation seeds (91000-91299: not training, not refiner validation, not test)
    /usr/bin/python3 training/evaluate.py --onnx models/plao-vertebra-landmarks-v1.onnx --runner-dtype torch \
        --refiner training/checkpoints/refiner-b-step4000.pt --xr-scale 0.3 0.45 --split validation \
        --first 91000 --count 300 --out training/runs/two-stage-b/val.json --save-preds training/runs/two-stage-b/val.pkl
    /usr/bin/python3 training/calibrate.py --validation training/runs/two-stage-b/val.pkl \
        --test training/runs/two-stage-b/preds.pkl --out training/results/v2/calibration.json

Two calibrations, each fitted on the validation records and then applied unchanged to the test records:

* thresholds at a fixed specificity: t1 is the smallest reduction threshold whose specificity for "grade >= 1"
  (the share of true grade-0 vertebrae below it) reaches --specificity on validation; t2 likewise for "grade >= 2"
  among true grade 0-1, t3 for "grade 3" among true grade 0-2 (kept increasing). Levels' references stay published.
* reference ratios from the phantoms' normals: per level, the median Ha/Hp and Hm/Hp of the predicted points of true
  grade-0 vertebrae (what a population study does with people); the published Genant thresholds stay.

Both are reported on the test records beside the shipped rule (plao-genant-1: published thresholds and ratios).
Whatever they gain on phantoms is learnt from this generator's idea of a normal spine, so it is evidence about the
rule, not a licence to ship phantom-fitted numbers for patient images.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import kappa_linear, match  # noqa: E402
from plaomodel import contract as C  # noqa: E402
from plaomodel.genant import grade_spine, heights  # noqa: E402


def vertebrae(records: list[dict], key: str) -> list[dict]:
    """Matched, graded vertebrae: true grade, level, its six points (mm, or px without a spacing) and the image's
    whole predicted list (the crush reference needs the neighbours)."""
    out = []
    for rec in records:
        meta, preds = rec["meta"], rec["preds"]
        visible = [t for t in rec["truth"] if t["visible"]]
        unit = meta["spacing_mm"] or 1.0
        points = [p[key] * unit for p in preds]
        levels = [p["level"] for p in preds]
        for i, j in match(preds, visible):
            t = visible[j]
            if t["level"] in C.UNGRADED_LEVELS:
                continue
            out.append({"level": levels[i], "true_grade": t["grade"], "h": heights(points[i]), "list_index": i,
                        "all_points": points, "all_levels": levels, "modality": meta["modality"]})
    return out


def reductions(v: dict, refs) -> float:
    """The largest reduction of plao-genant-1 (plaomodel/genant.py) with the given reference function."""
    graded = grade_spine(v["all_levels"], v["all_points"], reference_for=refs)[v["list_index"]]
    return max(graded["reductions"].values())


def grade(r: float, thresholds) -> int:
    g = 0
    for k, (lo, inclusive) in enumerate(thresholds, start=1):
        if r > lo or (inclusive and r == lo):
            g = k
    return g


PUBLISHED = [(lo, inc) for _, lo, inc in C.GRADE_THRESHOLDS]


def figures(pairs) -> dict:
    p = np.array(pairs, np.int64).reshape(-1, 2)
    conf = np.zeros((4, 4), np.int64)
    for t, q in p:
        conf[t, q] += 1

    def ss(th):
        pos, neg = p[:, 0] >= th, p[:, 0] < th
        return {"sensitivity": float(((p[:, 1] >= th) & pos).sum() / max(1, pos.sum())),
                "specificity": float(((p[:, 1] < th) & neg).sum() / max(1, neg.sum()))}
    return {"n": int(len(p)), "kappa_linear": kappa_linear(conf), "grade_ge1": ss(1), "grade_ge2": ss(2),
            "confusion_true_rows_pred_cols": conf.tolist()}


def fit_thresholds(vs: list[dict], specificity: float) -> list[tuple[float, bool]]:
    r = np.array([reductions(v, C.reference_for) for v in vs])
    g = np.array([v["true_grade"] for v in vs])
    out, floor = [], 0.0
    for k in (1, 2, 3):
        neg = np.sort(r[g < k])
        # smallest t with share(neg < t) >= specificity: the value just above the specificity quantile
        t = float(neg[min(len(neg) - 1, int(np.ceil(specificity * len(neg))) - 1)]) + 1e-9
        t = max(t, floor + 1e-3)
        out.append((t, True))
        floor = t
    return out


def fit_references(vs: list[dict]):
    by_level: dict[str, list] = {}
    for v in vs:
        if v["true_grade"] == 0 and v["h"][2] > 0:
            by_level.setdefault(v["level"], []).append((v["h"][0] / v["h"][2], v["h"][1] / v["h"][2]))
    table = {lv: (float(np.median([a for a, _ in x])), float(np.median([b for _, b in x])), len(x))
             for lv, x in by_level.items() if len(x) >= 10}

    def refs(level):
        if level in table:
            return table[level][0], table[level][1]
        known = [lv for lv in C.LEVELS if lv in table]
        nearest = min(known, key=lambda lv: abs(C.LEVELS.index(lv) - C.LEVELS.index(level)))
        return table[nearest][0], table[nearest][1]
    return refs, table


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--validation", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--specificity", type=float, default=0.95)
    a = ap.parse_args()
    val_saved, test_saved = pickle.load(open(a.validation, "rb")), pickle.load(open(a.test, "rb"))
    vseeds = {r["meta"]["seed"] for r in val_saved["records"]}
    tseeds = {r["meta"]["seed"] for r in test_saved["records"]}
    if vseeds & tseeds or min(tseeds) < 100000 or max(vseeds) >= 100000:
        sys.exit("validation seeds must be below 100000 and the test seeds from 100000, with no overlap")
    key = "points_img2"
    val, test = vertebrae(val_saved["records"], key), vertebrae(test_saved["records"], key)
    thresholds = fit_thresholds(val, a.specificity)
    refs, table = fit_references(val)
    report = {
        "method": __doc__.split("\n\n", 3)[2].strip() + "\n\n" + __doc__.split("\n\n", 4)[3].strip(),
        "validation": {"seeds": [min(vseeds), max(vseeds)], "vertebrae": len(val)},
        "test": {"seeds": [min(tseeds), max(tseeds)], "vertebrae": len(test)},
        "fixed_specificity": a.specificity,
        "thresholds_published": [lo for lo, _ in PUBLISHED],
        "thresholds_calibrated": [round(t, 4) for t, _ in thresholds],
        "references_calibrated": {lv: {"ha_hp": round(x[0], 4), "hm_hp": round(x[1], 4), "normals": x[2]}
                                  for lv, x in sorted(table.items(), key=lambda kv: C.LEVELS.index(kv[0]))},
        "results": {},
    }
    for name, ref_fn, th in (("published (plao-genant-1)", C.reference_for, PUBLISHED),
                             ("calibrated thresholds", C.reference_for, thresholds),
                             ("calibrated references", refs, PUBLISHED)):
        for split, vs in (("validation", val), ("test", test)):
            report["results"].setdefault(name, {})[split] = figures(
                [(v["true_grade"], grade(reductions(v, ref_fn), th)) for v in vs])
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1)
    print("thresholds: published", report["thresholds_published"], "calibrated", report["thresholds_calibrated"])
    for name, res in report["results"].items():
        for split, q in res.items():
            print(f"{name:28s} {split:10s} kappa {q['kappa_linear']:.3f} sens>=1 {q['grade_ge1']['sensitivity']:.3f} "
                  f"sens>=2 {q['grade_ge2']['sensitivity']:.3f} spec>=1 {q['grade_ge1']['specificity']:.3f} "
                  f"spec>=2 {q['grade_ge2']['specificity']:.3f}")


if __name__ == "__main__":
    main()
