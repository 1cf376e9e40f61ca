"""Stage 2 of a two-stage landmark model (issue 10): one crop per vertebra, fixed in millimetres and turned to the
vertebra's own axes, and a small network that places the six points again on the crop, more precisely.

Crop geometry: models/MANIFEST.md section ``refiner`` and the engine's RefinerCrop.cs, exactly (a refiner trained on
these crops drops into the engine by its manifest alone):

* centre: the mean of the (detector's) six points, image pixels (x = column, y = row, pixel centres at integers);
* u: unit vector of mean(sa, ia) - mean(sp, ip) (posterior -> anterior); degenerate (zero or not finite): (1, 0);
* v: perpendicular of u, (-u_y, u_x), negated when its y component is negative (so v points caudally);
* side (native pixels): size_mm / spacing_mm when the model has a spacing (the row spacing of the preprocessing),
  else size_mm x (size_px_without_spacing or size_px) / size_px; step = side / size_px;
* crop pixel (i, j) (row i, column j) samples centre + (j + 0.5 - size/2) step u + (i + 0.5 - size/2) step v;
* bilinear from the display-polarity image in [0, 1]; a sample point with x <= -1, y <= -1, x >= columns or y >= rows
  gives 0, and neighbours outside the image count as 0; then x = (y - 0.5) / 0.25 (preprocessing normalisation).

Because u points anterior and v caudal, every crop is canonical: anterior to the right, cranial at the top, whichever
way the patient faced (a left-facing image is mirrored by the frame itself).

The network (RefinerNet): a small U-Net-like encoder-decoder on the 128 x 128 crop, six heatmaps at stride 2 (1 mm
cells at 0.5 mm per crop pixel), soft-argmax (softmax over each heatmap, expectation of the cell-centre coordinates:
DSNT-style, sub-pixel, differentiable), and a per-point log-scale from global features (Laplace uncertainty, trained on
the detached point error so it never down-weights the points). ONNX: Conv, Relu, Add, Concat, Resize (nearest),
GlobalAveragePool, Reshape, Softmax, MatMul, Flatten after batch-norm folding (opset 17). Outputs ``points`` [n, 12]
(x, y per point in crop pixels, sa, sm, sp, ia, im, ip: the manifest's ``refiner.outputs.points``) and ``log_scale``
[n, 6] (natural log of the expected absolute point error in mm; not read by the engine yet).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from . import contract as C

CROP_SIZE_MM = C.REFINER_CROP_SIZE_MM
CROP_SIZE_PX = C.REFINER_CROP_SIZE_PX
CROP_MM_PER_PX = CROP_SIZE_MM / CROP_SIZE_PX     # 0.5 mm per crop pixel when the image has a spacing
N_POINTS = len(C.POINTS)


# ---------------------------------------------------------------------------------------------------------------------
# crop geometry (numpy): identical to RefinerCrop.cs
# ---------------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class CropFrame:
    centre: np.ndarray      # (2,) image px
    u: np.ndarray           # (2,) unit, posterior -> anterior
    v: np.ndarray           # (2,) unit, caudal
    step: float             # native pixels per crop pixel
    size: int               # crop pixels per side

    def to_image(self, xy) -> np.ndarray:
        """Image points (..., 2) of crop coordinates (..., 2) (x = column, y = row, pixel centres at integers)."""
        xy = np.asarray(xy, np.float64)
        a = (xy[..., 0] + 0.5 - self.size / 2.0) * self.step
        b = (xy[..., 1] + 0.5 - self.size / 2.0) * self.step
        return np.stack([self.centre[0] + a * self.u[0] + b * self.v[0],
                         self.centre[1] + a * self.u[1] + b * self.v[1]], axis=-1)

    def to_crop(self, xy) -> np.ndarray:
        """Crop coordinates (..., 2) of image points (..., 2)."""
        xy = np.asarray(xy, np.float64)
        dx, dy = xy[..., 0] - self.centre[0], xy[..., 1] - self.centre[1]
        a = dx * self.u[0] + dy * self.u[1]
        b = dx * self.v[0] + dy * self.v[1]
        return np.stack([a / self.step - 0.5 + self.size / 2.0, b / self.step - 0.5 + self.size / 2.0], axis=-1)


def axes_of(points) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) of six points (sa, sm, sp, ia, im, ip) as RefinerCrop.Frame computes them."""
    p = np.asarray(points, np.float64)
    ux = (p[0, 0] + p[3, 0]) / 2 - (p[2, 0] + p[5, 0]) / 2
    uy = (p[0, 1] + p[3, 1]) / 2 - (p[2, 1] + p[5, 1]) / 2
    length = math.sqrt(ux * ux + uy * uy)
    if not (length > 0) or not math.isfinite(length):
        ux, uy, length = 1.0, 0.0, 1.0
    ux, uy = ux / length, uy / length
    vx, vy = -uy, ux
    if vy < 0:
        vx, vy = -vx, -vy
    return np.array([ux, uy]), np.array([vx, vy])


