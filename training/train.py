#!/usr/bin/python3
"""Trains the landmark model on a phantom cache, deterministically (fixed seeds, single-threaded data order).

    /usr/bin/python3 training/train.py --cache training/cache/train --steps 3000 --out training/runs/v1
Writes checkpoint.pt and train-log.tsv (step, loss terms, seconds) into --out.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plaomodel.net import LandmarkNet  # noqa: E402
from plaomodel.contract import NORM_DIVIDE, NORM_SUBTRACT  # noqa: E402
from plaomodel.preprocess import GRID_W, PAD_VALUE  # noqa: E402
from plaomodel.targets import make_targets  # noqa: E402


def load(path):
    z = np.load(path)
    return z["x"].astype(np.float32), z["points"], z["level"], z["visible"]


def augment(x, points, rng):
    """Horizontal flip (patients face either way on a lateral view; anterior stays anterior), contrast and gamma jitter."""
    if rng.random() < 0.5:
        width = int((x[0] > PAD_VALUE).sum()) or GRID_W        # image part of the first row (padding is right/bottom)
        part = x[:, :width][:, ::-1].copy()
        x = x.copy()
        x[:, :width] = part
        points = points.copy()
        points[..., 0] = width - 1 - points[..., 0]
    image = x > PAD_VALUE
    v = (x * NORM_DIVIDE + NORM_SUBTRACT).clip(0, 1)   # back to display [0, 1]
    v = v ** float(np.exp(rng.normal(0, 0.25)))
    v = (v - 0.5) * float(rng.uniform(0.7, 1.3)) + 0.5 + float(rng.normal(0, 0.05))
    x = np.where(image, (v - NORM_SUBTRACT) / NORM_DIVIDE, x).astype(np.float32)
    return x, points


def batch(paths, rng):
    xs, ts = [], []
    for p in paths:
        x, pts, lvl, vis = load(p)
        x, pts = augment(x, pts, rng)
        xs.append(x)
        ts.append(make_targets([(pts[i].astype(np.float64), int(lvl[i]), bool(vis[i])) for i in range(len(lvl))]))
    stack = {k: torch.from_numpy(np.stack([t[k] for t in ts])) for k in ts[0]}
    return torch.from_numpy(np.stack(xs))[:, None], stack


def focal_loss(logits, heat, weight):
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = heat.eq(1).float()
    neg = (1 - pos) * weight
    pos_loss = torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = torch.log(1 - p) * p ** 2 * (1 - heat) ** 4 * neg
    n = pos.sum().clamp(min=1)
    return -(pos_loss.sum() + neg_loss.sum()) / n


def gather(feature, index):
    n, c, h, w = feature.shape
    flat = feature.view(n, c, h * w).permute(0, 2, 1)           # n, hw, c
    return flat.gather(1, index[..., None].expand(-1, -1, c))   # n, k, c


def losses(out, t):
    heat_logits, offsets, levels = out
    l_heat = focal_loss(heat_logits[:, 0], t["heat"], t["weight"])
    mask = t["mask"][..., None]
    reg = gather(offsets, t["index"])
    l_reg = (F.smooth_l1_loss(reg, t["reg"], reduction="none", beta=0.05) * mask).sum() / (mask.sum() * 14).clamp(min=1)
    lv = gather(levels, t["index"])
    ce = F.cross_entropy(lv.reshape(-1, lv.shape[-1]), t["level"].reshape(-1), reduction="none")
    l_lvl = (ce * t["mask"].reshape(-1)).sum() / t["mask"].sum().clamp(min=1)
    return l_heat, l_reg, l_lvl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True, nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--resume", help="start from this checkpoint's weights (a new learning-rate cycle)")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    rng = np.random.default_rng(a.seed)
    paths = sorted(p for c in a.cache for p in glob.glob(os.path.join(c, "*.npz")))
    if not paths:
        sys.exit("no cached samples")
    os.makedirs(a.out, exist_ok=True)
    model = LandmarkNet().to(a.device)
    earlier = {"steps": 0, "seconds": 0.0}
    if a.resume:
        state = torch.load(a.resume, map_location=a.device)
        model.load_state_dict(state["model"])
        earlier = {"steps": state.get("total_steps", state["step"]), "seconds": state.get("total_seconds", state["seconds"])}
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.steps, pct_start=0.05)
    log = open(os.path.join(a.out, "train-log.tsv"), "w")
    log.write("step\tloss\theat\treg\tlevel\tseconds\n")
    start = time.time()
    order = rng.permutation(len(paths))
    at = 0
    model.train()
    for step in range(1, a.steps + 1):
        if at + a.batch > len(order):
            order, at = rng.permutation(len(paths)), 0
        x, t = batch([paths[i] for i in order[at:at + a.batch]], rng)
        at += a.batch
        x = x.to(a.device)
        t = {k: v.to(a.device) for k, v in t.items()}
        l_heat, l_reg, l_lvl = losses(model(x), t)
        loss = l_heat + 5.0 * l_reg + 0.5 * l_lvl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        if step % 25 == 0 or step == 1:
            line = f"{step}\t{loss.item():.4f}\t{l_heat.item():.4f}\t{l_reg.item():.4f}\t{l_lvl.item():.4f}\t{time.time() - start:.1f}"
            log.write(line + "\n")
            log.flush()
            print(line, flush=True)
        if step % 500 == 0 or step == a.steps:
            torch.save({"model": model.state_dict(), "step": step, "args": vars(a), "samples": len(paths),
                        "seconds": time.time() - start, "total_steps": earlier["steps"] + step,
                        "total_seconds": earlier["seconds"] + time.time() - start}, os.path.join(a.out, "checkpoint.pt"))
    print(f"done: {a.steps} steps in {time.time() - start:.0f} s on {a.device}")


if __name__ == "__main__":
    main()
