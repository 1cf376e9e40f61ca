#!/usr/bin/python3
"""Writes the model manifest (models/<id>.json, schema 2: see models/MANIFEST.md) from the ONNX file and the numbers
of training/plaomodel/contract.py, plus the training log and the evaluation report.

After training (a new model):

    /usr/bin/python3 training/make_manifest.py --onnx models/plao-vertebra-landmarks-v1.onnx --version 1.1.0 \
        --checkpoint training/runs/v1b/checkpoint.pt --eval training/runs/v1b/eval.json \
        --out models/plao-vertebra-landmarks-v1.json

Without retraining (rewrites the contract sections and the stage description of an existing manifest, schema 1 or 2,
from contract.py and the ONNX file beside it; keeps id, version, training, intended_use, limitations and, unless
--eval is given, evaluation):

    /usr/bin/python3 training/make_manifest.py --update models/plao-vertebra-landmarks-v1.json [--eval EVAL.json]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plaomodel import contract as C  # noqa: E402
from plaomodel import decode as dec  # noqa: E402
from plaomodel import genant  # noqa: E402
from plaomodel import preprocess as pre  # noqa: E402

ARCHITECTURE = "single-stage"
INTENDED_USE = ("Research and development of the PlaoImaging pipeline: locating vertebral bodies T1-S1 on lateral "
                "spine radiographs and sagittal spine MR slices and measuring six points per body for Genant "
                "semiquantitative grading, always reviewed and corrected by a radiologist.")
LIMITATIONS = ("Trained and tested on synthetic phantoms only. Not validated on patient images. Not for clinical use. "
               "Its accuracy on real radiographs and MR (implants, scoliosis, severe degeneration, children, "
               "other views, other vendors' processing) is unknown.")


def shape_of(value_info):
    return [d.dim_param if d.dim_param else d.dim_value for d in value_info.type.tensor_type.shape.dim]


def detector_stage(onnx_path: str) -> dict:
    data = open(onnx_path, "rb").read()
    model = onnx.load_from_string(data)
    return {
        "file": os.path.basename(onnx_path),
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_bytes": len(data),
        "onnx_opset": model.opset_import[0].version,
        "dtype": "float32",
        "inputs": [{"name": i.name, "shape": shape_of(i)} for i in model.graph.input],
        "outputs": [{"name": o.name, "shape": shape_of(o)} for o in model.graph.output],
    }


def check_stage(stage: dict) -> None:
    """The graph's names must be the contract's (the engine finds the tensors by these names)."""
    ins = [i["name"] for i in stage["inputs"]]
    outs = [o["name"] for o in stage["outputs"]]
    want = [C.OUTPUT_HEATMAP, C.OUTPUT_OFFSETS, C.OUTPUT_LEVELS]
    if ins != [C.INPUT_NAME] or sorted(outs) != sorted(want):
        sys.exit(f"ONNX names {ins} -> {outs} differ from the contract's {C.INPUT_NAME} -> {want}")
    shape = stage["inputs"][0]["shape"]
    if shape[1:] != [1, C.GRID_H, C.GRID_W]:
        sys.exit(f"ONNX input shape {shape} does not match the grid {C.GRID_H} x {C.GRID_W}")


def manifest(model_id: str, version: str, stage: dict, training: dict, evaluation: dict,
             intended_use: str = INTENDED_USE, limitations: str = LIMITATIONS) -> dict:
    check_stage(stage)
    return {
        "schema": C.SCHEMA,
        "id": model_id,
        "version": version,
        "architecture": ARCHITECTURE,
        "stages": {"detector": stage},
        "preprocessing": C.manifest_preprocessing(pre.__doc__.strip()),
        "output_decoding": C.manifest_output_decoding(dec.__doc__.strip()),
        "grading": C.manifest_grading(genant.__doc__.strip()),
        "reference_implementation": "training/infer.py (with training/onnx_numpy.py); golden files of every "
                                    f"sample image: sample-data/golden/{model_id}/ (training/make_golden.py)",
        "training": training,
        "evaluation": evaluation,
        "intended_use": intended_use,
        "limitations": limitations,
    }


def write(path: str, m: dict) -> None:
    with open(path, "w") as f:
        json.dump(m, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {path}: {m['id']} {m['version']} schema {m['schema']}, "
          f"detector sha256 {m['stages']['detector']['sha256'][:16]}…")


def update(path: str, eval_path: str | None) -> None:
    old = json.load(open(path))
    schema = old.get("schema", 1)
    if schema not in (1, 2):
        sys.exit(f"{path}: schema {schema} is not known to this script")
    onnx_file = old["stages"]["detector"]["file"] if schema == 2 else old["file"]
    stage = detector_stage(os.path.join(os.path.dirname(os.path.abspath(path)), onnx_file))
    evaluation = json.load(open(eval_path)) if eval_path else old["evaluation"]
    write(path, manifest(old["id"], old["version"], stage, old["training"], evaluation,
                         old.get("intended_use", INTENDED_USE), old.get("limitations", LIMITATIONS)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--update", metavar="MANIFEST", help="rewrite the contract sections of an existing manifest")
    ap.add_argument("--onnx")
    ap.add_argument("--checkpoint")
    ap.add_argument("--eval")
    ap.add_argument("--out")
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--data", default="radiograph seeds 1-1500, one image each; MR seeds 50000-50119, up to three slices "
                                      "of one series each: 1,500 radiographs and 308 MR slices")
    a = ap.parse_args()
    if a.update:
        update(a.update, a.eval)
        return
    if not (a.onnx and a.checkpoint and a.eval and a.out):
        ap.error("--onnx, --checkpoint, --eval and --out are required (or --update MANIFEST)")
    import torch  # only needed here

    state = torch.load(a.checkpoint, map_location="cpu")
    training = {
        "data": f"{state['samples']} synthetic phantom images rendered by training/phantoms through training/make_cache.py "
                f"({a.data}): lateral CR/DX spine radiographs (thoracic, lumbar, thoracolumbar fields of view; mostly "
                "osteopenic; normal spines, single, multiple and contiguous runs of wedge/biconcave/crush fractures, "
                "Genant grades 1-3) and sagittal MR slices (T1, T2, STIR; acute fractures with oedema)",
        "steps": state.get("total_steps", state["step"]), "batch": state["args"]["batch"], "seed": state["args"]["seed"],
        "device": state["args"]["device"], "seconds": round(state.get("total_seconds", state["seconds"])),
        "cpu": "2 cores (development VM), torch 1.13 CPU",
        "recipe": "training/README.md",
    }
    model_id = os.path.splitext(os.path.basename(a.onnx))[0]
    write(a.out, manifest(model_id, a.version, detector_stage(a.onnx), training, json.load(open(a.eval))))


if __name__ == "__main__":
    main()
