#!/usr/bin/python3
"""Evaluates a trained model on a held-out phantom set (seeds from 100000: never used in training).

    /usr/bin/python3 training/evaluate.py --checkpoint training/runs/v1/checkpoint.pt --first 100000 --count 500 \
        --out training/runs/v1/eval.json [--montage training/runs/v1/montage.png]
    /usr/bin/python3 training/evaluate.py --onnx models/plao-vertebra-landmarks-v1.onnx --first 100000 --count 500 \
        --out training/runs/v1-onnx/eval.json --save-preds training/runs/v1-onnx/preds.pkl
    /usr/bin/python3 training/evaluate.py --from-preds training/runs/v1-onnx/preds.pkl --out ...   # grading only

The model runs from a training checkpoint (PyTorch) or from the exported ONNX file (training/onnx_numpy.py; what
ships). Matching: a prediction matches the nearest unmatched fully visible true vertebra whose centre lies within
half that vertebra's posterior height; predictions near vertebrae that are only partly in the image are neither
hits nor false positives. Errors are in mm in the image's own pixel spacing (images without one are left out of mm
figures). Grading is reported for the current rule (plao-genant-1, plaomodel/genant.py) and for the previous one
(plao-genant-0, below), on the predicted points (over the predicted spine) and on the true points (over the fully
visible true vertebrae: how far the rule itself agrees with the generator's grades), per image group and per
level band.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import sys
import time
from collections import defaultdict
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plaomodel import contract as C  # noqa: E402
from plaomodel.decode import decode  # noqa: E402
from plaomodel.genant import grade_range, grade_spine, heights  # noqa: E402
from plaomodel.preprocess import to_image_xy  # noqa: E402
from plaomodel.samples import make_sample  # noqa: E402
from plaomodel.targets import vertebra_points  # noqa: E402

PREVIOUS_RULE = "plao-genant-0"
RULES = {
    C.RULE: "level-specific normal ratios (manifest grading.reference), crush against neighbours with grade-0 shape",
    PREVIOUS_RULE: "the rule of manifest schema 1 (model 1.1.0 as first shipped): wedge = 1 - ha/hp, biconcave = "
                   "1 - hm/hp (no level reference), crush = 1 - hp / mean(hp of the list neighbours, not S1, whatever "
                   "their shape); same 20/25/40 % thresholds",
}
BANDS = {"T1-T9": C.LEVELS[:9], "T10-L2": C.LEVELS[9:14], "L3-L5": C.LEVELS[14:17]}


def grade_spine_previous(levels: list[str], points: list[np.ndarray]) -> list[dict]:
    """The previous rule (plao-genant-0), only to report old vs new figures on the same predictions."""
    h = [heights(p) for p in points]
    out = []
    for i, (ha, hm, hp) in enumerate(h):
        ref = [h[j][2] for j in (i - 1, i + 1) if 0 <= j < len(h) and levels[j] not in C.UNGRADED_LEVELS]
        r = {"wedge": 1 - ha / hp if hp > 0 else 0.0, "biconcave": 1 - hm / hp if hp > 0 else 0.0,
             "crush": 1 - hp / float(np.mean(ref)) if ref else 0.0}
        kind = max(C.KIND_TIES, key=lambda k: r[k])
        g = 0 if levels[i] in C.UNGRADED_LEVELS else C.grade_of_reduction(r[kind])
        out.append({"heights": {"anterior": ha, "middle": hm, "posterior": hp}, "genant_grade": g})
    return out


GRADERS = {C.RULE: grade_spine, PREVIOUS_RULE: grade_spine_previous}


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
    """Greedy by distance. Returns [(pred i, truth j)]."""
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


XR_SCALE = None   # set by main (--xr-scale) before the pool starts; None: the training range


def _sample(seed):
    kw = {"xr_scale": XR_SCALE} if XR_SCALE else {}
    x, _, meta, ph = make_sample(seed, slice_choice="central", **kw)
    return seed, x, meta, ph


def make_refiner(path: str, threads: int = 2):
    """A function (crops [n,1,128,128] float32) -> (points [n,12] crop px, log_scale [n,6]) from a refiner checkpoint
    (training/train_refiner.py; the weights alone, as in training/checkpoints/, or a whole training checkpoint)."""
    import torch
    from plaomodel import refiner as R
    from plaomodel.net import fold_batch_norm
    torch.set_num_threads(threads)
    state = torch.load(path, map_location="cpu")
    width = int((state.get("args") or {}).get("width", 16))
    model = R.build_net(width)
    model.load_state_dict(state["model"])
    model = fold_batch_norm(model.eval()).eval()

    def run(x):
        with torch.no_grad():
            p, s = model(torch.from_numpy(x))
        return p.numpy().astype(np.float64), s.numpy().astype(np.float64)
    return run


def refine(preds: list[dict], ph, meta, refiner) -> None:
    """Stage 2 on stage 1's detections: one crop per detection (frame from its own points), all crops in one batch;
    adds points_img2 (image px) and log_scale2 (ln of the expected point error, mm) to every prediction."""
    from plaomodel import refiner as R
    if not preds:
        return
    image = ph.display_image().astype(np.float64)
    rows, cols = image.shape
    for p in preds:                      # bodies cut by the border keep stage 1's points (contract.refiner_applies)
        p["points_img2"] = p["points_img"]
    chosen = [p for p in preds if C.refiner_applies(p["points_img"], rows, cols)]
    if not chosen:
        return
    frames = [R.crop_frame(p["points_img"], meta["spacing_mm"]) for p in chosen]
    x = np.stack([R.crop(image, f) for f in frames])[:, None]
    pts, log_scale = refiner(x)
    for p, f, q, s in zip(chosen, frames, pts, log_scale):
        p["points_img2"] = f.to_image(q.reshape(R.N_POINTS, 2))
        p["log_scale2"] = s


def make_runner(a):
    """A function (1,1,H,W) float32 -> (heatmap, offsets, levels) of one image, and its description."""
    if a.onnx and a.runner_dtype == "torch":
        import onnx
        import onnx_torch
        import torch
        torch.set_num_threads(2)
        graph = onnx_torch.load(onnx.load(a.onnx))

        def run(x):
            out = graph({C.INPUT_NAME: x})
            return out[C.OUTPUT_HEATMAP][0], out[C.OUTPUT_OFFSETS][0], out[C.OUTPUT_LEVELS][0]
        return run, f"{os.path.basename(a.onnx)} through training/onnx_torch.py (float32)"
    if a.onnx:
        import onnx
        import onnx_numpy
        model = onnx.load(a.onnx)
        dtype = np.float64 if a.runner_dtype == "float64" else np.float32

        def run(x):
            out = onnx_numpy.run(model, {C.INPUT_NAME: x}, dtype=dtype)
            return out[C.OUTPUT_HEATMAP][0], out[C.OUTPUT_OFFSETS][0], out[C.OUTPUT_LEVELS][0]
        return run, f"{os.path.basename(a.onnx)} through training/onnx_numpy.py ({a.runner_dtype})"
    import torch
    from plaomodel.net import LandmarkNet, fold_batch_norm
    torch.set_num_threads(2)
    state = torch.load(a.checkpoint, map_location="cpu")
    model = LandmarkNet()
    model.load_state_dict(state["model"])
    model.eval()
    model = fold_batch_norm(model).eval()

    def run(x):
        with torch.no_grad():
            return tuple(t[0].numpy() for t in model(torch.from_numpy(x)))
    return run, f"{os.path.basename(a.checkpoint)} (PyTorch, batch norm folded)"


def record_of(x, meta, ph, run, refiner=None) -> dict:
    """Everything the scoring needs of one image (small: no pixels)."""
    heat, off, lvl = run(x)
    preds = decode(heat, off, lvl)
    sy, sx = meta["scale_y"], meta["scale_x"]
    out = {"meta": meta, "preds": [], "truth": []}
    for p in preds:
        pts = to_image_xy(p["points"], sy, sx)
        out["preds"].append({"level": p["level"], "points_img": pts, "centre_img": pts.mean(axis=0)})
    if refiner is not None:
        refine(out["preds"], ph, meta, refiner)
    for v in ph.truth["vertebrae"]:
        pts = vertebra_points(v)
        out["truth"].append({"level": v["level"], "grade": int(v["genant_grade"]), "deformity": v["deformity"],
                             "heights_mm": v["heights_mm"],
                             "pts": pts, "centre": pts.mean(axis=0), "hp_px": float(np.linalg.norm(pts[2] - pts[5])),
                             "visible": bool(v["fully_visible"])})
    return out


def band_of(level: str):
    for name, levels in BANDS.items():
        if level in levels:
            return f"levels:{name}"
    return None


def score(records: list[dict], points_key: str = "points_img") -> dict:
    """Figures per image group. points_key: which predicted points to score (points_img: stage 1; points_img2: after
    the refiner). Matching always uses stage 1's centres, so both stages are scored on the same detections."""
    stats = defaultdict(lambda: defaultdict(list))
    for rec in records:
        meta, tv = rec["meta"], rec["truth"]
        preds = [dict(p, points_img=p[points_key]) for p in rec["preds"]]
        spacing = meta["spacing_mm"]
        unit = spacing if spacing else 1.0
        visible = [t for t in tv if t["visible"]]
        partial = [t for t in tv if not t["visible"]]
        pairs = match(preds, visible)
        matched_p = {i for i, _ in pairs}
        ignored = {i for i, _ in match([p for k, p in enumerate(preds) if k not in matched_p], partial)}
        n_fp = len(preds) - len(matched_p) - len(ignored)
        groups = ["all", f"modality:{meta['modality']}", f"fov:{meta['field_of_view']}"]
        graded = {r: (f([p["level"] for p in preds], [p["points_img"] * unit for p in preds]) if preds else [])
                  for r, f in GRADERS.items()}
        oracle = {r: (f([t["level"] for t in visible], [t["pts"] * unit for t in visible]) if visible else [])
                  for r, f in GRADERS.items()}
        for g in groups:
            s = stats[g]
            s["truth"].append(len(visible))
            s["hits"].append(len(pairs))
            s["preds"].append(len(pairs) + n_fp)
            s["images"].append(1)
            for i, j in pairs:
                t = visible[j]
                s["level_ok"].append(preds[i]["level"] == t["level"])
                if spacing:
                    s["point_mm"].extend((np.linalg.norm(preds[i]["points_img"] - t["pts"], axis=1) * spacing).tolist())
                    ph_, th = graded[C.RULE][i]["heights"], t["heights_mm"]
                    s["height_mm"].extend([abs(ph_[k] - th[k]) for k in ("anterior", "middle", "posterior")])
        # grade pairs (true grade, rule's grade), per image group and per level band of the true vertebra
        for r in GRADERS:
            for t, o in zip(visible, oracle[r]):
                if t["level"] not in C.UNGRADED_LEVELS:
                    for g in groups + [band_of(t["level"])]:
                        if g:
                            stats[g][f"oracle:{r}"].append((t["grade"], int(o["genant_grade"])))
            uncertainty = r == C.RULE and points_key == "points_img2"
            for i, j in pairs:
                t = visible[j]
                if uncertainty and "log_scale2" in preds[i] and t["level"] not in C.UNGRADED_LEVELS and spacing:
                    # the engine's grade range (review flag grade-uncertain) against the truth
                    rng = grade_range(preds[i]["level"], graded[r][i], np.exp(preds[i]["log_scale2"]))
                    true_grade, got = t["grade"], int(graded[r][i]["genant_grade"])
                    straddles = rng["low"] != rng["high"]
                    covered = rng["low"] <= true_grade <= rng["high"]
                    for g in groups:
                        stats[g]["range"].append((straddles, got != true_grade, covered))
                if t["level"] not in C.UNGRADED_LEVELS:
                    kind = f"type:{t['deformity']}" if t["grade"] > 0 and "deformity" in t else None
                    for g in groups + [band_of(t["level"]), kind]:
                        if g:
                            stats[g][f"pred:{r}"].append((t["grade"], int(graded[r][i]["genant_grade"])))

    def grading_figures(pairs_list):
        pairs = np.array(pairs_list, dtype=np.int64).reshape(-1, 2)
        c = np.zeros((4, 4), np.int64)
        for t, p in pairs:
            c[t, p] += 1

        def sens_spec(th):
            pos = pairs[:, 0] >= th
            neg = ~pos
            sens = float(((pairs[:, 1] >= th) & pos).sum() / pos.sum()) if pos.sum() else None
            spec = float(((pairs[:, 1] < th) & neg).sum() / neg.sum()) if neg.sum() else None
            return {"sensitivity": sens, "specificity": spec, "positives": int(pos.sum()), "negatives": int(neg.sum())}
        return {"genant_kappa_linear": kappa_linear(c), "confusion_true_rows_pred_cols": c.tolist(),
                "fracture_grade_ge1": sens_spec(1), "fracture_grade_ge2": sens_spec(2)}

    report = {}
    for g, s in sorted(stats.items()):
        out = {}
        if s["images"]:
            pm, hm = np.array(s["point_mm"]), np.array(s["height_mm"])
            out = {
                "images": int(sum(s["images"])), "true_vertebrae": int(sum(s["truth"])),
                "recall": sum(s["hits"]) / max(1, sum(s["truth"])), "precision": sum(s["hits"]) / max(1, sum(s["preds"])),
                "level_accuracy": float(np.mean(s["level_ok"])) if s["level_ok"] else None,
                "landmark_error_mm": {"median": float(np.median(pm)) if pm.size else None,
                                      "p95": float(np.percentile(pm, 95)) if pm.size else None},
                "height_error_mm": {"median": float(np.median(hm)) if hm.size else None,
                                    "p95": float(np.percentile(hm, 95)) if hm.size else None},
            }
        if s["range"]:
            a = np.array(s["range"], bool).reshape(-1, 3)
            wrong = a[:, 1]
            out["grade_uncertain_flag"] = {
                "rule": f"{C.RULE} on the refined points; grades within +- {2.0:g} propagated expected errors "
                        "(plaomodel/genant.py grade_range, the engine's VertebraGrading.RangeOf)",
                "vertebrae": int(len(a)), "flagged_share": float(a[:, 0].mean()),
                "misgraded": int(wrong.sum()),
                "misgraded_flagged_share": float(a[wrong, 0].mean()) if wrong.any() else None,
                "correct_flagged_share": float(a[~wrong, 0].mean()) if (~wrong).any() else None,
                "true_grade_in_range_share": float(a[:, 2].mean()),
            }
        out["grading"] = {r: {"predicted_points": grading_figures(s[f"pred:{r}"]),
                              "true_points": grading_figures(s[f"oracle:{r}"])} for r in GRADERS}
        report[g] = out
    return report


