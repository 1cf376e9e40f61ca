"""Lateral spine radiograph phantom (CR / DX) with exact morphometry truth.

    make_radiograph(rng, **overrides) -> Phantom

The spine (spine.make_spine) is projected laterally with geometric
magnification onto a detector; around it we model the soft-tissue envelope,
lungs, diaphragm domes, heart, breasts, arms, scapulae, ribs (both sides,
doubled by magnification), iliac wings, femoral heads and bowel gas. The
exposure chain adds heel effect, scatter, detector blur, quantum noise, a log
transform and vendor-like processing; then collimation, bit depth,
MONOCHROME1/2 and burned-in markers.

Anatomy is drawn from one random stream and rendering parameters from
another, so the ``scale`` override renders exactly the same phantom at a
lower resolution (truth coordinates in that grid).
"""

from __future__ import annotations

import math

import numpy as np

from . import spine as spm
from .common import (GENERATOR, GENERATOR_VERSION, Grid, Phantom, make_uid, resolve_seed,
                     smoothstep, stamp, substream, text_mask, to_jsonable, upsample)
from .study import patient_study
from .xray import (MU_CORT, MU_SOFT, add_blob, add_tube, body_xray, catmull_rom,
                   collimation_contains, collimation_mask, disc_xray, expose, quantise,
                   trabecular_tile)

CR_UID = "1.2.840.10008.5.1.4.1.1.1"
DX_UID = "1.2.840.10008.5.1.4.1.1.1.1"

FIELDS = ("thoracic", "lumbar", "thoracolumbar")
_FIELD_TARGET = {"thoracic": "T7", "lumbar": "L3", "thoracolumbar": "T12"}
_FIELD_HEIGHT = {"thoracic": (380, 430), "lumbar": (300, 400), "thoracolumbar": (400, 430)}
_SPACINGS = (0.1, 0.125, 0.139, 0.143, 0.148, 0.15, 0.16, 0.168, 0.175, 0.2)

#: overrides accepted by make_radiograph (anything else raises TypeError)
OVERRIDES = (
    "modality", "field_of_view", "facing", "rotation_deg", "photometric", "bits_stored",
    "pixel_spacing", "rows", "cols", "scale", "osteopenia", "scenario", "fractures",
    "include_spacing", "markers", "collimation", "patient_size", "study", "series_number",
    "instance_number", "seed",
)


