#!/usr/bin/python3
"""Golden files: the full trace of the reference inference (training/infer.py, same code) on every image of
sample-data/ (not minimal/), so that the C# engine can be checked step by step and a change of the Python
preprocessing, decoding or grading cannot pass silently (training/tests/test_golden.py).

    /usr/bin/python3 training/make_golden.py [--model models/plao-vertebra-landmarks-v2.json] [IMAGE.dcm ...]
    /usr/bin/python3 training/make_golden.py --model models/plao-vertebra-landmarks-v1.json     # the single-stage v1

Writes sample-data/golden/<model id>/<image path below sample-data, .dcm -> .json>. Layout: see GOLDEN_SCHEMA
below and sample-data/README.md. Floats are written with full double precision (Python repr).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import infer  # noqa: E402
from plaomodel import contract as C  # noqa: E402

ROOT = os.path.dirname(HERE)
SAMPLE_DATA = os.path.join(ROOT, "sample-data")
DEFAULT_MODEL = os.path.join(ROOT, "models", "plao-vertebra-landmarks-v2.json")
MODELS = [DEFAULT_MODEL, os.path.join(ROOT, "models", "plao-vertebra-landmarks-v1.json")]
GOLDEN_SCHEMA = 1          # single-stage documents
GOLDEN_SCHEMA_TWO_STAGE = 2   # adds model.refiner and, per vertebra, stage 1's points, the crop and the refiner's outputs
CROP_SAMPLES = [(0, 0), (0, 127), (127, 0), (127, 127), (64, 64), (32, 96), (96, 32), (50, 70)]
SKIP_DIRS = ("minimal", "golden")


def sample_images() -> list[str]:
    """Every DICOM file below sample-data/ except minimal/ (paths relative to sample-data, sorted)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(SAMPLE_DATA):
        rel = os.path.relpath(dirpath, SAMPLE_DATA)
        if rel.split(os.sep)[0] in SKIP_DIRS:
            dirnames[:] = []
            continue
        out += [os.path.normpath(os.path.join(rel, f)) for f in filenames if f.endswith(".dcm")]
    return sorted(p.replace(os.sep, "/") for p in out)


def golden_path(model_id: str, rel_image: str) -> str:
    return os.path.join(SAMPLE_DATA, "golden", model_id, os.path.splitext(rel_image)[0] + ".json")


