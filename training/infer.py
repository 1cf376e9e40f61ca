#!/usr/bin/python3
"""Reference inference: runs the exported ONNX landmark model on one DICOM image and prints the vertebrae as JSON.
The C# engine must give the same result (same preprocessing, same decoding, same grading; see the model manifest
and models/MANIFEST.md). training/make_golden.py writes the full trace of this same code (``run``) as golden files.

    /usr/bin/python3 training/infer.py models/plao-vertebra-landmarks-v1.onnx sample-data/.../image.dcm

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
    out = onnx_numpy.run(model, {C.INPUT_NAME: x})
    peaks = []
    found = decode(out[C.OUTPUT_HEATMAP][0], out[C.OUTPUT_OFFSETS][0], out[C.OUTPUT_LEVELS][0], peaks=peaks)
    pts_img = [to_image_xy(v["points"], sy, sx) for v in found]
    unit = spacing_mm if spacing_mm else 1.0       # heights: image px x row spacing (both axes), else px
    graded = grade_spine([v["level"] for v in found], [p * unit for p in pts_img]) if found else []
    return {"ds": ds, "modality": str(ds.get("Modality", "")), "photometric": photometric, "rows": rows,
            "columns": cols, "spacing_mm": spacing_mm, "spacing_source": spacing_source,
            "rescale": {"slope": slope, "intercept": intercept}, "window": window, "geometry": geometry,
            "input": x, "outputs": out, "peaks": peaks, "vertebrae": found, "points_image": pts_img,
            "graded": graded, "heights_unit": "mm" if spacing_mm else "px"}


def infer(model_path: str, dicom_path: str) -> dict:
    model, _ = load_model(model_path)
    t = run(model, dicom_path)
    return {
        "model": os.path.basename(model_path),
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
        } for v, p, g in zip(t["vertebrae"], t["points_image"], t["graded"])],
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: infer.py MODEL.onnx IMAGE.dcm")
    print(json.dumps(infer(sys.argv[1], sys.argv[2]), indent=1))