def _draw_params(rng) -> dict:
    """Every rendering parameter, drawn in a fixed order."""
    u = rng.random
    P = {}
    P["modality"] = "CR" if u() < 0.5 else "DX"
    P["field_of_view"] = FIELDS[int(np.searchsorted([0.3, 0.7], u(), side="right"))]
    P["facing"] = "left" if u() < 0.8 else "right"
    P["rotation_deg"] = float(np.clip(rng.normal(0, 4), -10, 10))
    P["_mono1_u"] = u()
    P["_bits_u"] = u()
    P["pixel_spacing"] = float(_SPACINGS[int(rng.integers(len(_SPACINGS)))])
    P["_field_u"] = u()
    P["aspect"] = float(rng.uniform(0.72, 0.88))
    P["sid_mm"] = float(rng.uniform(1000, 1800))
    P["oid_mm"] = float(rng.uniform(140, 220))
    P["patient_size"] = float(rng.uniform(0.85, 1.35))
    P["x_offset_mm"] = float(rng.uniform(-10, 25))
    P["y_offset_mm"] = float(rng.uniform(-20, 20))
    P["collimation"] = bool(u() < 0.65)
    P["col_insets"] = [float(x) for x in rng.uniform(0.0, 0.07, 4)]
    P["col_angle_deg"] = float(rng.uniform(-1.5, 1.5))
    P["shutter_black"] = bool(u() < 0.25)
    P["heel"] = float(rng.uniform(0.05, 0.3) * (1 if u() < 0.5 else -1))
    P["heel_axis"] = 0 if u() < 0.7 else 1
    P["spr"] = float(rng.uniform(0.3, 1.2))
    P["scatter_mm"] = float(rng.uniform(25, 50))
    P["glare"] = float(rng.uniform(0.005, 0.03))
    P["quanta"] = float(np.exp(rng.uniform(np.log(1.5e4), np.log(1.5e5))))
    P["blur_mm"] = float(rng.uniform(0.08, 0.2))
    P["drc"] = float(rng.uniform(0.45, 0.8))
    P["usm_gain"] = float(rng.uniform(0.2, 1.0))
    P["drc_mm"] = float(rng.uniform(35, 80))
    P["usm_mm"] = float(rng.uniform(8, 25))
    P["edge_gain"] = float(rng.uniform(0.0, 0.6))
    P["tone"] = float(rng.uniform(0.8, 2.2))
    P["markers"] = bool(u() < 0.85)
    P["marker_corner"] = int(rng.integers(4))
    P["marker_extra"] = bool(u() < 0.35)
    P["bowel"] = float(u())
    P["humeri"] = bool(u() < 0.5)
    P["tilt_deg"] = float(rng.uniform(0, 3))
    P["trab_spacing_mm"] = float(rng.uniform(0.6, 1.0))
    P["tex_amp"] = float(rng.uniform(0.25, 0.5))
    P["breast"] = float(rng.uniform(0.4, 1.2))
    P["dome_mm"] = float(rng.uniform(-15, 10))
    P["dome_gap_mm"] = float(rng.uniform(8, 20))
    P["kvp"] = float(rng.integers(80, 101))
    P["mas"] = float(rng.uniform(20, 80))
    P["include_spacing"] = True
    P["scale"] = 1.0
    P["rows"] = None
    P["cols"] = None
    P["photometric"] = None
    P["bits_stored"] = None
    P["series_number"] = int(rng.integers(1, 20))
    P["instance_number"] = 1
    P["study"] = None
    return P


# --------------------------------------------------------------------------
# Broad (low-resolution) anatomy
# --------------------------------------------------------------------------

class _Profiles:
    """Spine-relative soft-tissue profiles as functions of height y."""

    def __init__(self, sp: spm.Spine, P: dict):
        self.sp = sp
        y = sp.level_y
        self.yT1, self.yT2, self.yC6 = y("T1"), y("T2"), y("C6")
        self.yT4, self.yT9, self.yT10 = y("T4"), y("T9"), y("T10")
        self.yT11, self.yL2, self.yL5, self.yS2 = y("T11"), y("L2"), y("L5"), y("S2")
        self.yL1, self.yS4 = y("L1"), y("S4")
        self.size = P["patient_size"]
        self.breast = P["breast"]

    def lumbar(self, y):
        return smoothstep((y - self.yT11) / (self.yL2 - self.yT11))

    def pelvis(self, y):
        return smoothstep((y - self.yL5) / (self.yS2 - self.yL5))

    def neck(self, y):
        return smoothstep((self.yT2 - y) / (self.yT2 - self.yC6))

    def edges(self, y, breast=True):
        """(x_back, x_front, lateral width) of the torso at height y."""
        sp = self.sp
        xs = sp.spine_x_at(y)
        W = sp.depth_at(y)
        s = self.size
        lam, pel, nk = self.lumbar(y), self.pelvis(y), self.neck(y)
        back = (50 + 25 * lam) * s + 35 * s * pel
        front = (125 + 10 * lam) * s * (1 - 0.25 * pel) + 20 * (s - 1) * 100 / 35 * lam
        bump = np.exp(-(((y - 0.5 * (self.yT4 + self.yT9)) / (0.35 * (self.yT9 - self.yT4))) ** 2))
        if breast:
            front = front + 45 * self.breast * s * bump
        back = back * (1 - nk) + 55 * nk
        front = front * (1 - nk) + 45 * nk
        width = (270 * (1 - lam) + 250 * lam) * s + 50 * s * pel
        width = width * (1 - nk) + 115 * nk
        return xs - W / 2 - back, xs + W / 2 + front, width


