#!/usr/bin/python3
"""Diagnosis of a landmark model on held-out phantoms (issue 10, item 1): does it pull deformed vertebrae towards
normal shapes, and where do its point errors come from?

    # predictions saved by the evaluation (what was done for v1: the ONNX file through training/onnx_numpy.py)
    /usr/bin/python3 training/evaluate.py --onnx models/plao-vertebra-landmarks-v1.onnx --first 100000 --count 500 \
        --out training/runs/v1-onnx/eval.json --save-preds training/runs/v1-onnx/preds.pkl
    /usr/bin/python3 training/diagnose.py --preds training/runs/v1-onnx/preds.pkl \
        --out training/results/v1/diagnosis.json --figure training/results/v1/diagnosis.png
    # or run a model directly (evaluate.py's runner, sampling and matching; slow on 2 CPU cores)
    /usr/bin/python3 training/diagnose.py --onnx models/plao-vertebra-landmarks-v1.onnx --first 100000 --count 200 ...

Matching and the per-image records are evaluate.py's (reused, not copied). The generator's deformity type and expected
(undeformed) heights are not in the saved records; they come from the phantom's spine model, rebuilt from its seed
(phantoms.spine.make_spine on the "spine" substream, exactly what the renderers use: milliseconds, no rendering). The
truth heights in the records are the same heights scaled by the image's projection (magnification, pixel spacing), so
expected heights in the image's mm are truth height x H0 / H.

Height reduction of one height k (anterior, middle, posterior), "generator measure": r_k = 1 - h_k / expected_k, with
the true expected height as denominator for both the true and the predicted height (so only the points differ).
For a fractured vertebra the compared height is the one with the largest true reduction (what decides its grade).
"Rule measure": the grading rule plao-genant-1 (plaomodel/genant.py) on the true points vs on the predicted points
(wedge = 1 - (ha/hp)/ref, biconcave = 1 - (hm/hp)/ref, crush against grade-0 neighbours), for the reduction named by
the generator's deformity type. Slope and intercept: least squares of predicted on true over fractured vertebrae
(slope 1, intercept 0 = unbiased; slope < 1 = shapes pulled towards normal).

Point errors: Euclidean, mm in the image's own spacing (images without one are left out); also their signed
components in the vertebra's own frame (from the true points: u posterior -> anterior, v caudal): "outward" is the
component along v pointing away from the body (superior points: cranial, inferior points: caudal), so a positive
mean outward error on both endplates means predicted heights too large (a collapsed body drawn too tall).
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from collections import defaultdict

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate  # noqa: E402  (matching, runner, sampling: reused)
from phantoms import spine as spm  # noqa: E402
from phantoms.common import substream  # noqa: E402
from plaomodel import contract as C  # noqa: E402
from plaomodel.genant import grade_spine, heights  # noqa: E402

POINTS = list(C.POINTS)
HEIGHTS = ("anterior", "middle", "posterior")
KINDS = ("wedge", "biconcave", "crush")
CANONICAL = {"wedge": 0, "biconcave": 1, "crush": 2}     # the height a deformity type reduces most (by design)


def spine_truth(seed: int) -> dict:
    """level -> (grade, deformity, expected/actual height factors (3,)) from the phantom's spine model."""
    sp = spm.make_spine(substream(seed, "spine"))
    return {b.name: (int(b.grade), b.deformity, np.array([b.Ha0 / b.Ha, b.Hm0 / b.Hm, b.Hp0 / b.Hp]))
            for b in sp.body_list()}


def local_frame(pts: np.ndarray):
    u = (pts[0] + pts[3]) / 2 - (pts[2] + pts[5]) / 2
    u = u / max(np.linalg.norm(u), 1e-9)
    v = np.array([-u[1], u[0]])
    if v[1] < 0:
        v = -v
    return u, v


