#!/usr/bin/python3
"""Trains the stage-2 refiner (plaomodel/refiner.py) on crops of phantom vertebrae; resumable and deterministic.

    # 1. render the phantoms once (native resolution, what the crops are cut from; git-ignored cache)
    /usr/bin/python3 training/train_refiner.py render --out training/cache/refiner/train --radiographs 1 60 --mr 50000 12
    /usr/bin/python3 training/train_refiner.py render --out training/cache/refiner/val --radiographs 90000 8 --mr 95000 4
    # 2. train; checkpoint every --save-every steps to --checkpoint, resumed from it when it exists
    /usr/bin/python3 training/train_refiner.py train --cache training/cache/refiner/train --val training/cache/refiner/val \
        --checkpoint training/runs/refiner-smoke/checkpoint.pt --steps 300 --batch 16 --save-every 100

Seeds: radiographs 1-1500 and MR series 50000-50119 are the landmark model's training seeds (the refiner may share
them); 90000-94999 (radiographs) and 95000-99999 (MR) are the refiner's validation seeds, never used by either
training nor by the evaluation (100000 and up). A radiograph is rendered at a scale drawn from its seed in
--scale-range (0.3-0.45 by default: 0.22-0.67 mm per pixel, so a 0.5 mm crop pixel is mostly not upsampled); an MR
series gives its central slices (those cutting the most bodies through their middle).

Determinism: the crops of step s depend only on (--seed, s) (numpy Generator seeded with [seed, s]); the model has no
random layers; so a run resumed from a checkpoint continues exactly as the uninterrupted run would (the checkpoint
holds the model, the optimiser and the step; the learning rate is a function of the step). Logs: <checkpoint
dir>/refiner-log.tsv (training losses) and refiner-val.tsv (validation crops: fixed jitter, no intensity
augmentation).
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import sys
import time
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plaomodel import refiner as R  # noqa: E402


# ---------------------------------------------------------------------------------------------------------------------
# rendering the cache
# ---------------------------------------------------------------------------------------------------------------------
def _render(job):
    kind, seed, out, scale_range = job
    path = os.path.join(out, f"{kind}-{seed:06d}.npz")
    if os.path.exists(path):
        return path, 0
    import phantoms
    from plaomodel.samples import central_slices
    rng = np.random.default_rng([seed, 7])
    if kind == "xr":
        phs = [phantoms.make_radiograph(seed, scale=float(rng.uniform(*scale_range)))]
    else:
        series = phantoms.make_mr_series(seed, ["T1", "T2", "STIR"][seed % 3])
        phs = [series[int(i)] for i in central_slices(series)]
    recs = [R.phantom_record(ph) for ph in phs]
    recs = [r for r in recs if len(r.grades)]
    tmp = path + ".tmp.npz"
    np.savez_compressed(tmp, **{f"{k}_{n}": v for n, r in enumerate(recs) for k, v in _record_arrays(r).items()},
                        count=np.int64(len(recs)))
    os.replace(tmp, path)
    return path, len(recs)


def _record_arrays(r: R.PhantomRecord) -> dict:
    return {"image": r.image, "spacing": np.float64(r.spacing_mm if r.spacing_mm else 0.0), "points": r.points,
            "grades": r.grades, "levels": np.array(r.levels), "modality": np.array(r.modality), "seed": np.int64(r.seed)}


def load_records(directory: str) -> list[R.PhantomRecord]:
    recs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.npz"))):
        z = np.load(path)
        for n in range(int(z["count"])):
            sp = float(z[f"spacing_{n}"])
            recs.append(R.PhantomRecord(z[f"image_{n}"], sp if sp > 0 else None, z[f"points_{n}"], z[f"grades_{n}"],
                                        [str(s) for s in z[f"levels_{n}"]], str(z[f"modality_{n}"]),
                                        int(z[f"seed_{n}"])))
    return recs


def render_main(a):
    os.makedirs(a.out, exist_ok=True)
    jobs = []
    if a.radiographs:
        first, count = a.radiographs
        jobs += [("xr", s, a.out, tuple(a.scale_range)) for s in range(first, first + count)]
    if a.mr:
        first, count = a.mr
        jobs += [("mr", s, a.out, tuple(a.scale_range)) for s in range(first, first + count)]
    start = time.time()
    with Pool(a.jobs) as pool:
        for n, (path, k) in enumerate(pool.imap(_render, jobs)):
            if (n + 1) % 10 == 0 or n + 1 == len(jobs):
                print(f"{n + 1}/{len(jobs)} rendered ({time.time() - start:.0f} s)", flush=True)


# ---------------------------------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------------------------------
def learning_rate(step: int, total: int, base: float, warmup: int) -> float:
    """Linear warm-up then cosine to 5 % of base; a function of the step only (so resuming needs no scheduler)."""
    if step < warmup:
        return base * (step + 1) / warmup
    t = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))


def validation_batch(records, n: int, seed: int):
    """Fixed validation crops: n vertebrae (45 % fractured), jitter drawn once from the seed, no intensity change."""
    rng = np.random.default_rng([seed, 999_999_937])
    items = R.draw_items(records, n, rng)
    return R.make_batch(records, items, rng, augment=False), items


def evaluate_batch(model, batch, torch, chunk: int = 32) -> dict:
    x, t, mm, g = batch
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            outs.append(model(torch.from_numpy(x[i:i + chunk]))[0].numpy())
    model.train()
    p = np.concatenate(outs).astype(np.float64)
    mmv = mm[:, None].astype(np.float64)
    err = np.linalg.norm((p - t).reshape(-1, R.N_POINTS, 2), axis=-1) * mmv        # [n, 6] mm
    hp, ht = R.heights_np(p) * mmv, R.heights_np(t) * mmv
    rp = np.stack([hp[:, 0] / hp[:, 2], hp[:, 1] / hp[:, 2]], 1)
    rt = np.stack([ht[:, 0] / ht[:, 2], ht[:, 1] / ht[:, 2]], 1)
    frac = g > 0
    out = {"point_mm_median": float(np.median(err)), "point_mm_p95": float(np.percentile(err, 95)),
           "height_mm_median": float(np.median(np.abs(hp - ht))), "ratio_abs_mean": float(np.abs(rp - rt).mean())}
    if frac.any():
        out["point_mm_median_fractured"] = float(np.median(err[frac]))
        out["ratio_abs_mean_fractured"] = float(np.abs(rp - rt)[frac].mean())
    return out


def save_checkpoint(path, model, opt, step, args, seconds):
    import torch
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "args": args,
                "seconds": seconds, "parameters": R.parameter_count(model)}, tmp)
    os.replace(tmp, path)


def train(records, val_records, a, log=print):
    """The training loop (also used by the tests on synthetic records). Returns the list of logged loss rows."""
    import torch
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    model = R.build_net(a.width)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    step, seconds = 0, 0.0
    if a.checkpoint and os.path.exists(a.checkpoint):
        state = torch.load(a.checkpoint, map_location="cpu")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, seconds = int(state["step"]), float(state["seconds"])
        log(f"resumed from {os.path.basename(a.checkpoint)} at step {step}")
    elif getattr(a, "init", None):
        # A new schedule from committed weights (training/checkpoints/*.pt hold the model only, not the optimiser).
        model.load_state_dict(torch.load(a.init, map_location="cpu")["model"])
        log(f"initialised from {os.path.basename(a.init)}")
    out_dir = os.path.dirname(os.path.abspath(a.checkpoint)) if a.checkpoint else None
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    train_log = open(os.path.join(out_dir, "refiner-log.tsv"), "a") if out_dir else None
    val_log = open(os.path.join(out_dir, "refiner-val.tsv"), "a") if out_dir and val_records else None
    if train_log and step == 0:
        train_log.write("step\tlr\ttotal\tpoints_mm\theights_mm\tratios\tscale\terror_mm\tseconds\n")
    val = validation_batch(val_records, a.val_crops, a.seed)[0] if val_records else None
    if val_log and step == 0:
        val_log.write("step\t" + "\t".join(VAL_KEYS) + "\n")
        v = evaluate_batch(model, val, torch)
        val_log.write("0\t" + "\t".join(f"{v.get(k, float('nan')):.4f}" for k in VAL_KEYS) + "\n")
        val_log.flush()
        log("val step 0 " + json.dumps({k: round(x, 3) for k, x in v.items()}))
    rows = []
    model.train()
    start = time.time()
    while step < a.steps:
        rng = np.random.default_rng([a.seed, step])
        items = R.draw_items(records, a.batch, rng)
        x, t, mm, g = R.make_batch(records, items, rng, augment=True)
        lr = learning_rate(step, a.steps, a.lr, a.warmup)
        for group in opt.param_groups:
            group["lr"] = lr
        points, log_scale = model(torch.from_numpy(x))
        terms = R.refiner_losses(points, log_scale, torch.from_numpy(t), torch.from_numpy(mm), torch.from_numpy(g))
        opt.zero_grad(set_to_none=True)
        terms["total"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        row = {k: float(v) for k, v in terms.items()}
        rows.append(row)
        if step % a.log_every == 0 or step == 1:
            line = (f"{step}\t{lr:.2e}\t{row['total']:.4f}\t{row['points']:.4f}\t{row['heights']:.4f}\t{row['ratios']:.4f}"
                    f"\t{row['scale']:.4f}\t{row['error_mm']:.4f}\t{seconds + time.time() - start:.1f}")
            log(line)
            if train_log:
                train_log.write(line + "\n")
                train_log.flush()
        if val is not None and (step % a.val_every == 0 or step == a.steps):
            v = evaluate_batch(model, val, torch)
            if val_log:
                val_log.write(f"{step}\t" + "\t".join(f"{v.get(k, float('nan')):.4f}" for k in VAL_KEYS) + "\n")
                val_log.flush()
            log(f"val step {step} " + json.dumps({k: round(x, 3) for k, x in v.items()}))
        if a.checkpoint and (step % a.save_every == 0 or step == a.steps):
            save_checkpoint(a.checkpoint, model, opt, step, vars(a), seconds + time.time() - start)
        if a.stop_after and step >= a.stop_after:
            log(f"stopping at step {step} (--stop-after); resume with the same command")
            break
    return model, rows


VAL_KEYS = ["point_mm_median", "point_mm_p95", "height_mm_median", "ratio_abs_mean", "point_mm_median_fractured",
            "ratio_abs_mean_fractured"]


def train_main(a):
    records = [r for d in a.cache for r in load_records(d)]
    if not records:
        sys.exit("no rendered phantoms (run the render command first)")
    val_records = [r for d in (a.val or []) for r in load_records(d)]
    n_vert = sum(len(r.grades) for r in records)
    n_frac = sum(int((r.grades > 0).sum()) for r in records)
    print(f"{len(records)} images, {n_vert} fully visible vertebrae ({n_frac} fractured); "
          f"validation {len(val_records)} images", flush=True)
    start = time.time()
    train(records, val_records, a, log=lambda s: print(s, flush=True))
    print(f"done in {time.time() - start:.0f} s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render")
    r.add_argument("--out", required=True)
    r.add_argument("--radiographs", type=int, nargs=2, metavar=("FIRST", "COUNT"))
    r.add_argument("--mr", type=int, nargs=2, metavar=("FIRST", "COUNT"))
    r.add_argument("--scale-range", type=float, nargs=2, default=(0.3, 0.45))
    r.add_argument("--jobs", type=int, default=2)
    t = sub.add_parser("train")
    t.add_argument("--cache", required=True, nargs="+")
    t.add_argument("--val", nargs="*")
    t.add_argument("--checkpoint", required=True, help="written every --save-every steps; resumed from when it exists")
    t.add_argument("--init", help="start a new run from these model weights (a committed training/checkpoints/*.pt)")
    t.add_argument("--steps", type=int, default=300, help="total steps of the run (the schedule's length)")
    t.add_argument("--stop-after", type=int, default=0, help="stop at this step (to train in chunks); 0: at --steps")
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--warmup", type=int, default=20)
    t.add_argument("--width", type=int, default=16)
    t.add_argument("--seed", type=int, default=20261206)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--save-every", type=int, default=100)
    t.add_argument("--log-every", type=int, default=10)
    t.add_argument("--val-every", type=int, default=50)
    t.add_argument("--val-crops", type=int, default=128)
    a = ap.parse_args()
    render_main(a) if a.command == "render" else train_main(a)


if __name__ == "__main__":
    main()
