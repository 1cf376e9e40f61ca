#!/usr/bin/python3
"""Writes the model manifest (models/<id>.json) from the ONNX file, the training log and the evaluation report.

    /usr/bin/python3 training/make_manifest.py --onnx models/plao-vertebra-landmarks-v1.onnx \
        --checkpoint training/runs/v1/checkpoint.pt --eval training/runs/v1/eval.json --out models/plao-vertebra-landmarks-v1.json
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plaomodel import decode as dec  # noqa: E402
from plaomodel import genant, preprocess as pre  # noqa: E402
from plaomodel.levels import LEVELS, POINTS  # noqa: E402
from plaomodel.net import OFFSET_SCALE, STRIDE  # noqa: E402


def shape_of(value_info):
    return [d.dim_param if d.dim_param else d.dim_value for d in value_info.type.tensor_type.shape.dim]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--data", default="radiograph seeds 1-1500, one image each; MR seeds 50000-50119, up to three slices "
                                      "of one series each: 1,500 radiographs and 308 MR slices")
    a = ap.parse_args()
    model = onnx.load(a.onnx)
    state = torch.load(a.checkpoint, map_location="cpu")
    report = json.load(open(a.eval))
    sha = hashlib.sha256(open(a.onnx, "rb").read()).hexdigest()
    model_id = os.path.splitext(os.path.basename(a.onnx))[0]
    manifest = {
        "id": model_id,
        "version": a.version,
        "file": os.path.basename(a.onnx),
        "sha256": sha,
        "size_bytes": os.path.getsize(a.onnx),
        "format": {"onnx_opset": model.opset_import[0].version, "dtype": "float32", "dynamic_axes": ["batch"]},
        "inputs": [{"name": i.name, "shape": shape_of(i)} for i in model.graph.input],
        "outputs": [{"name": o.name, "shape": shape_of(o)} for o in model.graph.output],
        "preprocessing": {
            "description": pre.__doc__.strip(),
            "grid": {"height": pre.GRID_H, "width": pre.GRID_W},
            "target_spacing_mm": pre.TARGET_SPACING_MM,
            "spacing_source": {"CR": "ImagerPixelSpacing", "DX": "ImagerPixelSpacing", "MR": "PixelSpacing"},
            "resampling": "area (exact area-weighted mean), separable, to round(rows*s) x round(cols*s) at the top-left",
            "intensity": "display polarity [0,1] from the image's own linear window (else 0.5/99.5 percentiles), MONOCHROME1 inverted",
            "normalisation": {"subtract": 0.5, "divide": 0.25, "padding_value": pre.PAD_VALUE},
            "model_coordinates": "x_model = (x_image + 0.5) * s_x - 0.5, y likewise (x = column, pixel centres)",
        },
        "output_decoding": {
            "description": dec.__doc__.strip(),
            "stride": STRIDE, "offset_scale": OFFSET_SCALE, "peak_threshold": dec.PEAK_THRESHOLD,
            "max_detections": dec.MAX_DETECTIONS, "level_gap_penalty": dec.GAP_PENALTY,
            "levels": LEVELS, "points": POINTS,
            "points_meaning": "s/i = superior/inferior endplate; a/m/p = anterior/middle/posterior",
            "grading": genant.__doc__.strip(),
        },
        "reference_implementation": "training/infer.py (with training/onnx_numpy.py)",
        "training": {
            "data": f"{state['samples']} synthetic phantom images rendered by training/phantoms through training/make_cache.py "
                    f"({a.data}): lateral CR/DX spine radiographs (thoracic, lumbar, thoracolumbar fields of view; mostly "
                    "osteopenic; normal spines, single, multiple and contiguous runs of wedge/biconcave/crush fractures, "
                    "Genant grades 1-3) and sagittal MR slices (T1, T2, STIR; acute fractures with oedema)",
            "steps": state.get("total_steps", state["step"]), "batch": state["args"]["batch"], "seed": state["args"]["seed"],
            "device": state["args"]["device"], "seconds": round(state.get("total_seconds", state["seconds"])),
            "cpu": "2 cores (development VM), torch 1.13 CPU",
            "recipe": "training/README.md",
        },
        "evaluation": report,
        "intended_use": "Research and development of the PlaoImaging pipeline: locating vertebral bodies T1-S1 on lateral "
                        "spine radiographs and sagittal spine MR slices and measuring six points per body for Genant "
                        "semiquantitative grading, always reviewed and corrected by a radiologist.",
        "limitations": "Trained and tested on synthetic phantoms only. Not validated on patient images. Not for clinical use. "
                       "Its accuracy on real radiographs and MR (implants, scoliosis, severe degeneration, children, "
                       "other views, other vendors' processing) is unknown.",
    }
    with open(a.out, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"wrote {a.out}: {model_id} sha256 {sha[:16]}…")


if __name__ == "__main__":
    main()
