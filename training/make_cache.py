#!/usr/bin/python3
"""Renders phantoms for training into a cache of .npz files (model input as float16 plus vertebra truth).

    /usr/bin/python3 training/make_cache.py --out training/cache/train --first 1 --count 1500 --jobs 2
    /usr/bin/python3 training/make_cache.py --out training/cache/train --first 50000 --count 300 --jobs 2
Seeds below 50000 give one radiograph each, seeds from 50000 one MR series (three slices). Training uses seeds
1-19999 and 50000-99999; the sample data uses 20001-20009; evaluation seeds start at 100000.
"""
from __future__ import annotations

import argparse
import os
import sys
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plaomodel.samples import training_samples  # noqa: E402


def one(args):
    seed, out = args
    done = os.path.join(out, f"{seed:06d}.done")
    if os.path.exists(done):
        return done
    for k, (x, verts, modality, fov) in enumerate(training_samples(seed)):
        pts = np.array([v[0] for v in verts], np.float32).reshape(-1, 6, 2)
        np.savez_compressed(os.path.join(out, f"{seed:06d}-{k}.npz"), x=x[0, 0].astype(np.float16), points=pts,
                            level=np.array([v[1] for v in verts], np.int64),
                            visible=np.array([v[2] for v in verts], bool), modality=modality, fov=str(fov))
    open(done, "w").close()
    return done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--count", type=int, default=1500)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    if a.first + a.count > 100000 or (a.first <= 20999 and a.first + a.count > 20000):
        sys.exit("training seeds must stay below 100000 (evaluation) and outside 20000-20999 (sample data)")
    os.makedirs(a.out, exist_ok=True)
    with Pool(a.jobs) as pool:
        for i, _ in enumerate(pool.imap_unordered(one, [(s, a.out) for s in range(a.first, a.first + a.count)], chunksize=4)):
            if (i + 1) % 100 == 0:
                print(f"{i + 1}/{a.count}", flush=True)


if __name__ == "__main__":
    main()