def _ribs(acc, grid, sp, prof, P):
    """Both sets of ribs as tubes; the far-side set is magnified a few per
    cent more (the classic doubled rib outlines of a lateral view). Each rib
    runs from its head back to the rib angle, then forwards and down along
    the chest wall; the anterior (cartilage) third is not calcified."""
    names = spm.THORACIC
    drops = [35, 60, 80, 95, 105, 115, 125, 130, 130, 125, 85, 60]
    for k, name in enumerate(names):
        b = sp.bodies[name]
        head = b.to_anat(-b.W / 2 - 1.5, -b.L / 2 + 2)
        xb, xf, _ = prof.edges(head[1], breast=False)
        xb, xf = float(xb), float(xf)
        drop = drops[k] * prof.size ** 0.3
        back_x = xb + 18
        end_x = back_x + 0.8 * (xf - back_x)
        ctrl = [head,
                (back_x + 8, head[1] + 6),
                (back_x + 4, head[1] + 0.22 * drop),
                (back_x + 0.35 * (end_x - back_x), head[1] + 0.62 * drop),
                (end_x, head[1] + drop)]
        if name in ("T11", "T12"):  # floating ribs stop half way
            ctrl = ctrl[:4]
            ctrl[3] = (back_x + 0.25 * (end_x - back_x), head[1] + drop)
        curve = catmull_rom(np.array(ctrl, float), 16)
        radius = 4.2 + 1.2 * k / 11
        for side, (mag, shift) in enumerate(((1.0, 0.0), (1.045, 2.5))):
            c = head + (curve - head) * mag + np.array([0.0, shift])
            add_tube(acc, grid, c, radius * mag, MU_CORT * 2.6 * (1 - 0.3 * sp.osteopenia), shell=0.3)


def _gauss2(x, y, cx, cy, sx, sy):
    return np.exp(-0.5 * (((x - cx) / sx) ** 2 + ((y - cy) / sy) ** 2))


def _soft(grid: Grid, sp: spm.Spine, P: dict, rng) -> tuple:
    """Low-resolution attenuation of the soft tissues (envelope, lungs,
    heart, diaphragm, arms, bowel gas) and the body mask."""
    prof = _Profiles(sp, P)
    x, y = grid.coords()
    xb, xf, width = prof.edges(y)
    xm, hd = (xf + xb) / 2, (xf - xb) / 2
    r = (x - xm) / hd
    path = width * np.sqrt(np.clip(1 - r * r, 0, None))
    body = np.clip((1 - np.abs(r)) * hd / 2, 0, 1)
    mu = MU_SOFT * path
    xs = sp.spine_x_at(y)
    W = sp.depth_at(y)
    s = prof.size
    # lungs between the apex and the two diaphragm domes
    front = xf - (xs + W / 2)
    x_ap = xs + W / 2 + 0.4 * front
    y_dome = prof.yT10 + P["dome_mm"]
    apex = smoothstep((y - (prof.yT1 - 25)) / 35)
    wall = smoothstep((x - (xb + 14)) / 22) * smoothstep(((xf - 10) - x) / 22)
    lung_w = np.clip(width * 0.85 - 60, 0, None)
    spine_zone = np.exp(-(((x - xs + 10) / (W / 2 + 30)) ** 4)) * 60
    hx, hy = xs + W / 2 + 0.58 * front, y_dome - 38
    heart = smoothstep(1.15 - np.sqrt(((x - hx) / (0.34 * front)) ** 2 + ((y - hy) / 58) ** 2)) ** 0.7 * 115
    lung_path = np.clip(lung_w - spine_zone - heart, 0, None)
    lung = np.zeros_like(mu)
    for dome in (y_dome, y_dome + P["dome_gap_mm"]):
        yd = dome + 35 * ((x - x_ap) / (0.5 * front)) ** 2
        lung += 0.5 * smoothstep((yd - y) / 6)
    mu -= 0.8 * MU_SOFT * lung_path * lung * apex * wall
    # arms raised forward over the upper chest
    ax, ay = float(sp.spine_x_at(prof.yT2)) + 45, prof.yT2 - 10
    mu += MU_SOFT * 95 * s * _gauss2(x, y, ax, ay, 55, 45)
    # bowel gas: thresholded smooth random field on a fixed anatomy grid
    # (independent of the render resolution), anterior abdomen
    y0, y1 = sp.level_y("T12") - 20, sp.level_y("S2") + 20
    gx0 = float(sp.spine_x_at(sp.level_y("L3"))) - 40
    gpx = 2.0
    nfy, nfx = int((y1 - y0) / gpx) + 2, int(220 * s / gpx) + 2
    f1 = rng.standard_normal((nfy, nfx)).astype(np.float32)
    f2 = rng.standard_normal((nfy, nfx)).astype(np.float32)
    from .common import gaussian_blur, sample_field
    big = gaussian_blur(f1, 4.0)
    big /= big.std() + 1e-9
    small = gaussian_blur(f2, 1.5)
    small /= small.std() + 1e-9
    amount = P["bowel"]
    thr = 1.9 - 1.1 * amount
    gas = smoothstep((big - thr) / 0.5) * (0.6 + 0.4 * smoothstep(small + 0.5))
    gas += 0.6 * amount * smoothstep((small - 2.2) / 0.4)
    g = sample_field(gas, (gx0, y0), gpx, x, y)
    region = smoothstep((y - y0) / 30) * smoothstep((y1 - y) / 30) * smoothstep((x - gx0) / 20)
    mu -= MU_SOFT * 40 * g * region * body
    # soft-tissue clutter (organs, fat planes, stool): smooth random field
    cy0 = prof.yC6 - 60
    cpx = 4.0
    f3 = rng.standard_normal((int(700 / cpx), int(500 / cpx))).astype(np.float32)
    clutter = gaussian_blur(f3, 3.0)
    clutter /= clutter.std() + 1e-9
    cx0 = float(sp.spine_x_at(sp.level_y("L1"))) - 200
    mu += MU_SOFT * 12 * s * sample_field(clutter, (cx0, cy0), cpx, x, y) * body
    return mu.astype(np.float32), body.astype(np.float32)


