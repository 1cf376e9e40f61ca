#!/usr/bin/python3
"""The PyTorch peer of `bench/run.sh infer`: the same landmark model, in PyTorch on the CPU.

The ONNX file is the only committed form of the model (the training checkpoint is not), so the network is rebuilt from
training/plaomodel/net.py (LandmarkNet with its batch norms folded, exactly as training/export.py exported it) and
every convolution gets the ONNX graph's weights: the Conv2d modules in the order the forward pass calls them are
matched with the graph's Conv nodes in graph order (shapes checked one by one). `check` then proves the transfer: the
torch outputs must equal ONNX Runtime's, written by the C# bench for the same input, within 1e-4.

    torch_infer.py check MODEL DIR             DIR/input.f32 + shape.txt in, DIR/<output>.f32 from ONNX Runtime
    torch_infer.py time MODEL BATCH RUNS WARMUP THREADS [LABEL]
                                              one line: every timed run's wall and process CPU milliseconds
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "training"))
from plaomodel.net import LandmarkNet, fold_batch_norm  # noqa: E402

OUTPUTS = ["heatmap", "offsets", "levels"]
TOLERANCE = 1e-4
GRID = (448, 352)


def fold_all(net: torch.nn.Module) -> torch.nn.Module:
    """fold_batch_norm leaves the batch norms of Sequentials nested in Sequentials (the heads' ConvBnRelu); torch.onnx's
    constant folding folded those too. Here every Conv2d followed by a BatchNorm2d becomes one Conv2d with a bias and
    the norm an Identity; the values come from the ONNX graph afterwards, so nothing is computed here."""
    for module in list(net.modules()):
        if isinstance(module, torch.nn.Sequential):
            names = [n for n, _ in module.named_children()]
            for a, b in zip(names, names[1:]):
                conv, norm = getattr(module, a), getattr(module, b)
                if isinstance(conv, torch.nn.Conv2d) and isinstance(norm, torch.nn.BatchNorm2d):
                    setattr(module, a, torch.nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                                                       conv.padding, conv.dilation, conv.groups, bias=True))
                    setattr(module, b, torch.nn.Identity())
    return net


def load(model_path: str) -> torch.nn.Module:
    graph = onnx.load(model_path)
    init = {t.name: numpy_helper.to_array(t).copy() for t in graph.graph.initializer}
    convs = [n for n in graph.graph.node if n.op_type == "Conv"]
    net = fold_all(fold_batch_norm(LandmarkNet()))
    net.eval()
    order: list[torch.nn.Conv2d] = []
    hooks = [m.register_forward_hook(lambda m, i, o: order.append(m)) for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        net(torch.zeros(1, 1, *GRID))
    for h in hooks:
        h.remove()
    if len(order) != len(convs):
        sys.exit(f"net.py calls {len(order)} convolutions, the ONNX graph has {len(convs)}: not the same network")
    with torch.no_grad():
        for module, node in zip(order, convs):
            w = init[node.input[1]]
            b = init[node.input[2]] if len(node.input) > 2 else None
            if tuple(module.weight.shape) != w.shape or (b is None) != (module.bias is None):
                sys.exit(f"convolution {node.name}: ONNX weight {w.shape} bias {b is not None}, "
                         f"torch {tuple(module.weight.shape)} bias {module.bias is not None}")
            attrs = {a.name: list(a.ints) for a in node.attribute if a.ints}
            if list(module.stride) != attrs.get("strides", [1, 1]) or list(module.dilation) != attrs.get("dilations", [1, 1]):
                sys.exit(f"convolution {node.name}: strides/dilations differ from torch's")
            module.weight.copy_(torch.from_numpy(w))
            if b is not None:
                module.bias.copy_(torch.from_numpy(b))
    return net


def check(model_path: str, folder: str) -> None:
    torch.set_num_threads(2)
    net = load(model_path)
    shape = tuple(int(s) for s in open(os.path.join(folder, "shape.txt")).read().split(","))
    x = torch.from_numpy(np.fromfile(os.path.join(folder, "input.f32"), dtype="<f4").reshape(shape))
    with torch.inference_mode():
        got = [t.numpy() for t in net(x)]
    worst = 0.0
    for name, value in zip(OUTPUTS, got):
        ort = np.fromfile(os.path.join(folder, f"{name}.f32"), dtype="<f4").reshape(value.shape)
        diff = float(np.abs(ort - value).max())
        worst = max(worst, diff)
        print(f"check {name}: max |torch - onnxruntime| = {diff:.2e}")
    if worst > TOLERANCE:
        sys.exit(f"CHECK FAILED: PyTorch and ONNX Runtime differ by {worst:.2e} > {TOLERANCE}")
    print(f"check ok: torch {torch.__version__} equals ONNX Runtime within {TOLERANCE} (worst {worst:.2e})")


def timed(model_path: str, batch: int, runs: int, warmup: int, threads: int, label: str) -> None:
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    net = load(model_path)
    rng = np.random.default_rng(batch)
    x = torch.from_numpy(rng.uniform(-2, 2, size=(batch, 1, *GRID)).astype(np.float32))
    wall, cpu = [], []
    with torch.inference_mode():
        for i in range(warmup + runs):
            c0, t0 = time.process_time(), time.perf_counter()
            net(x)
            t1, c1 = time.perf_counter(), time.process_time()
            if i >= warmup:
                wall.append((t1 - t0) * 1000)
                cpu.append((c1 - c0) * 1000)
    omp = os.environ.get("OMP_WAIT_POLICY", "default")
    print(f"tool={label} batch={batch} threads={threads} version=torch-{torch.__version__}/omp-wait-{omp} "
          f"wall_ms={','.join(f'{v:.3f}' for v in wall)} cpu_ms={','.join(f'{v:.3f}' for v in cpu)}")

if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 7 and sys.argv[1] == "time":
        timed(sys.argv[2], *(int(a) for a in sys.argv[3:7]), sys.argv[7] if len(sys.argv) > 7 else "torch")
    else:
        sys.exit(__doc__)
