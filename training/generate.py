#!/usr/bin/python3
"""Write a reproducible set of phantoms for training or evaluation.

    /usr/bin/python3 training/generate.py --out DIR --count N --seed S \
        [--modality CR|DX|MR|mix|chest|frontal] [--scale F] [--format dicom|npz] \
        [--syntax explicit|implicit|jpeg-lossless] [--jobs J] [--check] [--preview]

Seed scheme: phantom i (0 <= i < N) of a run with --seed S uses the phantom
seed S * 100003 + i, which is also stored as "seed" in its truth. Training
uses S in 1..999; evaluation uses S >= 100000, so the two can never share a
phantom as long as N < 100003.

Output per phantom (name = <i:06d>-<kind>):
  dicom: <name>.dcm and <name>.json (the truth); MR writes one file pair per
         slice, <i:06d>-mr-<T1|T2|STIR>-s<kk>.
  npz:   <name>.npz with "image" (float32 [0,1], bone/marrow bright, after the
         phantom's own window and MONOCHROME1 inversion: what a viewer
         shows) and "truth" (the truth JSON as a string).
and index.jsonl (one line per file: name, seed, modality, weighting, view).

--scale applies to radiographs (e.g. 0.2 gives ~ 500 x 400 pixels); MR is
written at its native matrix (256-512).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from phantoms import (check_phantom, make_chest_pa, make_frontal_spine, make_mr_study,  # noqa: E402
                      make_radiograph, write_dicom)
from phantoms.common import substream  # noqa: E402

SEED_STRIDE = 100003
MIX = (("CR", 0.4), ("DX", 0.4), ("MR", 0.1), ("chest", 0.05), ("frontal", 0.05))


def phantom_seed(run_seed: int, i: int) -> int:
    return run_seed * SEED_STRIDE + i


def pick_kind(modality: str, seed: int) -> str:
    if modality != "mix":
        return modality
    u = substream(seed, "generate-mix").random()
    acc = 0.0
    for kind, p in MIX:
        acc += p
        if u < acc:
            return kind
    return MIX[-1][0]


def make(kind: str, seed: int, scale: float):
    """[(name suffix, Phantom)] for one index."""
    if kind in ("CR", "DX"):
        return [(kind.lower(), make_radiograph(seed, modality=kind, scale=scale))]
    if kind == "chest":
        return [("chest", make_chest_pa(seed, scale=scale))]
    if kind == "frontal":
        return [("frontal", make_frontal_spine(seed, scale=scale))]
    if kind == "MR":
        out = []
        for w, series in make_mr_study(seed).items():
            for k, ph in enumerate(series):
                out.append(("mr-%s-s%02d" % (w, k), ph))
        return out
    raise ValueError("unknown modality %r" % kind)


def one(args_tuple):
    i, a = args_tuple
    seed = phantom_seed(a["seed"], i)
    kind = pick_kind(a["modality"], seed)
    lines = []
    items = make(kind, seed, a["scale"])
    n_slices = sum(1 for s, _ in items if s.startswith("mr-T1")) or 1
    for suffix, ph in items:
        name = "%06d-%s" % (i, suffix)
        if a["check"]:
            errs = check_phantom(ph)
            if errs:
                raise RuntimeError("%s: %s" % (name, "; ".join(errs[:5])))
        base = os.path.join(a["out"], name)
        if a["format"] == "dicom":
            write_dicom(ph, base + ".dcm", a["syntax"])
            with open(base + ".json", "w") as f:
                f.write(ph.truth_json())
        else:
            np.savez_compressed(base + ".npz", image=ph.display_image(),
                                truth=np.array(json.dumps(ph.truth)))
        if a["preview"]:
            from phantoms.preview import render_preview
            if ph.truth["slice_index"] is None or ph.truth["slice_index"] == n_slices // 2:
                render_preview(ph, base + ".png")
        t = ph.truth
        lines.append(json.dumps({"name": name, "seed": seed, "modality": t["modality"],
                                 "weighting": t["weighting"], "view": t["view"],
                                 "skip_expected": t["skip_expected"]}))
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--modality", default="mix", choices=["CR", "DX", "MR", "mix", "chest", "frontal"])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--format", default="dicom", choices=["dicom", "npz"])
    ap.add_argument("--syntax", default="explicit", choices=["explicit", "implicit", "jpeg-lossless"])
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="validate every truth (slower)")
    ap.add_argument("--preview", action="store_true", help="also write PNG previews with the points")
    a = ap.parse_args(argv)
    if not 0 < a.count < SEED_STRIDE:
        ap.error("--count must be in 1..%d" % (SEED_STRIDE - 1))
    os.makedirs(a.out, exist_ok=True)
    opts = dict(vars(a))
    t0 = time.time()
    work = [(i, opts) for i in range(a.count)]
    if a.jobs > 1:
        import multiprocessing as mp
        with mp.Pool(a.jobs) as pool:
            results = pool.map(one, work, chunksize=1)
    else:
        results = [one(w) for w in work]
    with open(os.path.join(a.out, "index.jsonl"), "w") as f:
        for lines in results:
            for line in lines:
                f.write(line + "\n")
    n = sum(len(r) for r in results)
    print("wrote %d files for %d phantoms to %s in %.1f s" % (n, a.count, a.out, time.time() - t0))


if __name__ == "__main__":
    main()