def side_px(spacing_mm: float | None, size_mm: float = CROP_SIZE_MM, size_px: int = CROP_SIZE_PX,
            size_px_without_spacing: int | None = None) -> float:
    if spacing_mm is not None and spacing_mm > 0:
        return size_mm / spacing_mm
    return size_mm * (size_px_without_spacing if size_px_without_spacing is not None else size_px) / size_px


def crop_frame(points, spacing_mm: float | None, size_mm: float = CROP_SIZE_MM, size_px: int = CROP_SIZE_PX,
               size_px_without_spacing: int | None = None) -> CropFrame:
    """The crop frame of a vertebra from its six points (image px) and the model's spacing (None without one)."""
    p = np.asarray(points, np.float64)
    if p.shape != (N_POINTS, 2):
        raise ValueError(f"a vertebra has six points, got shape {p.shape}")
    centre = np.array([sum(p[k, 0] for k in range(6)) / 6, sum(p[k, 1] for k in range(6)) / 6])  # C#'s summation order
    u, v = axes_of(p)
    side = side_px(spacing_mm, size_mm, size_px, size_px_without_spacing)
    return CropFrame(centre, u, v, side / size_px, size_px)


def jittered_frame(frame: CropFrame, shift_px: np.ndarray, angle_rad: float) -> CropFrame:
    """The same frame moved by shift_px (image px) and turned by angle_rad (v stays u's caudal perpendicular)."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    u = np.array([c * frame.u[0] - s * frame.u[1], s * frame.u[0] + c * frame.u[1]])
    v = np.array([-u[1], u[0]])
    if v[1] < 0:
        v = -v
    return CropFrame(frame.centre + np.asarray(shift_px, np.float64), u, v, frame.step, frame.size)


def bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear samples of image (rows, cols) at (x, y) as RefinerCrop.Bilinear: pixel centres at integers, points with
    x <= -1, y <= -1, x >= cols or y >= rows (or not finite) give 0, neighbours outside the image count as 0."""
    img = np.asarray(image, np.float64)
    rows, cols = img.shape
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    ok = np.isfinite(x) & np.isfinite(y) & (x > -1) & (y > -1) & (x < cols) & (y < rows)
    xs, ys = np.where(ok, x, 0.0), np.where(ok, y, 0.0)
    x0, y0 = np.floor(xs).astype(np.int64), np.floor(ys).astype(np.int64)
    fx, fy = xs - x0, ys - y0

    def at(r, c):
        inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        return np.where(inside, img[np.clip(r, 0, rows - 1), np.clip(c, 0, cols - 1)], 0.0)

    v = ((1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1))
         + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1)))
    return np.where(ok, v, 0.0)


def crop_display(image: np.ndarray, frame: CropFrame) -> np.ndarray:
    """The crop (size, size), float64 display values in [0, 1] (before normalisation)."""
    j = np.arange(frame.size, dtype=np.float64)
    xx, yy = np.meshgrid(j, j)                 # xx: column j, yy: row i
    q = frame.to_image(np.stack([xx, yy], axis=-1))
    return bilinear(image, q[..., 0], q[..., 1])


def normalise(display: np.ndarray) -> np.ndarray:
    return ((np.asarray(display, np.float64) - C.NORM_SUBTRACT) / C.NORM_DIVIDE).astype(np.float32)


def crop(image: np.ndarray, frame: CropFrame) -> np.ndarray:
    """The refiner input of one vertebra: (size, size) float32, normalised as the manifest says."""
    return normalise(crop_display(image, frame))