def _medium(grid: Grid, sp: spm.Spine, P: dict) -> np.ndarray:
    """Medium-resolution bones around the spine: ribs, scapulae, humeri,
    iliac wings, femoral heads."""
    prof = _Profiles(sp, P)
    mu = np.zeros((grid.rows, grid.cols), np.float32)
    s = prof.size
    osteo = 1 - 0.3 * sp.osteopenia
    ax, ay = float(sp.spine_x_at(prof.yT2)) + 45, prof.yT2 - 10
    if P["humeri"]:
        for dx, dy in ((0.0, 0.0), (8.0, 6.0)):
            p0 = np.array([ax - 40 + dx, ay + 25 + dy])
            d = np.array([math.cos(math.radians(-55)), math.sin(math.radians(-55))])
            add_tube(mu, grid, np.array([p0, p0 + 190 * d]), 11, MU_CORT * 7 * osteo, shell=0.35)
    for dx in (0.0, 6.0):
        add_blob(mu, grid, (float(sp.spine_x_at(prof.yT4)) - 38 + dx, prof.yT4 + 15), (0.3, 1.0),
                 75, 38, MU_CORT * 3 * osteo, shell=0.3)
    _ribs(mu, grid, sp, prof, P)
    # iliac wings: a dense curved crest line over a faint plate (two sides,
    # magnification-doubled), femoral heads low in the field
    y_crest = sp.level_y("L4") + 0.5 * sp.bodies["L4"].Ha + 5
    s1 = sp.bodies["S1"]
    xs_l5 = float(sp.spine_x_at(sp.level_y("L5")))
    x_asis = xs_l5 + sp.bodies["L5"].W / 2 + 40 * s
    x_psis = float(s1.to_anat(-s1.W / 2 - 30, 0)[0])
    span = x_asis - x_psis
    tt = np.linspace(0, 1, 14)
    for k, mag in enumerate((1.0, 1.04)):
        xs_c = x_psis + span * tt
        ys_c = y_crest + 4 * k + 55 * (2 * tt - 1) ** 2 * mag - 10 * tt
        crest = np.stack([xs_c, ys_c], axis=1)
        add_tube(mu, grid, crest, 4.5, MU_CORT * 6 * osteo, shell=0.35)
        add_blob(mu, grid, (x_psis + 0.5 * span, y_crest + 75 + 4 * k), (1.0, 0.2),
                 0.5 * abs(span) + 5, 65, MU_CORT * 2.5 * osteo)
        fh = (xs_l5 + 45 * s + 3 * k, sp.level_y("S4") + 35 + 4 * k)
        add_blob(mu, grid, fh, (1.0, 0.0), 24 * mag, 24 * mag, MU_CORT * 16 * osteo, shell=0.2)
    return mu


