"""A small encoder-decoder for vertebra-centred landmark detection (CenterNet-style), at stride 4.

Outputs (all at GRID_H/4 x GRID_W/4):
  heatmap  (N, 1, h, w)  logits of "a vertebral body centre is here" (centre = mean of its six points)
  offsets  (N, 14, h, w) channels 0-1: sub-cell centre offset (x, y) in output cells; 2-13: the six points
                         (sa, sm, sp, ia, im, ip; x then y) relative to the centre, in output cells / OFFSET_SCALE
  levels   (N, 18, h, w) logits over T1..L5, S1 read at a centre
Batch norm is folded into the convolutions before export, so the ONNX graph holds Conv, Relu, Add, Concat, Resize,
GlobalAveragePool only.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from .contract import N_LEVELS, OFFSET_SCALE, STRIDE  # noqa: F401 - one source of numbers (contract.py)


class ConvBnRelu(nn.Sequential):
    def __init__(self, cin: int, cout: int, stride: int = 1, dilation: int = 1):
        super().__init__(
            nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


class Block(nn.Module):
    """Downsampling conv then a residual conv."""

    def __init__(self, cin: int, cout: int, stride: int = 2, dilation: int = 1):
        super().__init__()
        self.down = ConvBnRelu(cin, cout, stride)
        self.conv = nn.Sequential(
            nn.Conv2d(cout, cout, 3, padding=dilation, dilation=dilation, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        x = self.down(x)
        return F.relu(x + self.conv(x))


class LandmarkNet(nn.Module):
    def __init__(self, width: int = 24):
        super().__init__()
        c = [width, width + 8, 2 * width, 3 * width, 4 * width]   # 24 32 48 72 96
        self.stem = Block(1, c[0])          # /2
        self.enc1 = Block(c[0], c[1])       # /4
        self.enc2 = Block(c[1], c[2])       # /8
        self.enc3 = Block(c[2], c[3])       # /16
        self.enc4 = Block(c[3], c[4])       # /32
        self.ctx = Block(c[4], c[4], stride=1, dilation=2)
        self.glob = nn.Conv2d(c[4], c[4], 1)                       # whole-image context, added everywhere
        self.dec3 = ConvBnRelu(c[4] + c[3], c[3])
        self.dec2 = ConvBnRelu(c[3] + c[2], c[2])
        self.dec1 = ConvBnRelu(c[2] + c[1], c[2])
        self.head_heat = nn.Sequential(ConvBnRelu(c[2], c[2]), nn.Conv2d(c[2], 1, 1))
        self.head_off = nn.Sequential(ConvBnRelu(c[2], c[2]), nn.Conv2d(c[2], 14, 1))
        self.head_lvl = nn.Sequential(ConvBnRelu(c[2], c[2]), nn.Conv2d(c[2], N_LEVELS, 1))
        nn.init.constant_(self.head_heat[-1].bias, -2.19)           # prior 0.1 (CenterNet)

    def forward(self, x):
        x1 = self.enc1(self.stem(x))
        x2 = self.enc2(x1)
        x3 = self.enc3(x2)
        x4 = self.ctx(self.enc4(x3))
        x4 = F.relu(x4 + self.glob(F.adaptive_avg_pool2d(x4, 1)))
        y = self.dec3(torch.cat([F.interpolate(x4, scale_factor=2.0, mode="nearest"), x3], 1))
        y = self.dec2(torch.cat([F.interpolate(y, scale_factor=2.0, mode="nearest"), x2], 1))
        y = self.dec1(torch.cat([F.interpolate(y, scale_factor=2.0, mode="nearest"), x1], 1))
        return self.head_heat(y), self.head_off(y), self.head_lvl(y)


def fold_batch_norm(model: nn.Module) -> nn.Module:
    """Folds every Conv2d followed by BatchNorm2d (in a Sequential) into one Conv2d with bias (eval statistics)."""
    for name, module in list(model.named_children()):
        if isinstance(module, nn.Sequential):
            items = list(module.children())
            out = []
            i = 0
            while i < len(items):
                m = items[i]
                if isinstance(m, nn.Conv2d) and i + 1 < len(items) and isinstance(items[i + 1], nn.BatchNorm2d):
                    bn = items[i + 1]
                    conv = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, m.dilation,
                                     m.groups, bias=True)
                    std = torch.sqrt(bn.running_var + bn.eps)
                    conv.weight.data = m.weight.data * (bn.weight.data / std).reshape(-1, 1, 1, 1)
                    bias = m.bias.data if m.bias is not None else torch.zeros_like(bn.running_mean)
                    conv.bias.data = (bias - bn.running_mean) * bn.weight.data / std + bn.bias.data
                    out.append(conv)
                    i += 2
                else:
                    out.append(fold_batch_norm(m))
                    i += 1
            setattr(model, name, nn.Sequential(*out))
        else:
            fold_batch_norm(module)
    return model
