"""Views our pipeline must recognise and skip: a chest PA radiograph and a
frontal (AP) spine radiograph. Simple but plausible projections built from
the same primitives and exposure chain as the lateral generator. Their truth
has ``skip_expected: true`` and an empty vertebra list.

    make_chest_pa(rng, **overrides) -> Phantom
    make_frontal_spine(rng, **overrides) -> Phantom

Anatomy frame for frontal views: +x towards the patient's left, +y caudal
(mm). Images are displayed as if facing the patient (patient's right on the
viewer's left).
"""

from __future__ import annotations

import math

import numpy as np

from . import spine as spm
from .common import (GENERATOR, GENERATOR_VERSION, Grid, Phantom, gaussian_blur, make_uid,
                     resolve_seed, sample_field, smoothstep, stamp, substream, text_mask,
                     to_jsonable, upsample)
from .radiograph import CR_UID, DX_UID, to_jsonable_dicom
from .study import patient_study
from .xray import (MU_CORT, MU_SOFT, add_blob, add_tube, catmull_rom, collimation_mask,
                   expose, quantise)

OVERRIDES = ("modality", "photometric", "bits_stored", "pixel_spacing", "rows", "cols", "scale",
             "field_of_view", "study", "series_number", "instance_number", "seed", "include_spacing")


def _params(rng, kind):
    u = rng.random
    P = {
        "modality": "CR" if u() < 0.5 else "DX",
        "_mono1_u": u(), "_bits_u": u(),
        "pixel_spacing": float(rng.choice([0.139, 0.143, 0.148, 0.15, 0.16, 0.175])),
        "rows": int(rng.integers(2300, 3000)),
        "aspect": float(rng.uniform(0.8, 1.0) if kind == "chest" else rng.uniform(0.7, 0.85)),
        "sid_mm": float(rng.uniform(1000, 1800) if kind != "chest" else rng.uniform(1500, 1850)),
        "size": float(rng.uniform(0.88, 1.2)),
        "rotation_deg": float(np.clip(rng.normal(0, 2), -6, 6)),
        "heel": float(rng.uniform(0.05, 0.25)), "heel_axis": 0,
        "spr": float(rng.uniform(0.2, 0.8)), "scatter_mm": float(rng.uniform(25, 50)),
        "glare": float(rng.uniform(0.005, 0.03)),
        "quanta": float(np.exp(rng.uniform(np.log(3e4), np.log(2e5)))),
        "blur_mm": float(rng.uniform(0.08, 0.2)), "drc": float(rng.uniform(0.3, 0.7)),
        "usm_gain": float(rng.uniform(0.2, 1.0)), "drc_mm": float(rng.uniform(35, 80)), "usm_mm": float(rng.uniform(8, 25)),
        "edge_gain": float(rng.uniform(0.0, 0.5)), "tone": float(rng.uniform(1.0, 2.5)),
        "shutter_black": bool(u() < 0.2),
        "col_insets": [float(x) for x in rng.uniform(0.0, 0.06, 4)],
        "collimation": bool(u() < 0.6),
        "scoliosis_mm": float(rng.uniform(-8, 8)),
        "field_of_view": "lumbar" if u() < 0.6 else "thoracolumbar",
        "scale": 1.0, "photometric": None, "bits_stored": None, "cols": None,
        "series_number": int(rng.integers(1, 20)), "instance_number": 1, "study": None,
        "include_spacing": True,
    }
    return P


def _finish(P):
    mod = P["modality"]
    if P["photometric"] is None:
        P["photometric"] = "MONOCHROME1" if P["_mono1_u"] < (0.6 if mod == "CR" else 0.3) else "MONOCHROME2"
    if P["bits_stored"] is None:
        ch = (10, 12) if mod == "CR" else (12, 14, 16)
        P["bits_stored"] = int(ch[int(P["_bits_u"] * len(ch)) % len(ch)])
    if P["cols"] is None:
        P["cols"] = int(np.clip(round(P["rows"] * P["aspect"]), 1500, 2500))
    return P


