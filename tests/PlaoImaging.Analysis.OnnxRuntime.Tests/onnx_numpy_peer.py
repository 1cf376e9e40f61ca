#!/usr/bin/python3
"""Numerical peer for PlaoImaging.Analysis.OnnxRuntime: runs an ONNX model with the reference numpy runner
(training/onnx_numpy.py, the runner that training/export.py checked against PyTorch) on an input written by the test.

    onnx_numpy_peer.py MODEL INPUT.f32 N,C,H,W OUTDIR

INPUT.f32 holds float32 values (little-endian, row-major); each output is written to OUTDIR/<name>.f32 and summarised
on stdout as "<name> shape=a,b,c,d sum=... first=v0,v1,v2". Exit 3 with "MISSING: ..." when numpy or onnx is absent.
"""
import os
import sys

try:
    import numpy as np
    import onnx
except ImportError as e:  # the test treats this as a missing peer
    print(f"MISSING: {e}")
    sys.exit(3)

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "training"))
import onnx_numpy  # noqa: E402


def main():
    model_path, input_path, shape, out_dir = sys.argv[1:5]
    shape = tuple(int(s) for s in shape.split(","))
    model = onnx.load(model_path)
    x = np.fromfile(input_path, dtype="<f4").reshape(shape)
    feeds = {model.graph.input[0].name: x}
    for name, value in onnx_numpy.run(model, feeds).items():
        value = np.ascontiguousarray(value, dtype="<f4")
        value.tofile(os.path.join(out_dir, f"{name}.f32"))
        flat = value.ravel()
        print(f"{name} shape={','.join(map(str, value.shape))} sum={float(flat.astype(np.float64).sum()):.6f} "
              f"first={','.join(f'{v:.6f}' for v in flat[:3])}")


if __name__ == "__main__":
    main()