# ---------------------------------------------------------------------------------------------------------------------
# morphometry on points (torch and numpy): heights and ratios, for the losses and the evaluation
# ---------------------------------------------------------------------------------------------------------------------
def heights_np(points) -> np.ndarray:
    p = np.asarray(points, np.float64).reshape(-1, N_POINTS, 2)
    return np.stack([np.linalg.norm(p[:, 0] - p[:, 3], axis=-1), np.linalg.norm(p[:, 1] - p[:, 4], axis=-1),
                     np.linalg.norm(p[:, 2] - p[:, 5], axis=-1)], axis=-1)


# ---------------------------------------------------------------------------------------------------------------------
# the network (torch imported lazily: the crop code above is numpy only)
# ---------------------------------------------------------------------------------------------------------------------
HEATMAP_STRIDE = 2


def build_net(width: int = 16):
    import torch
    from torch import nn
    import torch.nn.functional as F

    from .net import Block, ConvBnRelu

    class SoftArgmax(nn.Module):
        """Expected cell-centre coordinates (crop pixels) under softmax(heatmap): [n, k, h, w] -> [n, 2k]."""

        def __init__(self, k: int, h: int, w: int, stride: int):
            super().__init__()
            self.k, self.h, self.w = k, h, w
            ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32),
                                    indexing="ij")
            # cell (r, c) covers crop pixels stride*c .. stride*c + stride - 1: its centre is stride*c + (stride-1)/2
            grid = torch.stack([xs.reshape(-1), ys.reshape(-1)], 1) * stride + (stride - 1) / 2.0   # [h*w, 2]
            self.register_buffer("grid", grid)

        def forward(self, heat):
            p = torch.softmax(heat.reshape(-1, self.k, self.h * self.w), dim=-1)     # [n, k, hw]
            return torch.matmul(p, self.grid).reshape(-1, 2 * self.k)              # [n, 2k]: x0, y0, x1, y1 ...

    class RefinerNet(nn.Module):
        def __init__(self, width: int = width, size: int = CROP_SIZE_PX, k: int = N_POINTS):
            super().__init__()
            c = [width, 2 * width, 3 * width, 4 * width, 6 * width]      # 16 32 48 64 96
            self.stem = nn.Sequential(ConvBnRelu(1, c[0]), ConvBnRelu(c[0], c[0]))   # /1
            self.enc1 = Block(c[0], c[1])          # /2
            self.enc2 = Block(c[1], c[2])          # /4
            self.enc3 = Block(c[2], c[3])          # /8
            self.enc4 = Block(c[3], c[4])          # /16
            self.ctx = Block(c[4], c[4], stride=1, dilation=2)
            self.glob = nn.Conv2d(c[4], c[4], 1)
            self.dec3 = ConvBnRelu(c[4] + c[3], c[3])
            self.dec2 = ConvBnRelu(c[3] + c[2], c[2])
            self.dec1 = ConvBnRelu(c[2] + c[1], c[2])
            self.head = nn.Sequential(ConvBnRelu(c[2], c[2]), nn.Conv2d(c[2], k, 1))
            self.scale_head = nn.Conv2d(c[4], k, 1)
            nn.init.constant_(self.scale_head.bias, 0.0)
            side = size // HEATMAP_STRIDE
            self.softargmax = SoftArgmax(k, side, side, HEATMAP_STRIDE)

        def forward(self, x):
            x1 = self.enc1(self.stem(x))           # /2
            x2 = self.enc2(x1)                     # /4
            x3 = self.enc3(x2)                     # /8
            x4 = self.ctx(self.enc4(x3))           # /16
            g = F.adaptive_avg_pool2d(x4, 1)
            x4 = F.relu(x4 + self.glob(g))
            y = self.dec3(torch.cat([F.interpolate(x4, scale_factor=2.0, mode="nearest"), x3], 1))
            y = self.dec2(torch.cat([F.interpolate(y, scale_factor=2.0, mode="nearest"), x2], 1))
            y = self.dec1(torch.cat([F.interpolate(y, scale_factor=2.0, mode="nearest"), x1], 1))
            heat = self.head(y)                    # [n, k, size/2, size/2]
            points = self.softargmax(heat)
            log_scale = torch.flatten(self.scale_head(g), 1)
            return points, log_scale

    return RefinerNet()