def _frontal_body(acc, grid, xc, yc, B, H, W, tilt, dens):
    """A vertebral body seen from the front: elliptic-cylinder projection
    (bright lateral cortices), endplate lines, and the two pedicle rings."""
    u = np.array([math.sin(tilt), math.cos(tilt)])
    n = np.array([math.cos(tilt), -math.sin(tilt)])
    c = np.array([xc, yc])
    corners = [c + sx * (B / 2 + 2) * n + sy * (H / 2 + 2) * u for sx in (-1, 1) for sy in (-1, 1)]
    box = grid.box(np.array(corners), 1.0)
    if box is None:
        return
    x, y = grid.coords(box)
    p = (x - c[0]) * n[0] + (y - c[1]) * n[1]
    v = (x - c[0]) * u[0] + (y - c[1]) * u[1]
    pix = grid.mm_per_px
    waist = 1.5 * (1 - (2 * v / H) ** 2)
    half = B / 2 - np.maximum(waist, 0)
    q = np.minimum(np.abs(p) / half, 1)
    prof = np.sqrt(1 - q * q)
    qi = np.minimum(np.abs(p) / np.maximum(half - 1.0, 1), 1)
    profi = np.sqrt(1 - qi * qi)
    inside = np.clip(np.minimum(H / 2 - np.abs(v), half - np.abs(p)) / pix + 0.5, 0, 1)
    plate = np.clip((1.6 - (H / 2 - np.abs(v))) / max(pix, 0.5), 0, 1) * inside
    val = inside * (0.1 * W * profi + (W * prof - (W - 2) * profi)) + 0.6 * plate * W * prof
    r0, r1, c0, c1 = box
    acc[r0:r1, c0:c1] += (dens * MU_CORT * val).astype(acc.dtype)
    # pedicles ("eyes") in the upper lateral parts, spinous process in the middle
    for sx in (-1, 1):
        pc = c + sx * 0.33 * B * n - 0.18 * H * u
        add_blob(acc, grid, pc, u, 0.22 * H + 1, 0.1 * B + 1, dens * MU_CORT * 9, shell=0.45)
    add_blob(acc, grid, c + 0.3 * H * u, u, 0.35 * H, 0.07 * B + 1.5, dens * MU_CORT * 6, shell=0.4)