def collect(records: list[dict]) -> list[dict]:
    """One row per matched true vertebra (images with a spacing only)."""
    rows = []
    for rec in records:
        meta, preds, tv = rec["meta"], rec["preds"], rec["truth"]
        spacing = meta["spacing_mm"]
        if not spacing:
            continue
        visible = [t for t in tv if t["visible"]]
        pairs = evaluate.match(preds, visible)
        if not pairs:
            continue
        st = spine_truth(meta["seed"])
        rule_pred = grade_spine([p["level"] for p in preds], [p["points_img"] * spacing for p in preds])
        rule_true = grade_spine([t["level"] for t in visible], [t["pts"] * spacing for t in visible])
        for i, j in pairs:
            t, p = visible[j], preds[i]
            grade, deformity, factor = st[t["level"]]
            if grade != t["grade"]:
                raise RuntimeError(f"seed {meta['seed']} {t['level']}: spine model grade {grade} != truth {t['grade']}")
            h_true = np.array([t["heights_mm"][k] for k in HEIGHTS])
            h_pred = np.array(heights(p["points_img"] * spacing))
            expected = h_true * factor
            d = (p["points_img"] - t["pts"]) * spacing                      # (6, 2) mm
            u, v = local_frame(t["pts"])
            along_v = d @ v
            outward = np.concatenate([-along_v[:3], along_v[3:]])          # superior: cranial, inferior: caudal
            rows.append({
                "seed": meta["seed"], "modality": meta["modality"], "fov": meta["field_of_view"],
                "level": t["level"], "pred_level": p["level"], "grade": grade, "deformity": deformity,
                "err": np.linalg.norm(d, axis=1), "err_u": d @ u, "outward": outward,
                "h_true": h_true, "h_pred": h_pred,
                "r_true": 1 - h_true / expected, "r_pred": 1 - h_pred / expected,
                "rule_true": rule_true[j]["reductions"], "rule_pred": rule_pred[i]["reductions"],
                "rule_crush_assessed": (rule_true[j]["crush_assessed"], rule_pred[i]["crush_assessed"]),
                "grade_rule_pred": int(rule_pred[i]["genant_grade"]),
            })
    return rows


def summary(values) -> dict:
    a = np.asarray(values, float)
    if a.size == 0:
        return {"n": 0}
    return {"n": int(a.size), "median": round(float(np.median(a)), 3), "p95": round(float(np.percentile(a, 95)), 3),
            "mean": round(float(a.mean()), 3)}


def fit(x, y) -> dict:
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size < 3:
        return {"n": int(x.size)}
    slope, intercept = np.polyfit(x, y, 1)
    r = float(np.corrcoef(x, y)[0, 1])
    return {"n": int(x.size), "slope": round(float(slope), 3), "intercept": round(float(intercept), 4),
            "bias_mean": round(float(np.mean(y - x)), 4), "bias_median": round(float(np.median(y - x)), 4),
            "r": round(r, 3), "true_mean": round(float(x.mean()), 4), "pred_mean": round(float(y.mean()), 4),
            "pred_below_0.20": round(float(np.mean(y < 0.20)), 3)}


