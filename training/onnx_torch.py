"""The ONNX graph of our landmark model run with PyTorch operators (float32): the same operator set as onnx_numpy.py
(Conv, Relu, Add, Concat, Resize nearest, GlobalAveragePool, Constant, Reshape, Softmax, MatMul, Flatten), about 30 times faster on a CPU. Used for
long evaluations of the shipped ONNX file; onnx_numpy.py stays the reference for the golden files (double precision,
independent of any BLAS). Anything else is refused by name."""
from __future__ import annotations

import numpy as np
from onnx import numpy_helper


def load(model):
    """A function feeds -> outputs (float32 numpy) for an onnx.ModelProto."""
    import torch
    import torch.nn.functional as F
    init = {t.name: torch.from_numpy(np.array(numpy_helper.to_array(t))) for t in model.graph.initializer}
    nodes = []
    for node in model.graph.node:
        a = {x.name: x for x in node.attribute}
        op = node.op_type
        if op == "Conv":
            if "group" in a and a["group"].i != 1:
                raise NotImplementedError("grouped Conv")
            pads = list(a["pads"].ints) if "pads" in a else [0, 0, 0, 0]
            if pads[0] != pads[2] or pads[1] != pads[3]:
                raise NotImplementedError("asymmetric Conv padding")
            attrs = {"stride": tuple(a["strides"].ints) if "strides" in a else 1,
                     "padding": (pads[0], pads[1]),
                     "dilation": tuple(a["dilations"].ints) if "dilations" in a else 1}
        elif op == "Concat":
            attrs = {"axis": a["axis"].i}
        elif op == "Resize":
            mode = a["mode"].s.decode() if "mode" in a else "nearest"
            if mode != "nearest":
                raise NotImplementedError(f"Resize mode {mode}")
            attrs = {}
        elif op == "Constant":
            attrs = {"value": torch.from_numpy(np.array(numpy_helper.to_array(a["value"].t)))}
        elif op in ("Relu", "Add", "GlobalAveragePool", "MatMul"):
            attrs = {}
        elif op == "Reshape":
            attrs = {"allowzero": a["allowzero"].i if "allowzero" in a else 0}
        elif op in ("Softmax", "Flatten"):
            attrs = {"axis": a["axis"].i if "axis" in a else (-1 if op == "Softmax" else 1)}
        else:
            raise NotImplementedError(f"ONNX operator {op} is not in our torch runner")
        nodes.append((op, list(node.input), node.output[0], attrs))
    outputs = [o.name for o in model.graph.output]

    def run(feeds: dict) -> dict:
        values = dict(init)
        values.update({k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in feeds.items()})
        with torch.no_grad():
            for op, ins_names, out_name, at in nodes:
                ins = [values[i] if i else None for i in ins_names]
                if op == "Conv":
                    out = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, **at)
                elif op == "Relu":
                    out = torch.relu(ins[0])
                elif op == "Add":
                    out = ins[0] + ins[1]
                elif op == "Concat":
                    out = torch.cat(ins, dim=at["axis"])
                elif op == "GlobalAveragePool":
                    out = ins[0].mean(dim=(2, 3), keepdim=True)
                elif op == "Resize":
                    x = ins[0]
                    scales = ins[2] if len(ins) > 2 and ins[2] is not None and ins[2].numel() else None
                    sizes = ins[3] if len(ins) > 3 and ins[3] is not None else None
                    if sizes is None:
                        sizes = (torch.tensor(x.shape, dtype=torch.float64) * scales.double()).long()
                    fy, fx = int(sizes[2]) // x.shape[2], int(sizes[3]) // x.shape[3]
                    out = x.repeat_interleave(fy, dim=2).repeat_interleave(fx, dim=3)
                elif op == "Reshape":
                    from onnx_numpy import reshape_target
                    out = ins[0].reshape(reshape_target(tuple(ins[0].shape), ins[1].numpy(), at["allowzero"]))
                elif op == "Softmax":
                    out = torch.softmax(ins[0], dim=at["axis"])
                elif op == "MatMul":
                    out = torch.matmul(ins[0], ins[1])
                elif op == "Flatten":
                    out = torch.flatten(ins[0], at["axis"] if at["axis"] >= 0 else ins[0].dim() + at["axis"])
                else:
                    out = at["value"]
                values[out_name] = out
        return {o: values[o].numpy().astype(np.float32) for o in outputs}
    return run