def _render(kind, seed, P, sp):
    scale = float(P["scale"])
    rows = max(16, int(round(P["rows"] * scale)))
    cols = max(16, int(round(P["cols"] * scale)))
    det_px = round(P["pixel_spacing"] / scale, 6)
    M = P["sid_mm"] / (P["sid_mm"] - 150.0)
    if kind == "chest":
        yc = sp.level_y("T6") + 20
    else:
        yc = sp.level_y("L3" if P["field_of_view"] == "lumbar" else "T12")
    a = math.radians(P["rotation_deg"])
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    # viewer sees the patient's right on the left: +x (patient left) -> right
    A = (M / det_px) * R
    centre = np.array([(cols - 1) / 2, (rows - 1) / 2])
    t = centre - A @ np.array([0.0, yc])
    grid = Grid(rows, cols, A, t)
    kb = max(1, int(round(2.0 / det_px)))
    k = max(1, int(round(0.5 / det_px)))
    gs, gm = grid.coarse(kb), grid.coarse(k)
    s = P["size"]
    ost = 1 - 0.3 * sp.osteopenia
    rng = substream(seed, kind + "-broad")
    # ---------------- soft tissue (coarse)
    x, y = gs.coords()
    yT1, yT10, yL5, yS2 = sp.level_y("T1"), sp.level_y("T10"), sp.level_y("L5"), sp.level_y("S2")
    lam = smoothstep((y - sp.level_y("T11")) / 60)
    pel = smoothstep((y - yL5) / 60)
    neck = smoothstep((yT1 - 20 - y) / 40)
    shoulder = np.clip((yT1 + 30 - y) / 60, 0, 1) * np.clip((y - (yT1 - 90)) / 60, 0, 1)
    halfw = ((150 * (1 - lam) + 135 * lam) * s + 45 * s * pel) * (1 - neck) + 60 * neck
    halfw = halfw + 30 * s * shoulder
    depth = ((210 * (1 - lam) + 220 * lam) * s + 20 * s * pel) * (1 - neck) + 110 * neck
    r = np.abs(x) / halfw
    path = depth * np.sqrt(np.clip(1 - r * r, 0, None))
    body = np.clip((1 - r) * halfw / 2, 0, 1)
    mu = MU_SOFT * path
    # lungs, heart, diaphragm
    dome_r = yT10 - 10 + rng.uniform(-15, 10)
    dome_l = dome_r + rng.uniform(8, 20)
    lungs = np.zeros_like(mu)
    for side, dome in ((-1, dome_r), (1, dome_l)):
        cx = side * 0.5 * halfw
        lw = 0.42 * halfw
        top = yT1 - 35 + 70 * ((x - cx) / lw) ** 2 + 25 * side * (cx - x) / lw
        yd = dome + 45 * ((x - cx) / lw) ** 2
        m = smoothstep((lw - np.abs(x - cx)) / 25) * smoothstep((y - top) / 30) * smoothstep((yd - y) / 6)
        lungs += m * np.clip(1 - ((x - cx) / (lw * 1.3)) ** 2, 0, None) ** 0.5
    heart_cx, heart_cy = 25 * s, dome_r - 55
    heart = np.exp(-(((x - heart_cx) / (70 * s)) ** 2 + ((y - heart_cy) / 60) ** 2) ** 2)
    mu -= 0.8 * MU_SOFT * 150 * s * lungs * (1 - 0.75 * heart)
    mu += MU_SOFT * 40 * np.exp(-((x / 30) ** 2)) * smoothstep((dome_r - y) / 20) * smoothstep((y - yT1) / 20)
    # bowel gas
    field = gaussian_blur(rng.standard_normal((180, 160)).astype(np.float32), 4.0)
    field /= field.std() + 1e-9
    gas = smoothstep((field - 1.2) / 0.5)
    g = sample_field(gas, (-160 * s, yT10 + 40), 2.0, x, y)
    mu -= MU_SOFT * 35 * g * smoothstep((y - (yT10 + 70)) / 30) * body
    soft = mu.astype(np.float32)
    # ---------------- bones (medium)
    med = np.zeros((gm.rows, gm.cols), np.float32)
    spine_x = lambda yy: P["scoliosis_mm"] * math.sin((yy - yT1) / 300 * math.pi)
    # ribs: posterior arcs (strong) and anterior arcs (faint)
    for kk, name in enumerate(spm.THORACIC):
        b = sp.bodies[name]
        y0 = float(b.O[1]) - b.L / 2
        for side in (-1, 1):
            wid = (0.45 + 0.45 * min(kk, 7) / 7) * halfw_at(s, kk)
            post = [(spine_x(y0) + side * 12, y0), (side * 0.55 * wid, y0 - 8 + 2 * kk),
                    (side * 0.95 * wid, y0 + 25 + 3 * kk), (side * 0.98 * wid, y0 + 55 + 5 * kk)]
            add_tube(med, gm, catmull_rom(np.array(post), 14), 4.5 + 0.1 * kk, MU_CORT * 5 * ost, shell=0.3)
            if kk < 10:
                ant = [(side * 0.98 * wid, y0 + 55 + 5 * kk), (side * 0.7 * wid, y0 + 70 + 8 * kk),
                       (side * 0.35 * wid, y0 + 80 + 9 * kk)]
                add_tube(med, gm, catmull_rom(np.array(ant), 8), 5.0, MU_CORT * 1.2 * ost, shell=0.2)
    # clavicles
    for side in (-1, 1):
        cl = [(side * 20, yT1 - 5), (side * 70 * s, yT1 - 15), (side * 140 * s, yT1 - 30)]
        add_tube(med, gm, catmull_rom(np.array(cl), 10), 7, MU_CORT * 4 * ost, shell=0.35)
    # pelvis: iliac wings, sacrum
    yc_crest = sp.level_y("L4")
    for side in (-1, 1):
        add_blob(med, gm, (side * 95 * s, yc_crest + 70), (math.sin(side * 0.5), math.cos(side * 0.5)),
                 80 * s, 55 * s, MU_CORT * 5 * ost)
        crest = [(side * 35, yc_crest + 90), (side * 70 * s, yc_crest + 5), (side * 130 * s, yc_crest + 10),
                 (side * 150 * s, yc_crest + 60)]
        add_tube(med, gm, catmull_rom(np.array(crest), 14), 5, MU_CORT * 5 * ost, shell=0.35)
    add_blob(med, gm, (0.0, sp.level_y("S3")), (0.0, 1.0), 60, 45 * s, MU_CORT * 10 * ost, shell=0.2)
    # ---------------- spine (fine)
    fine = np.zeros((rows, cols), np.float32)
    sdens = ost * (0.6 if kind == "chest" else 1.0)
    for name in spm.LEVELS[:-4]:
        b = sp.bodies[name]
        yy = float(b.O[1])
        slope = P["scoliosis_mm"] * math.pi / 300 * math.cos((yy - yT1) / 300 * math.pi)
        _frontal_body(fine, grid, spine_x(yy), yy, b.B, b.L, b.W, -math.atan(slope), sdens)
        if name.startswith("L"):
            for side in (-1, 1):  # transverse processes
                add_blob(fine, grid, (spine_x(yy) + side * (b.B / 2 + 14), yy - 0.1 * b.L),
                         (1.0, 0.0), 16, 4.5, MU_CORT * 5 * ost, shell=0.3)
    mu = fine + upsample(soft, (rows, cols), kb, smooth=True) + upsample(med, (rows, cols), k)
    bodym = upsample(body.astype(np.float32), (rows, cols), kb)
    insets = P["col_insets"] if P["collimation"] else [0.0] * 4
    colmask = collimation_mask(rows, cols, insets, 0.0, 1.0 / det_px)
    xg, yg = grid.coords()
    ref = (np.abs(xg) < 60) & (bodym > 0.5) & (colmask > 0.5)
    img = expose(mu, grid, det_px, P, substream(seed, kind + "-noise"), colmask, bodym, ref)
    return img, rows, cols, det_px, insets, M