# --------------------------------------------------------------------------
# Spine at full resolution
# --------------------------------------------------------------------------

def _posterior_elements(acc, grid, b, name, osteo):
    """Pedicles, articular pillar and spinous process of one vertebra as
    ellipsoid projections (fainter than the body)."""
    lum = name.startswith("L")
    cerv = name.startswith("C")
    W, L = b.W, b.L
    Lp = 12.0 if lum else (6.0 if cerv else 9.0)
    n, u = b.n, b.u
    post = -W / 2
    dens = MU_CORT * osteo * 1.6
    for k, (dp, dv) in enumerate(((0.0, 0.0), (0.8, 0.9))):  # left and right pedicles
        c = b.to_anat(post - Lp / 2 + 1.5 + dp, -L / 2 + 0.32 * L + dv)
        add_blob(acc, grid, c, n, Lp / 2 + 2.0, 0.25 * L + 0.6, dens * 6, shell=0.5)
    # articular pillar / laminae spanning the facet joints
    c = b.to_anat(post - Lp - 3.5, 0.08 * L)
    add_blob(acc, grid, c, u, 0.5 * L + 4.5, 6.5 if lum else 5.5, dens * 6)
    # transverse processes superimposed on the pedicle-pillar junction
    c = b.to_anat(post - Lp + 0.5, -0.1 * L)
    add_blob(acc, grid, c, n, 6.0, 4.5, dens * (4 if lum else 7))
    # spinous process, pointing backwards and (in the thoracic spine) down
    idx = spm.LEVELS.index(name)
    if cerv:
        beta, length, half = 20, 22 + 10 * (name == "C7"), 3.5
    elif lum:
        beta, length, half = 8, 27, 8.5
    else:
        t = int(name[1:])
        beta = 30 + 28 * math.exp(-(((t - 7) / 3.0) ** 2))
        length, half = 30 + 0.6 * t, 4.0
    bt = math.radians(beta)
    d = -n * math.cos(bt) + u * math.sin(bt)
    start = b.to_anat(post - Lp - 6, -0.05 * L)
    add_blob(acc, grid, start + d * length / 2, d, length / 2 + 2, half, dens * 5, shell=0.5)
    add_blob(acc, grid, start + d * (length - 2), d, 4.0, half + 1.0, dens * 2)
    del idx


