"""A small ONNX interpreter in numpy for the operators our landmark models use (Conv, Relu, Add, Concat, Resize
nearest with constant scales, GlobalAveragePool, Constant; the refiner's soft-argmax adds Reshape, Softmax, MatMul
and Flatten); anything else is refused by name. It exists because ONNX Runtime's
Python package is not available here; it is the reference the C# engine (ONNX Runtime) is checked against.

By default the graph is evaluated in double precision (float32 weights and input, exactly converted) and the
outputs are rounded to float32 once at the end: the result then no longer depends on the BLAS library's float32
summation order, so the golden files (training/make_golden.py) are reproducible on any machine. ``dtype=np.float32``
runs the graph in float32 throughout (about twice as fast; differences of about 1e-5 in the logits)."""
from __future__ import annotations

import numpy as np
from onnx import numpy_helper


def _conv(x, w, b, strides, pads, dilations, dtype=np.float32):
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    sh, sw = strides
    dh, dw = dilations
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (x.shape[2] - (dh * (kh - 1) + 1)) // sh + 1
    ow = (x.shape[3] - (dw * (kw - 1) + 1)) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = x[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
    out = np.tensordot(w.reshape(m, -1), cols.reshape(n, c * kh * kw, oh * ow), axes=([1], [1]))  # m, n, oh*ow
    out = out.transpose(1, 0, 2).reshape(n, m, oh, ow)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out.astype(dtype)


def reshape_target(shape, target, allowzero: int = 0) -> list[int]:
    """ONNX Reshape's target shape: 0 copies the input dimension (unless allowzero), -1 is inferred."""
    out = [int(t) for t in np.asarray(target).reshape(-1)]
    if not allowzero:
        out = [shape[i] if t == 0 else t for i, t in enumerate(out)]
    return out


def run(model, feeds: dict, dtype=np.float64) -> dict:
    """Outputs (float32) of the graph for the given inputs, evaluated in ``dtype``."""
    values = {}
    for t in model.graph.initializer:
        a = numpy_helper.to_array(t)
        values[t.name] = a.astype(dtype) if a.dtype.kind == "f" else a
    values.update({k: np.asarray(v, dtype=np.float32).astype(dtype) for k, v in feeds.items()})
    for node in model.graph.node:
        a = {x.name: x for x in node.attribute}
        ins = [values[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Conv":
            k = list(a["kernel_shape"].ints)
            pads = list(a["pads"].ints) if "pads" in a else [0, 0, 0, 0]
            strides = list(a["strides"].ints) if "strides" in a else [1, 1]
            dil = list(a["dilations"].ints) if "dilations" in a else [1, 1]
            if "group" in a and a["group"].i != 1:
                raise NotImplementedError("grouped Conv")
            assert list(ins[1].shape[2:]) == k
            out = _conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, strides, pads, dil, dtype)
        elif op == "Relu":
            out = np.maximum(ins[0], 0)
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "Concat":
            out = np.concatenate(ins, axis=a["axis"].i)
        elif op == "GlobalAveragePool":
            out = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Resize":
            mode = a["mode"].s.decode() if "mode" in a else "nearest"
            if mode != "nearest":
                raise NotImplementedError(f"Resize mode {mode}")
            x = ins[0]
            scales = ins[2] if len(ins) > 2 and ins[2] is not None and ins[2].size else None
            sizes = ins[3] if len(ins) > 3 and ins[3] is not None else None
            if sizes is None:
                sizes = (np.array(x.shape) * scales).astype(np.int64)
            fy, fx = sizes[2] // x.shape[2], sizes[3] // x.shape[3]
            out = x.repeat(fy, axis=2).repeat(fx, axis=3)
        elif op == "Constant":
            out = numpy_helper.to_array(a["value"].t)
        elif op == "Reshape":
            out = ins[0].reshape(reshape_target(ins[0].shape, ins[1], a["allowzero"].i if "allowzero" in a else 0))
        elif op == "Softmax":
            axis = a["axis"].i if "axis" in a else -1
            z = ins[0] - ins[0].max(axis=axis, keepdims=True)
            e = np.exp(z)
            out = e / e.sum(axis=axis, keepdims=True)
        elif op == "MatMul":
            out = np.matmul(ins[0], ins[1])
        elif op == "Flatten":
            axis = a["axis"].i if "axis" in a else 1
            axis = axis if axis >= 0 else ins[0].ndim + axis
            out = ins[0].reshape(int(np.prod(ins[0].shape[:axis], dtype=np.int64)), -1)
        else:
            raise NotImplementedError(f"ONNX operator {op} is not in our numpy runner")
        values[node.output[0]] = out
    return {o.name: np.asarray(values[o.name], dtype=np.float32) for o in model.graph.output}