def parameter_count(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


# ---------------------------------------------------------------------------------------------------------------------
# losses (torch): L1 in mm on the points, L1 on the three heights (mm) and on Ha/Hp, Hm/Hp, weighted per vertebra
# ---------------------------------------------------------------------------------------------------------------------
GRADE_WEIGHT = (1.0, 2.0, 3.0, 3.0)      # per true Genant grade: fractured vertebrae weigh more
RATIO_WEIGHT = 25.0                      # a ratio error of 0.04 counts as 1 mm (about 1 mm on a 25 mm body)
LOSS_WEIGHTS = {"points": 1.0, "heights": 1.0, "ratios": 1.0, "scale": 0.1}


def _heights_t(p):
    import torch
    q = p.reshape(-1, N_POINTS, 2)
    return torch.stack([(q[:, 0] - q[:, 3]).norm(dim=-1), (q[:, 1] - q[:, 4]).norm(dim=-1),
                        (q[:, 2] - q[:, 5]).norm(dim=-1)], dim=-1)


def refiner_losses(points, log_scale, target, mm_per_px, grade):
    """points, target: [n, 12] crop px; log_scale: [n, 6]; mm_per_px: [n] (crop pixel size in mm); grade: [n] int.
    Returns a dict of scalar tensors (each a weighted mean over the batch) and 'total'."""
    import torch
    w = torch.tensor(GRADE_WEIGHT, dtype=points.dtype, device=points.device)[grade]
    w = w / w.sum()
    mm = mm_per_px[:, None]
    d = (points - target) * mm                                           # [n, 12] mm
    l_points = (d.abs().mean(dim=1) * w).sum()
    e = d.reshape(-1, N_POINTS, 2).norm(dim=-1)                          # [n, 6] Euclidean error, mm
    h_p, h_t = _heights_t(points) * mm, _heights_t(target) * mm          # [n, 3] mm
    l_heights = ((h_p - h_t).abs().mean(dim=1) * w).sum()
    eps = 1e-3
    r_p = torch.stack([h_p[:, 0] / (h_p[:, 2] + eps), h_p[:, 1] / (h_p[:, 2] + eps)], 1)
    r_t = torch.stack([h_t[:, 0] / (h_t[:, 2] + eps), h_t[:, 1] / (h_t[:, 2] + eps)], 1)
    l_ratios = RATIO_WEIGHT * ((r_p - r_t).abs().mean(dim=1) * w).sum()
    # Laplace negative log-likelihood of the (detached) Euclidean error: the scale head learns how wrong the points are
    s = log_scale.clamp(-6.0, 6.0)
    l_scale = ((e.detach() * torch.exp(-s) + s).mean(dim=1) * w).sum()
    total = (LOSS_WEIGHTS["points"] * l_points + LOSS_WEIGHTS["heights"] * l_heights
             + LOSS_WEIGHTS["ratios"] * l_ratios + LOSS_WEIGHTS["scale"] * l_scale)
    return {"total": total, "points": l_points, "heights": l_heights, "ratios": l_ratios, "scale": l_scale,
            "error_mm": (e.mean(dim=1) * w).sum().detach()}


# ---------------------------------------------------------------------------------------------------------------------
# data: phantoms -> crops with stage-1-like jitter, fractured vertebrae over-sampled
# ---------------------------------------------------------------------------------------------------------------------
JITTER_SHIFT_MM = 3.0       # crop centre moved uniformly within a disc of this radius (stage 1's errors: v1 p95 2.7 mm)
JITTER_ANGLE_DEG = 5.0      # axes turned uniformly within +- this
FRACTURED_SHARE = 0.45      # share of crops drawn from grade >= 1 vertebrae (when the pool has any)


@dataclasses.dataclass
class PhantomRecord:
    """What the refiner needs of one rendered phantom image."""
    image: np.ndarray                  # display image (rows, cols) in [0, 1], float16 or float32
    spacing_mm: float | None           # the spacing the preprocessing uses (row spacing), None without one
    points: np.ndarray                 # (m, 6, 2) true points of the fully visible vertebrae, image px
    grades: np.ndarray                 # (m,) Genant grades
    levels: list                       # (m,) level names
    modality: str
    seed: int


def phantom_record(ph, image_dtype=np.float16) -> PhantomRecord:
    from .targets import vertebra_points
    vs = [v for v in ph.truth["vertebrae"] if v["fully_visible"]]
    spacing = ph.truth.get("pixel_spacing_mm")
    pts = np.array([vertebra_points(v) for v in vs], np.float64).reshape(-1, N_POINTS, 2)
    return PhantomRecord(ph.display_image().astype(image_dtype), float(spacing[0]) if spacing else None, pts,
                         np.array([int(v["genant_grade"]) for v in vs], np.int64), [v["level"] for v in vs],
                         ph.truth["modality"], int(ph.truth["seed"]))


def draw_items(records: list[PhantomRecord], n: int, rng: np.random.Generator,
               fractured_share: float = FRACTURED_SHARE) -> list[tuple[int, int]]:
    """n (record index, vertebra index) pairs: fractured_share of them from grade >= 1 vertebrae (if any)."""
    frac = [(r, v) for r, rec in enumerate(records) for v in range(len(rec.grades)) if rec.grades[v] > 0]
    norm = [(r, v) for r, rec in enumerate(records) for v in range(len(rec.grades)) if rec.grades[v] == 0]
    out = []
    for _ in range(n):
        pool = frac if (frac and (not norm or rng.random() < fractured_share)) else norm
        out.append(pool[int(rng.integers(len(pool)))])
    return out


def make_crop_sample(rec: PhantomRecord, v: int, rng: np.random.Generator | None, augment: bool = True):
    """(crop (size, size) float32, target (12,) crop px, mm per crop pixel, grade) of vertebra v of a record. With rng,
    the frame is jittered (shift within JITTER_SHIFT_MM, angle within JITTER_ANGLE_DEG) and the intensities too."""
    truth = rec.points[v]
    frame = crop_frame(truth, rec.spacing_mm)
    if rng is not None:
        mm_per_native = rec.spacing_mm if rec.spacing_mm else 1.0
        radius = JITTER_SHIFT_MM / mm_per_native * math.sqrt(rng.random())
        phi = rng.uniform(0, 2 * math.pi)
        frame = jittered_frame(frame, np.array([radius * math.cos(phi), radius * math.sin(phi)]),
                               math.radians(rng.uniform(-JITTER_ANGLE_DEG, JITTER_ANGLE_DEG)))
    display = crop_display(rec.image.astype(np.float64), frame)
    if rng is not None and augment:
        display = np.clip(display ** float(np.exp(rng.normal(0, 0.25))) * float(rng.uniform(0.8, 1.15)), 0, 1)
    target = frame.to_crop(truth).reshape(-1)
    mm_per_px = frame.step * (rec.spacing_mm if rec.spacing_mm else 1.0)
    return normalise(display), target.astype(np.float32), float(mm_per_px), int(rec.grades[v])


def make_batch(records, items, rng, augment=True):
    xs, ts, mms, gs = [], [], [], []
    for r, v in items:
        x, t, mm, g = make_crop_sample(records[r], v, rng, augment)
        xs.append(x)
        ts.append(t)
        mms.append(mm)
        gs.append(g)
    return np.stack(xs)[:, None], np.stack(ts), np.array(mms, np.float32), np.array(gs, np.int64)


def export_onnx(model, path_or_file, opset: int = 17) -> None:
    """Folds batch norm (a copy) and exports with a dynamic batch axis; inputs 'image' [n,1,128,128], outputs
    'points' [n,12] and 'log_scale' [n,6]."""
    import copy
    import torch
    from .net import fold_batch_norm
    m = fold_batch_norm(copy.deepcopy(model).eval()).eval()
    x = torch.zeros(1, 1, CROP_SIZE_PX, CROP_SIZE_PX)
    names = [C.REFINER_OUTPUT_POINTS, C.REFINER_OUTPUT_UNCERTAINTY]
    torch.onnx.export(m, x, path_or_file, input_names=[C.INPUT_NAME], output_names=names,
                      dynamic_axes={C.INPUT_NAME: {0: "batch"}, **{n: {0: "batch"} for n in names}},
                      opset_version=opset, do_constant_folding=True)


def fix_output_shapes(path: str) -> None:
    """torch writes the soft-argmax Reshape's width as a symbol; the graph's outputs are [batch, 12] and [batch, 6]."""
    import onnx
    model = onnx.load(path)
    widths = {C.REFINER_OUTPUT_POINTS: 2 * N_POINTS, C.REFINER_OUTPUT_UNCERTAINTY: N_POINTS}
    for out in model.graph.output:
        dim = out.type.tensor_type.shape.dim[1]
        dim.Clear()
        dim.dim_value = widths[out.name]
    onnx.checker.check_model(model)
    onnx.save(model, path)