def _spine_fine(acc, grid, sp: spm.Spine, P: dict, M: float, det_centre_y: float, rng_tex):
    o = sp.osteopenia
    mat = {
        "bvtv": 0.22 * (1 - 0.55 * o),
        "cortex_mm": 1.0 * (1 - 0.35 * o),
        "endplate_mm": 1.8 * (1 - 0.3 * o),
        "plate_density": 0.7,
        "density": 1.0,
        "tex_amp": P["tex_amp"],
    }
    tile_px = max(0.1, grid.mm_per_px / 2)
    ntile = 512 if tile_px < 0.2 else 256
    tile = trabecular_tile(rng_tex, tile_px, ntile, P["trab_spacing_mm"], o, 0.5 * grid.mm_per_px,
                           anisotropy=1.4 + 2.0 * o)
    offs = rng_tex.uniform(0, ntile * tile_px, (len(spm.LEVELS), 2))
    osteo = 1 - 0.35 * o
    tilt = math.tan(math.radians(P["tilt_deg"]))
    bodies = sp.body_list()
    for i, b in enumerate(bodies):
        if b.name in spm.SACRAL:
            continue
        _posterior_elements(acc, grid, b, b.name, osteo)
    # sacrum: posterior plate and alae over S1
    s1 = sp.bodies["S1"]
    for b in bodies:
        if b.name in spm.SACRAL:
            add_blob(acc, grid, b.to_anat(-b.W / 2 - 7, 0), b.u, b.L / 2 + 3, 7, MU_CORT * osteo * 6, shell=0.3)
    add_blob(acc, grid, s1.to_anat(-2, 2), s1.u, s1.L / 2 + 6, s1.W / 2 + 2, MU_CORT * osteo * 5)
    for i, (up, lo) in enumerate(zip(bodies[:-1], bodies[1:])):
        if lo.name not in spm.SACRAL[1:]:
            disc_xray(acc, grid, up, lo)
    for i, b in enumerate(bodies):
        det_y = float(grid.to_px(b.O)[1])
        dy_mm = abs(det_y - det_centre_y) * grid.mm_per_px * M
        delta = min(1.6, b.B * (0.35 * dy_mm / P["sid_mm"] + 0.3 * tilt))
        ps, grow = (1.0, 1.0), (0.0, 0.0)
        if b.name in spm.SACRAL:
            ps = (1.0 if b.name == "S1" else 0.08, 0.08)
            grow = (0.0 if b.name == "S1" else 0.9, 0.9)
        body_xray(acc, grid, b, mat, tile, tile_px, offs[i], delta_mm=delta, plate_scale=ps, grow=grow)


# --------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------

def _finish_params(P: dict) -> dict:
    mod = P["modality"]
    if mod not in ("CR", "DX"):
        raise ValueError("modality must be CR or DX")
    if P["field_of_view"] not in FIELDS:
        raise ValueError("field_of_view must be one of %s" % (FIELDS,))
    if P["photometric"] is None:
        P["photometric"] = "MONOCHROME1" if P["_mono1_u"] < (0.6 if mod == "CR" else 0.3) else "MONOCHROME2"
    if P["bits_stored"] is None:
        choices = (10, 12) if mod == "CR" else (12, 14, 15, 16)
        P["bits_stored"] = int(choices[int(P["_bits_u"] * len(choices)) % len(choices)])
    if not 8 <= int(P["bits_stored"]) <= 16:
        raise ValueError("bits_stored must be 8..16")
    lo, hi = _FIELD_HEIGHT[P["field_of_view"]]
    field_h = lo + (hi - lo) * P["_field_u"]
    sp = P["pixel_spacing"]
    if P["rows"] is None:
        P["rows"] = int(np.clip(round(field_h / sp), 2000, 3000))
    if P["cols"] is None:
        P["cols"] = int(np.clip(round(P["rows"] * P["aspect"]), 1500, 2500))
    return P