def analyse(rows: list[dict]) -> dict:
    graded = [r for r in rows if r["level"] not in C.UNGRADED_LEVELS]
    frac = [r for r in graded if r["grade"] > 0]
    out = {"matched_vertebrae": len(rows), "graded": len(graded), "fractured": len(frac)}

    # predicted vs true height reduction, per deformity type (generator measure and rule measure)
    gen, rule = {}, {}
    for kind in KINDS + ("all",):
        sel = [r for r in frac if kind == "all" or r["deformity"] == kind]
        k = [int(np.argmax(r["r_true"])) for r in sel]
        gen[kind] = fit([r["r_true"][kk] for r, kk in zip(sel, k)], [r["r_pred"][kk] for r, kk in zip(sel, k)])
        gen[kind]["by_grade"] = {}
        for g in (1, 2, 3):
            sg = [(r, kk) for r, kk in zip(sel, k) if r["grade"] == g]
            gen[kind]["by_grade"][str(g)] = fit([r["r_true"][kk] for r, kk in sg], [r["r_pred"][kk] for r, kk in sg])
        if kind != "all":
            rk = kind
            ok = [r for r in sel if rk != "crush" or all(r["rule_crush_assessed"])]
            rule[kind] = fit([r["rule_true"][rk] for r in ok], [r["rule_pred"][rk] for r in ok])
    normal = [r for r in graded if r["grade"] == 0]
    out["reduction_generator_measure"] = gen
    out["reduction_rule_measure"] = rule
    out["reduction_grade0"] = {h: summary([r["r_pred"][k] - r["r_true"][k] for r in normal])
                               for k, h in enumerate(HEIGHTS)}

    # signed height errors (pred - true, mm) by grade
    out["height_signed_error_mm_by_grade"] = {
        str(g): {h: summary([r["h_pred"][k] - r["h_true"][k] for r in graded if r["grade"] == g])
                 for k, h in enumerate(HEIGHTS)} for g in range(4)}

    # point errors
    def by(key_fn, subset=rows):
        groups = defaultdict(list)
        for r in subset:
            for key in key_fn(r):
                groups[key].append(r)
        return groups

    allerr = np.concatenate([r["err"] for r in rows]) if rows else np.zeros(0)
    out["point_error_mm"] = {"all": summary(allerr)}
    out["point_error_mm"]["by_point"] = {n: summary([r["err"][k] for r in rows]) for k, n in enumerate(POINTS)}
    out["point_error_mm"]["by_point_fractured"] = {n: summary([r["err"][k] for r in frac]) for k, n in enumerate(POINTS)}
    for name, fn, order in (("by_grade", lambda r: [str(r["grade"])], ["0", "1", "2", "3"]),
                            ("by_deformity", lambda r: [r["deformity"]], ["none", *KINDS]),
                            ("by_level", lambda r: [r["level"]], list(C.LEVELS)),
                            ("by_modality", lambda r: [r["modality"]], ["CR", "DX", "MR"]),
                            ("by_field_of_view", lambda r: [r["fov"]], ["lumbar", "thoracolumbar", "thoracic"])):
        g = by(fn)
        out["point_error_mm"][name] = {k: summary(np.concatenate([r["err"] for r in g[k]])) for k in order if k in g}
    out["outward_error_mm_by_grade"] = {
        str(g): {n: summary([r["outward"][k] for r in graded if r["grade"] == g]) for k, n in enumerate(POINTS)}
        for g in range(4)}
    out["anterior_error_mm_by_grade"] = {
        str(g): {n: summary([r["err_u"][k] for r in graded if r["grade"] == g]) for k, n in enumerate(POINTS)}
        for g in range(4)}
    out["level_wrong_share_by_grade"] = {
        str(g): round(float(np.mean([r["pred_level"] != r["level"] for r in graded if r["grade"] == g])), 4)
        for g in range(4) if any(r["grade"] == g for r in graded)}
    return out


# --------------------------------------------------------------------------------------------------------------------
# the figure
# --------------------------------------------------------------------------------------------------------------------
KIND_COLOUR = {"wedge": (215, 60, 40), "biconcave": (40, 110, 215), "crush": (30, 150, 60)}
GRADE_COLOUR = [(120, 120, 120), (240, 170, 40), (230, 100, 30), (180, 20, 20)]