def halfw_at(s, kk):
    return (110 + 40 * min(kk, 8) / 8) * s


def _make(kind, rng, overrides):
    bad = set(overrides) - set(OVERRIDES)
    if bad:
        raise TypeError("unknown overrides: %s" % sorted(bad))
    seed = int(overrides["seed"]) if "seed" in overrides else resolve_seed(rng)
    P = _params(substream(seed, kind + "-params"), kind)
    for kk, v in overrides.items():
        if kk != "seed":
            P[kk] = v
    P = _finish(P)
    sp = spm.make_spine(substream(seed, "spine"))
    img, rows, cols, det_px, insets, M = _render(kind, seed, P, sp)
    photometric, bits = P["photometric"], int(P["bits_stored"])
    pixels, wc, ww = quantise(img, bits, photometric)
    white = (1 << bits) - 1 if photometric == "MONOCHROME2" else 0
    cell = max(1, int(round(1.6 / det_px)))
    m = text_mask("R", cell)
    pad = int(round(15 / det_px))
    stamp(pixels, m, int(insets[0] * rows) + pad, int(insets[2] * cols) + pad, white)
    st = patient_study(seed, P["study"])
    tag = "chest" if kind == "chest" else "frontal"
    series_uid = make_uid(seed, "series", tag, P["series_number"])
    sop_uid = make_uid(seed, "sop", tag, P["instance_number"])
    spacing_attr = "ImagerPixelSpacing" if P["include_spacing"] else None
    truth = {
        "generator": GENERATOR, "generator_version": GENERATOR_VERSION, "seed": seed,
        "modality": P["modality"], "weighting": None,
        "view": "chest-pa" if kind == "chest" else "frontal",
        "field_of_view": "thoracic" if kind == "chest" else P["field_of_view"],
        "skip_expected": True,
        "skip_reason": "not a spine view (chest PA)" if kind == "chest" else "frontal (AP) spine view, not lateral",
        "rows": rows, "columns": cols,
        "pixel_spacing_mm": [det_px, det_px] if P["include_spacing"] else None,
        "spacing_attribute": spacing_attr, "slice_index": None,
        "study_instance_uid": st["study_instance_uid"], "series_instance_uid": series_uid,
        "sop_instance_uid": sop_uid, "vertebrae": [],
    }
    if kind == "chest":
        body_part, view_pos, desc = "CHEST", "PA", "CHEST PA"
    else:
        body_part = "LSPINE" if P["field_of_view"] == "lumbar" else "SPINE"
        view_pos, desc = "AP", "%s AP" % body_part
    dicom = {
        "kind": "radiograph", "modality": P["modality"],
        "sop_class_uid": CR_UID if P["modality"] == "CR" else DX_UID,
        "photometric": photometric, "bits_stored": bits, "pixel_representation": 0,
        "spacing_attribute": spacing_attr, "pixel_spacing": [det_px, det_px],
        "window_center": wc, "window_width": ww,
        "view_position": view_pos, "patient_orientation": ["L", "F"] if kind == "chest" else ["L", "F"],
        "body_part": body_part, "series_description": desc,
        "study_description": st["study_description"] or ("XR CHEST" if kind == "chest" else "XR SPINE"),
        "series_number": int(P["series_number"]), "instance_number": int(P["instance_number"]),
        "series_instance_uid": series_uid, "sop_instance_uid": sop_uid, "study": st,
        "kvp": 110.0 if kind == "chest" else 80.0, "exposure_mas": 4.0 if kind == "chest" else 25.0,
        "sid_mm": P["sid_mm"], "sod_mm": P["sid_mm"] - 150.0, "magnification": M,
        "detector_element_mm": det_px, "burned_in_annotation": True,
    }
    return Phantom(pixels=pixels, dicom=to_jsonable_dicom(dicom), truth=to_jsonable(truth))


def make_chest_pa(rng=None, **overrides) -> Phantom:
    """Chest PA radiograph (must be skipped by the spine pipeline)."""
    return _make("chest", rng, overrides)


def make_frontal_spine(rng=None, **overrides) -> Phantom:
    """Frontal (AP) lumbar/thoracolumbar spine radiograph (must be skipped)."""
    return _make("frontal", rng, overrides)
