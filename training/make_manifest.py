#!/usr/bin/python3
"""Writes the model manifest (models/<id>.json, schema 2: see models/MANIFEST.md) from the ONNX file and the numbers
of training/plaomodel/contract.py, plus the training log and the evaluation report.

After training (a new model):

    /usr/bin/python3 training/make_manifest.py --onnx models/plao-vertebra-landmarks-v1.onnx --version 1.1.0 \
        --checkpoint training/runs/v1b/checkpoint.pt --eval training/runs/v1b/eval.json \
        --out models/plao-vertebra-landmarks-v1.json

A two-stage model (a detector, then the per-vertebra refiner of plaomodel/refiner.py; the detector's training and
the manifest of the model it comes from are taken from --detector-manifest):

    /usr/bin/python3 training/make_manifest.py --onnx models/plao-vertebra-landmarks-v1.onnx \
        --detector-manifest models/plao-vertebra-landmarks-v1.json \
        --refiner-onnx models/plao-vertebra-landmarks-v2-refiner.onnx \
        --refiner-checkpoint training/checkpoints/refiner-b-step4000.pt --id plao-vertebra-landmarks-v2 \
        --version 2.1.0 --eval training/results/v2/eval.json --out models/plao-vertebra-landmarks-v2.json

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


def check_refiner_stage(stage: dict) -> None:
    ins = [i["name"] for i in stage["inputs"]]
    outs = {o["name"]: o["shape"] for o in stage["outputs"]}
    want = {C.REFINER_OUTPUT_POINTS: ["batch", 2 * len(C.POINTS)], C.REFINER_OUTPUT_UNCERTAINTY: ["batch", len(C.POINTS)]}
    if ins != [C.INPUT_NAME] or outs != want:
        sys.exit(f"refiner ONNX {ins} -> {outs} differs from the contract's {C.INPUT_NAME} -> {want}")
    if stage["inputs"][0]["shape"][1:] != [1, C.REFINER_CROP_SIZE_PX, C.REFINER_CROP_SIZE_PX]:
        sys.exit(f"refiner input shape {stage['inputs'][0]['shape']} is not the crop's")


REFINER_DESCRIPTION = (
    "Stage 2: for every vertebra the detector found, a square crop fixed in millimetres (crop.size_mm, sampled at "
    "crop.size_px pixels), centred on the mean of the detector's six points and turned to the vertebra's own axes (u "
    "posterior to anterior through the mid-points of the anterior and posterior point pairs, v its caudal "
    "perpendicular), so every crop shows the body anterior to the right and cranial at the top whichever way the "
    "patient faced. All crops of an image go through the refiner in one batch; its points (crop pixels) are mapped "
    "back to the image through the same frame and replace the detector's. point_uncertainty: per point, the natural "
    "log of the expected Euclidean error in mm (image pixels without a spacing), a Laplace scale learnt beside the "
    "points; the engine turns it into ratio intervals for its review flags.")


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
             intended_use: str = INTENDED_USE, limitations: str = LIMITATIONS, refiner: dict | None = None) -> dict:
    check_stage(stage)
    stages = {"detector": stage}
    if refiner is not None:
        check_refiner_stage(refiner)
        stages["refiner"] = refiner
    out = {
        "schema": C.SCHEMA,
        "id": model_id,
        "version": version,
        "architecture": "two-stage" if refiner is not None else ARCHITECTURE,
        "stages": stages,
        "preprocessing": C.manifest_preprocessing(pre.__doc__.strip()),
        "output_decoding": C.manifest_output_decoding(dec.__doc__.strip()),
    }
    if refiner is not None:
        out["refiner"] = C.manifest_refiner(REFINER_DESCRIPTION)
    return dict(out, **{
        "grading": C.manifest_grading(genant.__doc__.strip()),
        "reference_implementation": "training/infer.py (with training/onnx_numpy.py); golden files of every "
                                    f"sample image: sample-data/golden/{model_id}/ (training/make_golden.py)",
        "training": training,
        "evaluation": evaluation,
        "intended_use": intended_use,
        "limitations": limitations,
    })


def write(path: str, m: dict) -> None:
    with open(path, "w") as f:
        json.dump(m, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {path}: {m['id']} {m['version']} schema {m['schema']} {m['architecture']}, "
          + ", ".join(f"{k} sha256 {v['sha256'][:16]}…" for k, v in m["stages"].items()))


def review_section(calibration_path: str) -> dict:
    """The manifest's review section from a calibrate.py report: the grade-1 threshold fitted at a fixed specificity on
    validation phantoms, rounded up to 0.001 (so the specificity on validation stays at least the fixed one)."""
    import math
    c = json.load(open(calibration_path))
    t1 = math.ceil(c["thresholds_calibrated"][0] * 1000) / 1000
    test = c["results"]["calibrated thresholds"]["test"]["grade_ge1"]
    return {
        "description": "Review aid, not part of the grading rule: a vertebra graded 0 whose largest reduction reaches "
                       "possible_fracture_min_reduction is flagged possible-fracture. The value is the grade-1 threshold "
                       f"that gives specificity {c['fixed_specificity']} on validation phantoms (seeds "
                       f"{c['validation']['seeds'][0]}-{c['validation']['seeds'][1]}, this model's points; "
                       "training/calibrate.py); on the held-out test phantoms the same threshold reaches sensitivity "
                       f"{test['sensitivity']:.3f} at specificity {test['specificity']:.3f} for grade >= 1. Fitted to "
                       "phantoms: a screening aid for review, not a validated cut-off.",
        "possible_fracture_min_reduction": t1,
    }


def update(path: str, eval_path: str | None, calibration: str | None = None) -> None:
    old = json.load(open(path))
    schema = old.get("schema", 1)
    if schema not in (1, 2):
        sys.exit(f"{path}: schema {schema} is not known to this script")
    onnx_file = old["stages"]["detector"]["file"] if schema == 2 else old["file"]
    here = os.path.dirname(os.path.abspath(path))
    stage = detector_stage(os.path.join(here, onnx_file))
    refiner = None
    if schema == 2 and "refiner" in old["stages"]:
        refiner = detector_stage(os.path.join(here, old["stages"]["refiner"]["file"]))
    evaluation = json.load(open(eval_path)) if eval_path else old["evaluation"]
    m = manifest(old["id"], old["version"], stage, old["training"], evaluation,
                 old.get("intended_use", INTENDED_USE), old.get("limitations", LIMITATIONS), refiner)
    review = review_section(calibration) if calibration else old.get("review")
    if review:                            # placed after the grading section
        out = {}
        for k, v in m.items():
            out[k] = v
            if k == "grading":
                out["review"] = review
        m = out
    write(path, m)


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
    ap.add_argument("--id", help="model id (default: the ONNX file's name)")
    ap.add_argument("--detector-manifest", help="two-stage: the manifest of the model whose detector is reused")
    ap.add_argument("--refiner-onnx", help="two-stage: the exported refiner")
    ap.add_argument("--refiner-checkpoint", help="two-stage: the refiner's training checkpoint (for the training record)")
    ap.add_argument("--calibration", help="training/calibrate.py output: its calibrated grade-1 threshold becomes the "
                                          "review section's possible_fracture_min_reduction")
    ap.add_argument("--refiner-data", default="radiograph seeds 1-60 rendered at scale 0.3-0.45 (0.22-0.67 mm per "
                                              "pixel) and MR series 50000-50011 (T1/T2/STIR by seed, their central "
                                              "slices): 108 images, 1,121 fully visible vertebrae, 180 fractured; "
                                              "validation radiographs 90000-90023 and MR 95000-95003 (45 images)")
    a = ap.parse_args()
    if a.update:
        update(a.update, a.eval, a.calibration)
        return
    if a.refiner_onnx:
        two_stage_main(a)
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


def two_stage_main(a) -> None:
    if not (a.onnx and a.detector_manifest and a.refiner_checkpoint and a.eval and a.out and a.id):
        sys.exit("two-stage: --onnx, --detector-manifest, --refiner-onnx, --refiner-checkpoint, --id, --eval and --out")
    import torch
    from plaomodel import refiner as R
    base = json.load(open(a.detector_manifest))
    detector = detector_stage(a.onnx)
    if detector["sha256"] != base["stages"]["detector"]["sha256"]:
        sys.exit(f"{a.onnx} is not the detector of {a.detector_manifest}")
    state = torch.load(a.refiner_checkpoint, map_location="cpu")
    args = state["args"]
    training = {
        "detector": dict(base["training"], model=f"{base['id']} {base['version']} (stage 1 reused unchanged)"),
        "refiner": {
            "data": f"crops of phantom vertebrae cut from native-resolution phantom images ({a.refiner_data}); per "
                    f"step {args['batch']} crops, {round(R.FRACTURED_SHARE * 100)} % from grade >= 1 vertebrae, the "
                    f"crop frame of the true points moved within {R.JITTER_SHIFT_MM} mm and turned within "
                    f"{R.JITTER_ANGLE_DEG} degrees (stage 1's errors), gamma and contrast jitter",
            "losses": "L1 in mm on the points; L1 on the three heights; L1 on Ha/Hp and Hm/Hp (x "
                      f"{R.RATIO_WEIGHT}); Laplace likelihood of the detached point error for the uncertainty; per-"
                      f"vertebra weights by true grade {list(R.GRADE_WEIGHT)}",
            "parameters": int(state.get("parameters", 0)),
            "steps": int(state["step"]), "batch": args["batch"], "learning_rate": args["lr"],
            "schedule": "linear warm-up, cosine to 5 %", "seed": args["seed"], "device": "cpu",
            "seconds": round(float(state["seconds"])), "cpu": "2 cores (development VM), torch 1.13 CPU",
            "checkpoint": os.path.basename(a.refiner_checkpoint), "recipe": "training/README.md",
        },
    }
    write(a.out, manifest(a.id, a.version, detector, training, json.load(open(a.eval)),
                          refiner=detector_stage(a.refiner_onnx)))


if __name__ == "__main__":
    main()