def figure(path: str, rows: list[dict], report: dict, title: str) -> None:
    from phantoms.preview import write_png
    from plaomodel import plot as P

    img = P.canvas(1500, 800)
    P.text(img, title, 750, 8, cell=2, anchor="centre")
    graded = [r for r in rows if r["level"] not in C.UNGRADED_LEVELS]
    frac = [r for r in graded if r["grade"] > 0]
    normal = [r for r in graded if r["grade"] == 0]
    ticks = (0.0, 0.2, 0.4, 0.6)
    for n, kind in enumerate(KINDS):
        ax = P.Axes(img, (70 + n * 330, 60, 260, 260), (-0.1, 0.65), (-0.1, 0.65),
                    title=f"{kind}: reduction of its height", xlabel="true reduction", xticks=ticks, yticks=ticks)
        kc = CANONICAL[kind]
        ax.scatter(np.array([r["r_true"][kc] for r in normal]), np.array([r["r_pred"][kc] for r in normal]),
                   (185, 185, 185), r=0)
        sel = [r for r in frac if r["deformity"] == kind]
        for g in (1, 2, 3):
            sg = [r for r in sel if r["grade"] == g]
            k = [int(np.argmax(r["r_true"])) for r in sg]
            ax.scatter(np.array([r["r_true"][kk] for r, kk in zip(sg, k)]),
                       np.array([r["r_pred"][kk] for r, kk in zip(sg, k)]), GRADE_COLOUR[g], r=1)
        ax.line(-0.1, -0.1, 0.65, 0.65, P.BLACK, dashed=True)
        ax.line(-0.1, 0.2, 0.65, 0.2, (120, 120, 120), dashed=True)
        f = report["reduction_generator_measure"][kind]
        if "slope" in f:
            ax.line(-0.1, f["intercept"] - 0.1 * f["slope"], 0.65, f["intercept"] + 0.65 * f["slope"], KIND_COLOUR[kind])
            P.text(img, f"slope {f['slope']:.2f} bias {100 * f['bias_mean']:+.1f}%", 75 + n * 330, 66, KIND_COLOUR[kind])
            P.text(img, f"n {f['n']}, pred<20% {100 * f['pred_below_0.20']:.0f}%", 75 + n * 330, 76, KIND_COLOUR[kind])
        if n == 0:
            P.text(img, "predicted", 10, 34)
    # legend
    lx = 70 + 3 * 330
    P.text(img, "grey dots: grade 0", lx, 62)
    for g in (1, 2, 3):
        P.rect(img, lx, 76 + 14 * g, lx + 8, 84 + 14 * g, GRADE_COLOUR[g])
        P.text(img, f"true grade {g}", lx + 14, 77 + 14 * g)
    P.text(img, "dashed: identity, 20%", lx, 146)
    P.text(img, "line: least squares", lx, 160)
    # outward (height-direction) bias per point, grade 0 vs 3
    ob = report["outward_error_mm_by_grade"]
    ax = P.Axes(img, (lx + 20, 200, 240, 120), (-0.5, 5.5), (-1.0, 3.0), title="outward error mm (mean)",
                yticks=(-1, 0, 1, 2, 3))
    ax.bars([[ob[str(g)][p].get("mean", np.nan) for p in POINTS] for g in range(4)], GRADE_COLOUR, POINTS)
    P.text(img, "by true grade 0-3", lx + 20, 340)

    # bottom row: point errors (median, p95)
    pe = report["point_error_mm"]
    med_c, p95_c = (60, 110, 200), (170, 200, 240)

    def err_panel(box, table, keys, labels, title, ymax=6.0):
        ax = P.Axes(img, box, (-0.6, len(keys) - 0.4), (0.0, ymax), title=title, yticks=(0, 2, 4, 6))
        ax.bars([[table[k]["p95"] if k in table else np.nan for k in keys],
                 [table[k]["median"] if k in table else np.nan for k in keys]], [p95_c, med_c], labels)

    err_panel((70, 440, 230, 200), pe["by_point"], POINTS, POINTS, "by point (all)")
    err_panel((340, 440, 230, 200), pe["by_point_fractured"], POINTS, POINTS, "by point (grade>=1)")
    err_panel((610, 440, 150, 200), pe["by_grade"], ["0", "1", "2", "3"], ["0", "1", "2", "3"], "by true grade")
    keys = ["CR", "DX", "MR", "lumbar", "thoracolumbar", "thoracic"]
    merged = {**pe["by_modality"], **pe["by_field_of_view"]}
    err_panel((800, 440, 220, 200), merged, keys, ["CR", "DX", "MR", "L", "TL", "T"], "modality / field")
    levels = [lv for lv in C.LEVELS if lv in pe["by_level"]]
    err_panel((1060, 440, 420, 200), pe["by_level"], levels, [lv[1:] if lv[0] == "T" else lv for lv in levels],
              "by level (T1-T12, L1-L5, S1)")
    P.text(img, "point error mm:", 70, 690)
    P.rect(img, 170, 689, 180, 697, med_c)
    P.text(img, "median", 184, 690)
    P.rect(img, 240, 689, 250, 697, p95_c)
    P.text(img, "p95", 254, 690)
    allp = pe["all"]
    P.text(img, f"all points: n {allp['n']}, median {allp['median']:.2f} mm, p95 {allp['p95']:.2f} mm. "
                "thoracic levels labelled by number.", 70, 710)
    P.text(img, "phantoms only (same generator as training): says nothing about patient images.", 70, 730)
    write_png(path, img)


