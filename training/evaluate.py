#!/usr/bin/python3
"""Evaluates a trained model on a held-out phantom set (seeds from 100000: never used in training).

    /usr/bin/python3 training/evaluate.py --checkpoint training/runs/v1/checkpoint.pt --first 100000 --count 500 \
        --out training/runs/v1/eval.json [--montage training/runs/v1/montage.png]
Matching: a prediction matches the nearest unmatched fully visible true vertebra whose centre lies within half that
vertebra's posterior height; predictions near vertebrae that are only partly in the image are neither hits nor
false positives. Errors are in mm in the image's own pixel spacing (images without one are left out of mm figures).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from multiprocessing import Pool

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plaomodel.decode import decode  # noqa: E402
from plaomodel.genant import grade_spine  # noqa: E402
from plaomodel.levels import LEVELS  # noqa: E402
from plaomodel.net import LandmarkNet, fold_batch_norm  # noqa: E402
from plaomodel.preprocess import to_image_xy  # noqa: E402
from plaomodel.samples import make_sample  # noqa: E402
from plaomodel.targets import vertebra_points  # noqa: E402


def kappa_linear(conf: np.ndarray) -> float:
    k = conf.shape[0]
    w = 1 - np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / (k - 1)
    n = conf.sum()
    if n == 0:
        return float("nan")
    po = (w * conf).sum() / n
    pe = (w * np.outer(conf.sum(1), conf.sum(0))).sum() / n / n
    return float((po - pe) / (1 - pe)) if pe < 1 else 1.0


def match(preds, truth):
    """Greedy by distance. Returns (pairs [(pred i, truth j)], set of ignored pred i)."""
    cands = []
    for i, p in enumerate(preds):
        for j, t in enumerate(truth):
            d = np.linalg.norm(np.asarray(p["centre_img"]) - t["centre"])
            if d < 0.5 * max(t["hp_px"], 1.0):
                cands.append((d, i, j))
    cands.sort()
    used_p, used_t, pairs = set(), set(), []
    for _, i, j in cands:
        if i in used_p or j in used_t:
            continue
        used_p.add(i)
        used_t.add(j)
        pairs.append((i, j))
    return pairs


def _sample(seed):
    x, _, meta, ph = make_sample(seed, slice_choice="central")
    return seed, x, meta, ph


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--first", type=int, default=100000)
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--out", required=True)
    ap.add_argument("--montage")
    ap.add_argument("--jobs", type=int, default=2, help="processes rendering phantoms")
    a = ap.parse_args()
    if a.first < 100000:
        sys.exit("evaluation seeds start at 100000")
    torch.set_num_threads(2)
    state = torch.load(a.checkpoint, map_location="cpu")
    model = LandmarkNet()
    model.load_state_dict(state["model"])
    model.eval()
    model = fold_batch_norm(model).eval()
    stats = defaultdict(lambda: defaultdict(list))
    montage_items = []
    start = time.time()
    pool = Pool(a.jobs)
    for n, (seed, x, meta, ph) in enumerate(pool.imap(_sample, range(a.first, a.first + a.count), chunksize=2)):
        with torch.no_grad():
            heat, off, lvl = (t[0].numpy() for t in model(torch.from_numpy(x)))
        preds = decode(heat, off, lvl)
        sy, sx = meta["scale_y"], meta["scale_x"]
        for p in preds:
            p["points_img"] = to_image_xy(p["points"], sy, sx)
            p["centre_img"] = p["points_img"].mean(axis=0)
        spacing = meta["spacing_mm"]
        tv = []
        for v in ph.truth["vertebrae"]:
            pts = vertebra_points(v)
            tv.append({"v": v, "pts": pts, "centre": pts.mean(axis=0), "hp_px": float(np.linalg.norm(pts[2] - pts[5])),
                       "visible": v["fully_visible"]})
        visible = [t for t in tv if t["visible"]]
        partial = [t for t in tv if not t["visible"]]
        pairs = match(preds, visible)
        matched_p = {i for i, _ in pairs}
        ignored = {i for i, _ in match([p for k, p in enumerate(preds) if k not in matched_p], partial)}
        unmatched_preds = [k for k in range(len(preds)) if k not in matched_p]
        n_fp = len(unmatched_preds) - len(ignored)
        groups = ["all", f"modality:{meta['modality']}", f"fov:{meta['field_of_view']}"]
        # grades from predicted points over the predicted spine (neighbours = adjacent predictions)
        pred_mm = [p["points_img"] * (spacing if spacing else 1.0) for p in preds]
        graded = grade_spine([p["level"] for p in preds], pred_mm) if preds else []
        # the same grading rule on the true points: how far the rule itself agrees with the generator's grades
        oracle = grade_spine([t["v"]["level"] for t in visible], [t["pts"] * (spacing if spacing else 1.0) for t in visible]) if visible else []
        for g in groups:
            s = stats[g]
            for t, o in zip(visible, oracle):
                if t["v"]["level"] != "S1":
                    s["oracle_pairs"].append((int(t["v"]["genant_grade"]), int(o["genant_grade"])))
            s["truth"].append(len(visible))
            s["hits"].append(len(pairs))
            s["preds"].append(len(pairs) + n_fp)
            s["images"].append(1)
            for i, j in pairs:
                t = visible[j]
                s["level_ok"].append(preds[i]["level"] == t["v"]["level"])
                if spacing:
                    err = np.linalg.norm(preds[i]["points_img"] - t["pts"], axis=1) * spacing
                    s["point_mm"].extend(err.tolist())
                    ph_ = graded[i]["heights_mm"]
                    th = t["v"]["heights_mm"]
                    s["height_mm"].extend([abs(ph_["anterior"] - th["anterior"]), abs(ph_["middle"] - th["middle"]),
                                           abs(ph_["posterior"] - th["posterior"])])
                if t["v"]["level"] != "S1":
                    s["grade_pairs"].append((int(t["v"]["genant_grade"]), int(graded[i]["genant_grade"])))
        if a.montage and len(montage_items) < 12 and (n % max(1, a.count // 12) == 0):
            montage_items.append((ph, preds, visible, meta))
        if (n + 1) % 50 == 0:
            print(f"{n + 1}/{a.count} ({time.time() - start:.0f} s)", flush=True)

    report = {"checkpoint": os.path.basename(a.checkpoint), "seeds": [a.first, a.first + a.count - 1], "groups": {}}
    for g, s in sorted(stats.items()):
        pairs = np.array(s["grade_pairs"], dtype=np.int64).reshape(-1, 2)
        c = np.zeros((4, 4), np.int64)
        for t, p in pairs:
            c[t, p] += 1
        def sens_spec(th):
            pos = pairs[:, 0] >= th
            neg = ~pos
            sens = float(((pairs[:, 1] >= th) & pos).sum() / pos.sum()) if pos.sum() else None
            spec = float(((pairs[:, 1] < th) & neg).sum() / neg.sum()) if neg.sum() else None
            return sens, spec, int(pos.sum()), int(neg.sum())
        oc = np.zeros((4, 4), np.int64)
        for t, p in np.array(s["oracle_pairs"], dtype=np.int64).reshape(-1, 2):
            oc[t, p] += 1
        s1, sp1, n1, m1 = sens_spec(1)
        s2, sp2, n2, m2 = sens_spec(2)
        pm = np.array(s["point_mm"])
        hm = np.array(s["height_mm"])
        report["groups"][g] = {
            "images": int(sum(s["images"])), "true_vertebrae": int(sum(s["truth"])),
            "recall": sum(s["hits"]) / max(1, sum(s["truth"])), "precision": sum(s["hits"]) / max(1, sum(s["preds"])),
            "level_accuracy": float(np.mean(s["level_ok"])) if s["level_ok"] else None,
            "landmark_error_mm": {"median": float(np.median(pm)) if pm.size else None, "p95": float(np.percentile(pm, 95)) if pm.size else None},
            "height_error_mm": {"median": float(np.median(hm)) if hm.size else None, "p95": float(np.percentile(hm, 95)) if hm.size else None},
            "genant_kappa_linear": kappa_linear(c), "genant_confusion_true_rows_pred_cols": c.tolist(),
            "fracture_grade_ge1": {"sensitivity": s1, "specificity": sp1, "positives": n1, "negatives": m1},
            "fracture_grade_ge2": {"sensitivity": s2, "specificity": sp2, "positives": n2, "negatives": m2},
            "grading_rule_on_true_points": {"genant_kappa_linear": kappa_linear(oc), "confusion": oc.tolist()},
        }
    pool.close()
    report["seconds"] = time.time() - start
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1)
    allg = report["groups"]["all"]
    print(json.dumps(allg, indent=1))
    if a.montage:
        from plaomodel.montage import write_montage
        write_montage(a.montage, montage_items)


if __name__ == "__main__":
    main()
