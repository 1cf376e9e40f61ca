#!/usr/bin/python3
"""Reference inference: runs a landmark model (its manifest: one or two stages; or a bare detector ONNX file) on one
DICOM image and prints the vertebrae as JSON. The C# engine must give the same result (same preprocessing, same
decoding, same crops, same grading; see the model manifest and models/MANIFEST.md). training/make_golden.py writes
the full trace of this same code (``run``) as golden files.

    /usr/bin/python3 training/infer.py models/plao-vertebra-landmarks-v2.json sample-data/.../image.dcm
    /usr/bin/python3 training/infer.py models/plao-vertebra-landmarks-v1.onnx sample-data/.../image.dcm

Two-stage models: stage 1 (the detector) gives the vertebrae and their coarse points; stage 2 cuts one crop per
vertebra (plaomodel/refiner.py: fixed in mm, turned to the vertebra's axes, bilinear from the display image), runs
all crops of the image in one batch and maps the refined points back; grading uses the refined points.

Compressed pixel data is decompressed first with DCMTK (dcmdjpeg/dcmdrle/dcmdjpls) when pydicom cannot decode it.
The ONNX model runs in onnx_numpy.py (ONNX Runtime's Python package is not available here), in double precision.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import pydicom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_numpy  # noqa: E402
from plaomodel import contract as C  # noqa: E402
from plaomodel.decode import decode  # noqa: E402
from plaomodel.genant import grade_spine  # noqa: E402
from plaomodel.preprocess import (display_image_info, grid_geometry, pixel_spacing, to_image_xy,  # noqa: E402
                                  to_model_grid, window_of)


def read_pixels(path):
    ds = pydicom.dcmread(path)
    try:
        return ds, ds.pixel_array
    except Exception:  # noqa: BLE001 - no decoder plugin: let DCMTK decompress
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "plain.dcm")
            for tool in ("dcmdjpeg", "dcmdrle", "dcmdjpls"):
                try:
                    ok = subprocess.run([tool, path, out], capture_output=True).returncode == 0
                except FileNotFoundError:
                    continue
                if ok:
                    ds2 = pydicom.dcmread(out)
                    return ds, ds2.pixel_array
        raise


def _number(value, default: float) -> float:
    return default if value is None or value == "" else float(value)


def load_model(model_path: str):
    """(onnx ModelProto, {"file", "sha256", "size_bytes"})."""
    with open(model_path, "rb") as f:
        data = f.read()
    return onnx.load_from_string(data), {"file": os.path.basename(model_path),
                                         "sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data)}


def load(path: str) -> dict:
    """A model from its manifest (.json: every stage it names, checked against the manifest's sha256) or from a bare
    detector ONNX file (its manifest, when one lies beside it, gives id and version). Returns {"id", "version",
    "detector", "detector_info", "refiner", "refiner_info"} (refiner None for a single-stage model)."""
    manifest_path = path if path.endswith(".json") else os.path.splitext(path)[0] + ".json"
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else None
    if not path.endswith(".json"):
        detector, info = load_model(path)
        return {"id": manifest["id"] if manifest else os.path.splitext(os.path.basename(path))[0],
                "version": manifest["version"] if manifest else None, "detector": detector, "detector_info": info,
                "refiner": None, "refiner_info": None}
    here = os.path.dirname(os.path.abspath(path))
    out = {"id": manifest["id"], "version": manifest["version"], "refiner": None, "refiner_info": None}
    for stage in ("detector", "refiner"):
        spec = manifest["stages"].get(stage)
        if spec is None:
            continue
        proto, info = load_model(os.path.join(here, spec["file"]))
        if info["sha256"] != spec["sha256"]:
            raise ValueError(f"{spec['file']}: sha256 {info['sha256']} differs from the manifest's {spec['sha256']}")
        out[stage], out[f"{stage}_info"] = proto, info
    return out


def refine(refiner, img: np.ndarray, points_image: list, spacing_mm) -> dict:
    """Stage 2 on the detected vertebrae of one image that it applies to (contract.refiner_applies: whole bodies), in
    one batch: frames, crops, raw outputs, refined points. Per vertebra lists; None where stage 2 was not applied
    (those keep the detector's points)."""
    from plaomodel import refiner as R
    rows, cols = img.shape
    chosen = [n for n, p in enumerate(points_image) if C.refiner_applies(p, rows, cols)]
    n_all = len(points_image)
    out = {"frames": [None] * n_all, "crops": [None] * n_all, "points_crop": [None] * n_all,
           "log_scale": [None] * n_all, "points_image": [np.asarray(p, np.float64) for p in points_image]}
    if not chosen:
        return out
    frames = [R.crop_frame(points_image[n], spacing_mm) for n in chosen]
    crops = np.stack([R.crop(img, f) for f in frames])[:, None].astype(np.float32)
    res = onnx_numpy.run(refiner, {C.INPUT_NAME: crops})
    pts = res[C.REFINER_OUTPUT_POINTS].astype(np.float64)
    log_scale = res[C.REFINER_OUTPUT_UNCERTAINTY].astype(np.float64)
    for k, n in enumerate(chosen):
        out["frames"][n], out["crops"][n] = frames[k], crops[k]
        out["points_crop"][n], out["log_scale"][n] = pts[k], log_scale[k]
        out["points_image"][n] = frames[k].to_image(pts[k].reshape(len(C.POINTS), 2))
    return out


def run(model, dicom_path: str) -> dict:
    """The whole reference pipeline on one image; returns every intermediate the golden files record."""
    ds, pixels = read_pixels(dicom_path)
    spacing_mm, spacing_source = pixel_spacing(ds)
    center, width = window_of(ds)
    slope = _number(ds.get("RescaleSlope"), C.RESCALE_SLOPE_DEFAULT)
    intercept = _number(ds.get("RescaleIntercept"), C.RESCALE_INTERCEPT_DEFAULT)
    photometric = str(ds.get("PhotometricInterpretation", ""))
    img, window = display_image_info(pixels, slope, intercept, center, width, photometric)
    rows, cols = img.shape
    geometry = grid_geometry(rows, cols, spacing_mm)
    x, sy, sx = to_model_grid(img, spacing_mm)
    stages = model if isinstance(model, dict) else {"detector": model, "refiner": None}
    out = onnx_numpy.run(stages["detector"], {C.INPUT_NAME: x})
    peaks = []
    found = decode(out[C.OUTPUT_HEATMAP][0], out[C.OUTPUT_OFFSETS][0], out[C.OUTPUT_LEVELS][0], peaks=peaks)
    pts_img = [to_image_xy(v["points"], sy, sx) for v in found]
    refinement = None
    if stages["refiner"] is not None and found:
        refinement = refine(stages["refiner"], img, pts_img, spacing_mm)
        refinement["stage1_points_image"] = pts_img
        pts_img = refinement["points_image"]
    unit = spacing_mm if spacing_mm else 1.0       # heights: image px x row spacing (both axes), else px
    graded = grade_spine([v["level"] for v in found], [p * unit for p in pts_img]) if found else []
    return {"ds": ds, "modality": str(ds.get("Modality", "")), "photometric": photometric, "rows": rows,
            "columns": cols, "spacing_mm": spacing_mm, "spacing_source": spacing_source,
            "rescale": {"slope": slope, "intercept": intercept}, "window": window, "geometry": geometry,
            "input": x, "outputs": out, "peaks": peaks, "vertebrae": found, "points_image": pts_img,
            "graded": graded, "heights_unit": "mm" if spacing_mm else "px", "refinement": refinement}


def infer(model_path: str, dicom_path: str) -> dict:
    model = load(model_path)
    t = run(model, dicom_path)
    r = t["refinement"]
    return {
        "model": {"id": model["id"], "version": model["version"]},
        "sop_instance_uid": str(t["ds"].SOPInstanceUID),
        "pixel_spacing_mm": t["spacing_mm"],
        "pixel_spacing_source": t["spacing_source"],
        "heights_unit": "mm" if t["spacing_mm"] else "pixels (no pixel spacing)",
        "grading_rule": C.RULE,
        "vertebrae": [{
            "level": v["level"], "level_confidence": round(v["level_confidence"], 4), "score": round(v["score"], 4),
            "points_px": {k: [round(float(p[i][0]), 2), round(float(p[i][1]), 2)] for i, k in enumerate(C.POINTS)},
            "heights": {k: round(val, 2) for k, val in g["heights"].items()},
            "reductions": {k: round(val, 4) for k, val in g["reductions"].items()},
            "genant_grade": g["genant_grade"], "deformity": g["deformity"],
            **({"point_error_expected": {k: round(float(np.exp(r["log_scale"][n][i])), 3) for i, k in enumerate(C.POINTS)}}
               if r and r["log_scale"][n] is not None else {}),
        } for n, (v, p, g) in enumerate(zip(t["vertebrae"], t["points_image"], t["graded"]))],
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: infer.py MANIFEST.json|DETECTOR.onnx IMAGE.dcm")
    print(json.dumps(infer(sys.argv[1], sys.argv[2]), indent=1))