def sample_positions(out_h: int, out_w: int) -> list[tuple[int, int]]:
    """Fixed positions of the input grid, and positions inside, on the edge of and just outside (padding) the
    image part; clipped to the grid, first occurrence kept."""
    h, w = C.GRID_H, C.GRID_W
    fixed = [(0, 0), (0, w // 2), (0, w - 1), (h // 2, 0), (h // 2, w // 2), (h // 2, w - 1), (h - 1, 0),
             (h - 1, w // 2), (h - 1, w - 1), (h // 4, w // 4), (3 * h // 4, 3 * w // 4), (300, 100)]
    inside = [(out_h // 2, out_w // 2), (out_h // 3, 2 * out_w // 3)]
    edge = [(out_h - 1, 0), (0, out_w - 1), (out_h - 1, out_w - 1), (out_h // 2, out_w - 1), (out_h - 1, out_w // 2)]
    outside = [(out_h, 0), (0, out_w), (out_h, out_w), (out_h // 2, out_w), (out_h, out_w // 2)]
    seen, out = set(), []
    for y, x in fixed + inside + edge + outside:
        p = (min(max(y, 0), h - 1), min(max(x, 0), w - 1))
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _xy(a) -> list[float]:
    return [float(a[0]), float(a[1])]


def refinement_of(r: dict | None, n: int) -> dict:
    """The stage-2 record of vertebra n (empty for single-stage models)."""
    if r is None:
        return {}
    if r["frames"][n] is None:
        return {"refined": False}
    f = r["frames"][n]
    crop = r["crops"][n][0]
    c64 = crop.astype(np.float64)
    return {
        "refined": True,
        "stage1_points_image": {k: _xy(r["stage1_points_image"][n][i]) for i, k in enumerate(C.POINTS)},
        "crop": {"centre": _xy(f.centre), "u": _xy(f.u), "v": _xy(f.v), "step": float(f.step),
                 "sha256_float32_le": hashlib.sha256(crop.astype("<f4").tobytes()).hexdigest(),
                 "sum_float64": float(c64.sum()),
                 "samples": [{"y": y, "x": x, "value": float(crop[y, x])} for y, x in CROP_SAMPLES]},
        "refiner_points_crop": {k: [float(r["points_crop"][n][2 * i]), float(r["points_crop"][n][2 * i + 1])]
                                for i, k in enumerate(C.POINTS)},
        "point_uncertainty_log": {k: float(r["log_scale"][n][i]) for i, k in enumerate(C.POINTS)},
    }


def golden(model_meta: dict, model_info: dict, trace: dict, rel_image: str, refiner_info: dict | None = None) -> dict:
    x = trace["input"]
    grid = x[0, 0]
    g64 = grid.astype(np.float64)
    geo = trace["geometry"]
    model = {"id": model_meta["id"], "version": model_meta["version"], "file": model_info["file"],
             "sha256": model_info["sha256"]}
    if refiner_info is not None:
        model["refiner"] = {"file": refiner_info["file"], "sha256": refiner_info["sha256"]}
    return {
        "golden_schema": GOLDEN_SCHEMA if refiner_info is None else GOLDEN_SCHEMA_TWO_STAGE,
        "model": model,
        "grading_rule": C.RULE,
        "image": rel_image,
        "sop_instance_uid": str(trace["ds"].SOPInstanceUID),
        "modality": trace["modality"],
        "photometric_interpretation": trace["photometric"],
        "rows": trace["rows"],
        "columns": trace["columns"],
        "spacing": {"mm": trace["spacing_mm"], "source": trace["spacing_source"]},
        "rescale": trace["rescale"],
        "window": trace["window"],
        "scale": {"s": geo["s"], "out_h": geo["out_h"], "out_w": geo["out_w"], "s_y": geo["s_y"], "s_x": geo["s_x"]},
        "input": {
            "shape": list(x.shape),
            "sha256_float32_le": hashlib.sha256(x.astype("<f4").tobytes()).hexdigest(),
            "sum_float64": float(g64.sum()),
            "row_sums_float64": [float(v) for v in g64.sum(axis=1)],
            "column_sums_float64": [float(v) for v in g64.sum(axis=0)],
            "samples": [{"y": y, "x": xx, "value": float(grid[y, xx])}
                        for y, xx in sample_positions(geo["out_h"], geo["out_w"])],
        },
        "peaks": [{"score": s, "iy": iy, "ix": ix} for s, iy, ix in trace["peaks"]],
        "heights_unit": trace["heights_unit"],
        "vertebrae": [{
            "score": v["score"],
            "cell": {"iy": v["cell"][0], "ix": v["cell"][1]},
            "centre_model": _xy(v["centre"]),
            "level": v["level"],
            "level_confidence": v["level_confidence"],
            "points_model": {k: _xy(v["points"][i]) for i, k in enumerate(C.POINTS)},
            "points_image": {k: _xy(p[i]) for i, k in enumerate(C.POINTS)},
            "heights": g["heights"],
            "reductions": g["reductions"],
            "crush_assessed": g["crush_assessed"],
            "reference_level": g["reference_level"],
            "genant_grade": g["genant_grade"],
            "deformity": g["deformity"],
            **refinement_of(trace["refinement"], n),
        } for n, (v, p, g) in enumerate(zip(trace["vertebrae"], trace["points_image"], trace["graded"]))],
    }


def model_meta_for(model_path: str) -> dict:
    """id and version from the manifest (or the manifest beside a bare ONNX file)."""
    with open(os.path.splitext(model_path)[0] + ".json") as f:
        m = json.load(f)
    return {"id": m["id"], "version": m["version"]}


def _dump(v, ind: int) -> str:
    """JSON with one-space indentation, lists of numbers (sums, points) and small objects of scalars on one line."""
    pad, pad1 = " " * ind, " " * (ind + 1)
    scalar = (str, int, float, bool, type(None))
    if isinstance(v, dict):
        if all(isinstance(x, scalar) for x in v.values()) and len(v) <= 6:
            return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
        items = [f"{pad1}{json.dumps(k)}: {_dump(x, ind + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list):
        if all(isinstance(x, scalar) for x in v):
            return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
        return "[\n" + ",\n".join(pad1 + _dump(x, ind + 1) for x in v) + "\n" + pad + "]"
    return json.dumps(v, ensure_ascii=False)


def dumps(doc: dict) -> str:
    return _dump(doc, 0) + "\n"


def make(model_path: str, rel_images: list[str], write: bool = True) -> dict:
    """{relative image path: golden document}; written below sample-data/golden/ when ``write``."""
    model = infer.load(model_path)
    meta = {"id": model["id"], "version": model["version"]}
    out = {}
    for rel in rel_images:
        doc = golden(meta, model["detector_info"], infer.run(model, os.path.join(SAMPLE_DATA, rel)), rel,
                     model["refiner_info"])
        out[rel] = doc
        if write:
            path = golden_path(meta["id"], rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(dumps(doc))
            print(f"{rel}: {len(doc['vertebrae'])} vertebrae -> {os.path.relpath(path, ROOT)}", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("images", nargs="*", help="paths below sample-data/ (default: all)")
    a = ap.parse_args()
    make(a.model, a.images or sample_images())


if __name__ == "__main__":
    main()