def json_safe(value):
    """The value with every float NaN or infinity replaced by None (JSON null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def main():
    ap = argparse.ArgumentParser()
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint")
    src.add_argument("--onnx")
    src.add_argument("--from-preds", help="score saved predictions (--save-preds) without running the model")
    ap.add_argument("--runner-dtype", choices=["float32", "float64", "torch"], default="float32",
                    help="precision of the numpy ONNX runner (float32: about twice as fast), or torch: the graph run "
                         "with PyTorch operators (training/onnx_torch.py, float32, much faster)")
    ap.add_argument("--first", type=int, default=100000)
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--out", required=True)
    ap.add_argument("--save-preds")
    ap.add_argument("--montage")
    ap.add_argument("--jobs", type=int, default=2, help="processes rendering phantoms")
    ap.add_argument("--split", choices=["test", "validation"], default="test",
                    help="test: seeds from 100000 (the held-out figures); validation: seeds 90000-99999 (calibration)")
    ap.add_argument("--refiner", help="stage 2: a refiner checkpoint (train_refiner.py); both stages are scored")
    ap.add_argument("--xr-scale", type=float, nargs=2, metavar=("LO", "HI"),
                    help="radiograph render scale range (default: the training range 0.12-0.2; a second stage wants "
                         "native-like pixels, e.g. 0.3 0.45)")
    a = ap.parse_args()
    global XR_SCALE
    XR_SCALE = tuple(a.xr_scale) if a.xr_scale else None
    start = time.time()
    if a.from_preds:
        with open(a.from_preds, "rb") as f:
            saved = pickle.load(f)
        records, head = saved["records"], saved["head"]
    else:
        if a.split == "test" and a.first < 100000:
            sys.exit("evaluation seeds start at 100000")
        if a.split == "validation" and not (90000 <= a.first and a.first + a.count <= 100000):
            sys.exit("validation seeds lie in 90000-99999 (never training, never test)")
        run, model_desc = make_runner(a)
        head = {"model": model_desc, "seeds": [a.first, a.first + a.count - 1],
                "radiograph_scale": list(XR_SCALE) if XR_SCALE else [0.12, 0.2]}
        refiner = None
        if a.refiner:
            refiner = make_refiner(a.refiner)
            head["refiner"] = os.path.basename(a.refiner)
        records, montage_items = [], []
        pool = Pool(a.jobs)
        for n, (seed, x, meta, ph) in enumerate(pool.imap(_sample, range(a.first, a.first + a.count), chunksize=2)):
            rec = record_of(x, meta, ph, run, refiner)
            records.append(rec)
            if a.montage and len(montage_items) < 12 and (n % max(1, a.count // 12) == 0):
                montage_items.append((ph, rec["preds"], [t for t in rec["truth"] if t["visible"]], meta))
            if (n + 1) % 50 == 0:
                print(f"{n + 1}/{a.count} ({time.time() - start:.0f} s)", flush=True)
        pool.close()
        head["inference_seconds"] = round(time.time() - start, 1)
        if a.save_preds:
            with open(a.save_preds, "wb") as f:
                pickle.dump({"head": head, "records": records}, f)
        if a.montage:
            from plaomodel.montage import write_montage
            write_montage(a.montage, montage_items)
    report = dict(head, grading_rules=RULES, level_bands={k: f"{v[0]}-{v[-1]}" for k, v in BANDS.items()},
                  groups=score(records))
    two_stage = all("points_img2" in p for r in records for p in r["preds"]) and "refiner" in head
    if two_stage:
        report["groups_two_stage"] = score(records, "points_img2")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        # A group of one true grade has no kappa (nan): written null, since NaN is not JSON and readers refuse it.
        json.dump(json_safe(report), f, indent=1, allow_nan=False)
    for key in ("groups", "groups_two_stage"):
        if key in report:
            summary_lines(key, report[key]["all"])


def summary_lines(name: str, allg: dict) -> None:
    print(f"{name}: recall {allg['recall']:.3f} level {allg['level_accuracy']:.3f} landmark mm "
          f"{allg['landmark_error_mm']['median']:.2f}/{allg['landmark_error_mm']['p95']:.2f} height mm "
          f"{allg['height_error_mm']['median']:.2f}/{allg['height_error_mm']['p95']:.2f}")
    for r in GRADERS:
        for where in ("predicted_points", "true_points"):
            q = allg["grading"][r][where]
            print(f"{r:14s} {where:16s} kappa {q['genant_kappa_linear']:.3f}  sens>=1 {q['fracture_grade_ge1']['sensitivity']:.3f}"
                  f"  sens>=2 {q['fracture_grade_ge2']['sensitivity']:.3f}  spec>=1 {q['fracture_grade_ge1']['specificity']:.3f}"
                  f"  spec>=2 {q['fracture_grade_ge2']['specificity']:.3f}")


if __name__ == "__main__":
    main()
