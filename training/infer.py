#!/usr/bin/python3
"""Reference inference: runs the exported ONNX landmark model on one DICOM image and prints the vertebrae as JSON.
The C# engine must give the same result (same preprocessing, same decoding; see the model manifest).

    /usr/bin/python3 training/infer.py models/plao-vertebra-landmarks-v1.onnx sample-data/.../image.dcm

Compressed pixel data is decompressed first with DCMTK (dcmdjpeg/dcmdrle/dcmdjpls) when pydicom cannot decode it.
The ONNX model runs in onnx_numpy.py (ONNX Runtime's Python package is not available here).
"""
from __future__ import annotations

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
from plaomodel.decode import decode  # noqa: E402
from plaomodel.genant import grade_spine  # noqa: E402
from plaomodel.levels import POINTS  # noqa: E402
from plaomodel.preprocess import display_image, to_image_xy, to_model_grid  # noqa: E402


def read_pixels(path):
    ds = pydicom.dcmread(path)
    try:
        return ds, ds.pixel_array
    except Exception:  # noqa: BLE001 - no decoder plugin: let DCMTK decompress
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "plain.dcm")
            for tool in ("dcmdjpeg", "dcmdrle", "dcmdjpls"):
                if subprocess.run([tool, path, out], capture_output=True).returncode == 0:
                    ds2 = pydicom.dcmread(out)
                    return ds, ds2.pixel_array
        raise


def first(value):
    if value is None:
        return None
    return float(value[0]) if isinstance(value, (pydicom.multival.MultiValue, list, tuple)) else float(value)


def infer(model_path: str, dicom_path: str) -> dict:
    ds, pixels = read_pixels(dicom_path)
    spacing = ds.get("ImagerPixelSpacing") or ds.get("PixelSpacing")
    spacing_mm = float(spacing[0]) if spacing else None
    img = display_image(pixels, float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0)),
                        first(ds.get("WindowCenter")), first(ds.get("WindowWidth")),
                        ds.PhotometricInterpretation == "MONOCHROME1")
    x, sy, sx = to_model_grid(img, spacing_mm)
    model = onnx.load(model_path)
    out = onnx_numpy.run(model, {"image": x})
    found = decode(out["heatmap"][0], out["offsets"][0], out["levels"][0])
    pts_img = [to_image_xy(v["points"], sy, sx) for v in found]
    graded = grade_spine([v["level"] for v in found], [p * (spacing_mm or 1.0) for p in pts_img]) if found else []
    return {
        "model": os.path.basename(model_path),
        "sop_instance_uid": str(ds.SOPInstanceUID),
        "pixel_spacing_mm": spacing_mm,
        "heights_unit": "mm" if spacing_mm else "pixels (no pixel spacing)",
        "vertebrae": [{
            "level": v["level"], "level_confidence": round(v["level_confidence"], 4), "score": round(v["score"], 4),
            "points_px": {k: [round(float(p[i][0]), 2), round(float(p[i][1]), 2)] for i, k in enumerate(POINTS)},
            "heights": {k: round(val, 2) for k, val in g["heights_mm"].items()},
            "genant_grade": g["genant_grade"], "deformity": g["deformity"],
        } for v, p, g in zip(found, pts_img, graded)],
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: infer.py MODEL.onnx IMAGE.dcm")
    print(json.dumps(infer(sys.argv[1], sys.argv[2]), indent=1))
