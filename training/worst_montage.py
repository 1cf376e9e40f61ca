#!/usr/bin/python3
"""The worst vertebrae of an evaluation, drawn: a montage of crops with the true points (green), the detector's
points (yellow) and the refined points (red), each tile labelled with the level, the true Genant grade and type, and
the grade the rule gives on the predicted points.

    /usr/bin/python3 training/worst_montage.py --preds training/runs/two-stage-a/preds.pkl \
        --out training/results/v2/worst20.png --json training/results/v2/worst20.json

"Worst" ranks matched, graded vertebrae by the absolute grade error on the final points, then by the largest point
error (mm). The phantoms are rendered again from their seeds, exactly as the evaluation rendered them (the records
keep no pixels), so the images are the ones the model saw.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import GRADERS, match  # noqa: E402
from phantoms.preview import _dot, _line, write_png  # noqa: E402
from plaomodel import contract as C  # noqa: E402
from plaomodel.plot import text  # noqa: E402
from plaomodel.samples import make_sample  # noqa: E402

TILE = 240          # pixels per tile side
CROP_MM = 70.0      # the square of the image shown, centred on the true vertebra


def worst(records: list[dict], n: int, key: str) -> list[dict]:
    rows = []
    for rec in records:
        meta, preds = rec["meta"], rec["preds"]
        visible = [t for t in rec["truth"] if t["visible"]]
        spacing = meta["spacing_mm"]
        if not preds or not spacing:
            continue
        final = [p[key] for p in preds]
        graded = GRADERS[C.RULE]([p["level"] for p in preds], [q * spacing for q in final])
        for i, j in match(preds, visible):
            t = visible[j]
            if t["level"] in C.UNGRADED_LEVELS:
                continue
            err = float((np.linalg.norm(final[i] - t["pts"], axis=1) * spacing).max())
            rows.append({"seed": meta["seed"], "modality": meta["modality"], "field_of_view": meta["field_of_view"],
                         "level": t["level"], "pred_level": preds[i]["level"], "true_grade": t["grade"],
                         "true_deformity": t.get("deformity"), "pred_grade": int(graded[i]["genant_grade"]),
                         "pred_deformity": graded[i]["deformity"], "max_point_error_mm": round(err, 2),
                         "truth": t["pts"], "stage1": preds[i]["points_img"], "final": final[i],
                         "spacing": spacing})
    rows.sort(key=lambda r: (-abs(r["pred_grade"] - r["true_grade"]), -r["max_point_error_mm"]))
    return rows[:n]


def tile(image: np.ndarray, row: dict) -> np.ndarray:
    centre = row["truth"].mean(axis=0)
    half = CROP_MM / row["spacing"] / 2
    step = 2 * half / TILE
    ys = np.clip((centre[1] - half + np.arange(TILE) * step).astype(int), 0, image.shape[0] - 1)
    xs = np.clip((centre[0] - half + np.arange(TILE) * step).astype(int), 0, image.shape[1] - 1)
    rgb = np.repeat((image[np.ix_(ys, xs)] * 255).astype(np.uint8)[..., None], 3, axis=2)

    def to_tile(p):
        return (p - (centre - half)) / step
    for pts, colour, size, lines in ((row["truth"], (0, 220, 0), 2, True), (row["stage1"], (255, 220, 0), 1, False),
                                     (row["final"], (255, 40, 40), 1, True)):
        q = to_tile(pts)
        if lines:
            _line(rgb, q[0], q[3], colour)
            _line(rgb, q[1], q[4], colour)
            _line(rgb, q[2], q[5], colour)
        for x, y in q:
            _dot(rgb, x, y, size, colour)
    label = f"{row['level']} {row['modality']} TRUE G{row['true_grade']} {(row['true_deformity'] or '')[:4]}"
    text(rgb, label, 3, 3, (255, 255, 255))
    text(rgb, f"PRED G{row['pred_grade']} {row['pred_deformity'][:4]} {row['max_point_error_mm']:.1f}MM", 3, TILE - 11,
         (255, 120, 120))
    return rgb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preds", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--json")
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--columns", type=int, default=5)
    a = ap.parse_args()
    saved = pickle.load(open(a.preds, "rb"))
    records, head = saved["records"], saved["head"]
    two_stage = all("points_img2" in p for r in records for p in r["preds"])
    rows = worst(records, a.count, "points_img2" if two_stage else "points_img")
    scale = head.get("radiograph_scale")
    tiles = []
    for r in rows:
        _, _, _, ph = make_sample(r["seed"], slice_choice="central", xr_scale=tuple(scale) if scale else (0.12, 0.2))
        tiles.append(tile(ph.display_image(), r))
    n_rows = (len(tiles) + a.columns - 1) // a.columns
    out = np.zeros((n_rows * TILE, a.columns * TILE, 3), np.uint8)
    for k, t in enumerate(tiles):
        rr, cc = divmod(k, a.columns)
        out[rr * TILE:(rr + 1) * TILE, cc * TILE:(cc + 1) * TILE] = t
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    write_png(a.out, out)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"model": head.get("model"), "refiner": head.get("refiner"), "ranking": __doc__.split("\n\n")[2],
                       "vertebrae": [{k: v for k, v in r.items() if k not in ("truth", "stage1", "final", "spacing")}
                                     for r in rows]}, f, indent=1)
    for r in rows:
        print(f"{r['seed']} {r['modality']:2s} {r['field_of_view']:13s} {r['level']:3s} true {r['true_grade']} "
              f"{r['true_deformity'] or '-':9s} pred {r['pred_grade']} {r['pred_deformity']:9s} "
              f"max point error {r['max_point_error_mm']:.2f} mm")


if __name__ == "__main__":
    main()