def make_radiograph(rng=None, **overrides) -> Phantom:
    """Lateral spine radiograph phantom.

    rng: numpy Generator (one draw is taken to get the phantom's seed), an int
        seed, or None (seed 0). ``seed=`` in overrides wins.
    overrides: see OVERRIDES; notably modality ("CR"|"DX"), field_of_view,
        scale (render resolution factor, e.g. 0.2), osteopenia (0..1),
        scenario ("normal"|"single"|"multiple"|"run"), fractures
        ({level: (grade, deformity[, acute])}), photometric, bits_stored,
        include_spacing (False: no spacing attribute at all), study (dict of
        patient/study attributes to share a study between phantoms).
    """
    bad = set(overrides) - set(OVERRIDES)
    if bad:
        raise TypeError("unknown overrides: %s" % sorted(bad))
    seed = int(overrides["seed"]) if "seed" in overrides else resolve_seed(rng)
    P = _draw_params(substream(seed, "radiograph-params"))
    spine_keys = {"osteopenia", "scenario", "fractures"}
    for k, v in overrides.items():
        if k not in spine_keys and k != "seed":
            P[k] = v
    P = _finish_params(P)
    sp = spm.make_spine(substream(seed, "spine"), scenario=overrides.get("scenario"),
                        fractures=overrides.get("fractures"), osteopenia=overrides.get("osteopenia"))
    rng_broad = substream(seed, "radiograph-broad")
    rng_tex = substream(seed, "radiograph-texture")
    rng_noise = substream(seed, "radiograph-noise")

    # ---------------- geometry
    M = P["sid_mm"] / (P["sid_mm"] - P["oid_mm"])
    scale = float(P["scale"])
    rows = max(16, int(round(P["rows"] * scale)))
    cols = max(16, int(round(P["cols"] * scale)))
    det_px = round(P["pixel_spacing"] / scale, 6)   # detector mm per output pixel
    target = _FIELD_TARGET[P["field_of_view"]]
    yc = sp.level_y(target) + P["y_offset_mm"]
    xc = float(sp.spine_x_at(yc)) + P["x_offset_mm"]
    F = np.diag([-1.0, 1.0]) if P["facing"] == "left" else np.eye(2)
    a = math.radians(P["rotation_deg"])
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    A = (M / det_px) * (R @ F)
    centre = np.array([(cols - 1) / 2, (rows - 1) / 2])
    t = centre - A @ np.array([xc, yc])
    grid = Grid(rows, cols, A, t)
    k = max(1, int(round(0.5 / det_px)))
    kb = max(1, int(round(2.0 / det_px)))

    # ---------------- attenuation
    soft, body_c = _soft(grid.coarse(kb), sp, P, rng_broad)
    med = _medium(grid.coarse(k), sp, P)
    mu = np.zeros((rows, cols), np.float32)
    _spine_fine(mu, grid, sp, P, M, centre[1], rng_tex)
    mu += upsample(soft, (rows, cols), kb, smooth=True)
    mu += upsample(med, (rows, cols), k)
    body = upsample(body_c, (rows, cols), kb)
    insets = P["col_insets"] if P["collimation"] else [0.0, 0.0, 0.0, 0.0]
    angle = P["col_angle_deg"] if P["collimation"] else 0.0
    colmask = collimation_mask(rows, cols, insets, angle, 1.0 / det_px)
    x, y = grid.coords()
    xs = sp.spine_x_at(y)
    ref = (np.abs(x - xs) < sp.depth_at(y) / 2 + 25) & (colmask > 0.5) & (body > 0.5)
    del x, y, xs
    img = expose(mu, grid, det_px, P, rng_noise, colmask, body, ref)

    # ---------------- stored values, markers
    photometric = P["photometric"]
    bits = int(P["bits_stored"])
    pixels, wc, ww = quantise(img, bits, photometric)
    white = (1 << bits) - 1 if photometric == "MONOCHROME2" else 0
    if P["markers"]:
        cell = max(1, int(round(1.6 / det_px)))
        letter = "L" if P["facing"] == "left" else "R"
        m = text_mask(letter, cell)
        hh, ww_ = m.shape
        pad = int(round(12 / det_px))
        tt, bb, ll, rr = insets
        r_top, r_bot = int(tt * rows) + pad, int((1 - bb) * rows) - pad - hh
        c_l, c_r = int(ll * cols) + pad, int((1 - rr) * cols) - pad - ww_
        corner = P["marker_corner"]
        r0 = r_top if corner in (0, 1) else r_bot
        c0 = c_l if corner in (0, 2) else c_r
        stamp(pixels, m, r0, c0, white)
        if P["marker_extra"]:
            m2 = text_mask("STANDING", max(1, cell // 2))
            r2 = r0 + hh + pad // 2 if corner in (0, 1) else r0 - pad // 2 - m2.shape[0]
            c2 = c0 if corner in (0, 2) else c0 + ww_ - m2.shape[1]
            stamp(pixels, m2, r2, c2, white)

    # ---------------- truth
    st = patient_study(seed, P["study"])
    series_uid = make_uid(seed, "series", "radiograph", P["series_number"])
    sop_uid = make_uid(seed, "sop", "radiograph", P["instance_number"])
    verts = []
    for name in spm.TRUTH_LEVELS:
        b = sp.bodies[name]
        pts = b.points()
        outline = b.outline()
        allp = np.vstack([outline] + [pts[kk] for kk in pts])
        px = grid.to_px(allp)
        in_img = (px[:, 0] >= 0.5) & (px[:, 0] <= cols - 1.5) & (px[:, 1] >= 0.5) & (px[:, 1] <= rows - 1.5)
        in_col = collimation_contains(px, rows, cols, insets, angle, margin=1.0 / det_px)
        vis = in_img & in_col
        cpx = grid.to_px(b.O)
        centre_in = (0 <= cpx[0] <= cols - 1) and (0 <= cpx[1] <= rows - 1) and \
            bool(collimation_contains(cpx[None], rows, cols, insets, angle, 0.0)[0])
        if not vis.any() and not centre_in:
            continue
        ppx = {kk: grid.to_px(v) for kk, v in pts.items()}
        pmm = {kk: [v[0] * det_px, v[1] * det_px, 0.0] for kk, v in ppx.items()}

        def dist(a_, b_):
            return float(math.hypot(pmm[a_][0] - pmm[b_][0], pmm[a_][1] - pmm[b_][1]))

        verts.append({
            "level": name,
            "fully_visible": bool(vis.all()),
            "points_px": {kk: [float(v[0]), float(v[1])] for kk, v in ppx.items()},
            "points_patient_mm": pmm,
            "heights_mm": {"anterior": dist("sa", "ia"), "middle": dist("sm", "im"),
                           "posterior": dist("sp", "ip")},
            "expected_heights_mm": {"anterior": b.Ha0 * M, "middle": b.Hm0 * M, "posterior": b.Hp0 * M},
            "genant_grade": int(b.grade),
            "deformity": b.deformity,
            "acute": False,  # fracture age is not visible on radiographs
        })
    spacing_attr = "ImagerPixelSpacing" if P["include_spacing"] else None
    truth = {
        "generator": GENERATOR, "generator_version": GENERATOR_VERSION, "seed": seed,
        "modality": P["modality"], "weighting": None, "view": "lateral",
        "field_of_view": P["field_of_view"], "skip_expected": False, "skip_reason": None,
        "rows": rows, "columns": cols,
        "pixel_spacing_mm": [det_px, det_px] if P["include_spacing"] else None,
        "spacing_attribute": spacing_attr, "slice_index": None,
        "study_instance_uid": st["study_instance_uid"], "series_instance_uid": series_uid,
        "sop_instance_uid": sop_uid,
        "vertebrae": verts,
    }
    body_part = {"thoracic": "TSPINE", "lumbar": "LSPINE", "thoracolumbar": "SPINE"}[P["field_of_view"]]
    dicom = {
        "kind": "radiograph",
        "modality": P["modality"],
        "sop_class_uid": CR_UID if P["modality"] == "CR" else DX_UID,
        "photometric": photometric, "bits_stored": bits, "pixel_representation": 0,
        "spacing_attribute": spacing_attr, "pixel_spacing": [det_px, det_px],
        "window_center": wc, "window_width": ww,
        "view_position": "LL" if P["facing"] == "left" else "RL",
        "patient_orientation": ["P", "F"] if P["facing"] == "left" else ["A", "F"],
        "body_part": body_part,
        "series_description": "%s LAT" % body_part,
        "study_description": st["study_description"] or "XR SPINE LATERAL",
        "series_number": int(P["series_number"]), "instance_number": int(P["instance_number"]),
        "series_instance_uid": series_uid, "sop_instance_uid": sop_uid,
        "study": st,
        "kvp": P["kvp"], "exposure_mas": P["mas"],
        "sid_mm": P["sid_mm"], "sod_mm": P["sid_mm"] - P["oid_mm"], "magnification": M,
        "detector_element_mm": P["pixel_spacing"] if scale == 1 else det_px,
        "burned_in_annotation": bool(P["markers"]),
    }
    return Phantom(pixels=pixels, dicom=to_jsonable_dicom(dicom), truth=to_jsonable(truth))


def to_jsonable_dicom(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, (np.floating,)):
            v = float(v)
        elif isinstance(v, np.integer):
            v = int(v)
        out[k] = v
    return out
