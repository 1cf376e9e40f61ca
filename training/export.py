#!/usr/bin/python3
"""Exports a trained checkpoint to ONNX (opset 17, dynamic batch, float32, batch norm folded) and checks that the
ONNX graph, run by our numpy runner (onnx_numpy.py), gives the same outputs as PyTorch.

    /usr/bin/python3 training/export.py --checkpoint training/runs/v1/checkpoint.pt --out models/plao-vertebra-landmarks-v1.onnx
    /usr/bin/python3 training/export.py --refiner --checkpoint training/checkpoints/refiner-a-step4000.pt \
        --out models/plao-vertebra-landmarks-v2-refiner.onnx       # stage 2 (plaomodel/refiner.py)
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plaomodel import contract as C  # noqa: E402
from plaomodel.net import LandmarkNet, fold_batch_norm  # noqa: E402
from plaomodel.preprocess import GRID_H, GRID_W  # noqa: E402
import onnx_numpy  # noqa: E402

INPUT = C.INPUT_NAME
OUTPUTS = [C.OUTPUT_HEATMAP, C.OUTPUT_OFFSETS, C.OUTPUT_LEVELS]   # the order of LandmarkNet's outputs


def export_refiner(checkpoint: str, out: str) -> None:
    from plaomodel import refiner as R
    state = torch.load(checkpoint, map_location="cpu")
    width = int((state.get("args") or {}).get("width", 16))
    model = R.build_net(width)
    model.load_state_dict(state["model"])
    model.eval()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    R.export_onnx(model, out)
    R.fix_output_shapes(out)
    graph = onnx.load(out)
    ops = sorted({n.op_type for n in graph.graph.node})
    folded = fold_batch_norm(model).eval()
    torch.manual_seed(0)
    x = torch.randn(3, 1, R.CROP_SIZE_PX, R.CROP_SIZE_PX)
    with torch.no_grad():
        expected = [t.numpy() for t in folded(x)]
    got = onnx_numpy.run(graph, {INPUT: x.numpy()})
    names = [C.REFINER_OUTPUT_POINTS, C.REFINER_OUTPUT_UNCERTAINTY]
    worst = max(float(np.abs(e - got[n]).max()) for e, n in zip(expected, names))
    print(f"exported {out}: {os.path.getsize(out) / 1e6:.2f} MB, {R.parameter_count(model)} parameters, ops {ops}, "
          f"numpy runner vs torch max |diff| {worst:.2e} (crop px)")
    if worst > 1e-2:
        sys.exit("the numpy ONNX runner disagrees with PyTorch")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--refiner", action="store_true", help="the checkpoint is a stage-2 refiner (train_refiner.py)")
    a = ap.parse_args()
    if a.refiner:
        export_refiner(a.checkpoint, a.out)
        return
    state = torch.load(a.checkpoint, map_location="cpu")
    model = LandmarkNet()
    model.load_state_dict(state["model"])
    model.eval()
    folded = fold_batch_norm(model)
    folded.eval()
    torch.manual_seed(0)
    x = torch.randn(2, 1, GRID_H, GRID_W)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.onnx.export(folded, x, a.out, input_names=[INPUT], output_names=OUTPUTS, opset_version=17,
                      dynamic_axes={INPUT: {0: "batch"}, **{o: {0: "batch"} for o in OUTPUTS}}, do_constant_folding=True)
    graph = onnx.load(a.out)
    onnx.checker.check_model(graph)
    ops = sorted({n.op_type for n in graph.graph.node})
    with torch.no_grad():
        expected = [t.numpy() for t in folded(x)]
    got = onnx_numpy.run(graph, {INPUT: x.numpy()})
    worst = max(float(np.abs(e - g).max()) for e, g in zip(expected, [got[o] for o in OUTPUTS]))
    print(f"exported {a.out}: {os.path.getsize(a.out) / 1e6:.2f} MB, ops {ops}, numpy runner vs torch max |diff| {worst:.2e}")
    if worst > 1e-3:
        sys.exit("the numpy ONNX runner disagrees with PyTorch")


if __name__ == "__main__":
    main()