def load_records(a):
    if a.preds:
        with open(a.preds, "rb") as f:
            saved = pickle.load(f)
        records = saved["records"]
        if a.count:
            records = [r for r in records if a.first <= r["meta"]["seed"] < a.first + a.count]
        return records, dict(saved["head"], source=os.path.basename(a.preds))
    if a.first < 100000:
        sys.exit("evaluation seeds start at 100000")
    run, desc = evaluate.make_runner(a)
    records, start = [], time.time()
    for n, seed in enumerate(range(a.first, a.first + a.count)):
        _, x, meta, ph = evaluate._sample(seed)
        records.append(evaluate.record_of(x, meta, ph, run))
        if (n + 1) % 25 == 0:
            print(f"{n + 1}/{a.count} ({time.time() - start:.0f} s)", flush=True)
    return records, {"model": desc, "seeds": [a.first, a.first + a.count - 1]}


def main():
    ap = argparse.ArgumentParser()
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--preds", help="records saved by evaluate.py --save-preds")
    src.add_argument("--onnx")
    src.add_argument("--checkpoint")
    ap.add_argument("--runner-dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--first", type=int, default=100000)
    ap.add_argument("--count", type=int, default=0, help="with --preds: only these seeds (0: all saved)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--figure")
    ap.add_argument("--title", default="model v1 on held-out phantoms: predicted vs true height reduction, point errors")
    ap.add_argument("--stage", type=int, choices=[1, 2], default=1,
                    help="2: diagnose the refined points of a two-stage evaluation (evaluate.py --refiner)")
    a = ap.parse_args()
    if not a.preds and not a.count:
        a.count = 200
    records, head = load_records(a)
    if a.stage == 2:
        if not all("points_img2" in p for r in records for p in r["preds"]):
            sys.exit("--stage 2 needs records of a two-stage evaluation (evaluate.py --refiner ... --save-preds)")
        records = [dict(r, preds=[dict(p, points_img=p["points_img2"]) for p in r["preds"]]) for r in records]
        head = dict(head, stage="2 (refined points; matching on stage 1's centres)")
    rows = collect(records)
    report = analyse(rows)
    seeds = sorted(r["meta"]["seed"] for r in records)
    head = dict(head, images=len(records), seed_range=[seeds[0], seeds[-1]],
                images_by_modality={m: sum(r["meta"]["modality"] == m for r in records) for m in ("CR", "DX", "MR")})
    result = {"head": head, "definitions": __doc__.split("\n\n", 3)[3].strip(), **report}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    if a.figure:
        figure(a.figure, rows, report, a.title)
    g = report["reduction_generator_measure"]
    for kind in KINDS + ("all",):
        f = g[kind]
        print(f"{kind:10s} n {f['n']:4d}  slope {f.get('slope', float('nan')):.3f}  intercept "
              f"{f.get('intercept', float('nan')):+.4f}  bias {f.get('bias_mean', float('nan')):+.4f}  "
              f"pred<0.20 {f.get('pred_below_0.20', float('nan')):.3f}")
    for kind, f in report["reduction_rule_measure"].items():
        print(f"rule {kind:10s} n {f['n']:4d}  slope {f.get('slope', float('nan')):.3f}  intercept "
              f"{f.get('intercept', float('nan')):+.4f}  bias {f.get('bias_mean', float('nan')):+.4f}")


if __name__ == "__main__":
    main()
