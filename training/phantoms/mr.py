"""Sagittal spine MR phantoms (T1, T2, STIR) sharing one spine per study.

    make_mr_study(rng, weightings=("T1", "T2", "STIR"), **overrides)
        -> {weighting: [Phantom per slice]}
    make_mr_series(rng, weighting, **overrides) -> [Phantom per slice]

make_mr_series(seed, w) equals make_mr_study(seed)[w]: the anatomy, the slice
geometry and each weighting's own parameters come from separate seeded
streams, so the three series of one study always show the same spine.

Each slice is a sagittal slab (3-4 mm) at lateral offset z from the spine
midline. Tissues are painted as partial-volume fractions (the slab is sampled
at three depths) in the order envelope -> organs -> canal -> posterior
elements -> discs -> bodies; the signal of each weighting is a table of
tissue intensities applied to those fractions, then texture, coil bias
field, slight blur and Rician noise.

Patient coordinates (LPS): +X patient left, +Y posterior, +Z head. Image
Orientation (Patient) is [0,1,0, 0,0,-1]: columns run anterior -> posterior,
rows head -> feet. Slices are ordered right -> left (increasing X).
"""

from __future__ import annotations

import math

import numpy as np

from . import spine as spm
from .common import (GENERATOR, GENERATOR_VERSION, Grid, Phantom, gaussian_blur, make_uid,
                     resolve_seed, sample_field, smoothstep, substream, to_jsonable)
from .study import patient_study

MR_UID = "1.2.840.10008.5.1.4.1.1.4"
WEIGHTINGS = ("T1", "T2", "STIR")
FIELDS = ("thoracic", "lumbar", "thoracolumbar")
_FIELD_TARGET = {"thoracic": "T7", "lumbar": "L3", "thoracolumbar": "T12"}
_FIELD_FOV = {"thoracic": (330, 400), "lumbar": (260, 320), "thoracolumbar": (360, 420)}

TISSUES = ("air", "fat", "muscle", "viscera", "lung", "blood", "marrow", "oedema", "cortex",
           "nucleus", "annulus", "csf", "cord", "ligament", "sclerosis", "haemangioma", "nerve")
TI = {t: i for i, t in enumerate(TISSUES)}

# relative signal of each tissue per weighting (fast spin echo at 1.5/3 T)
_SIG = {
    "T1": dict(air=0.0, fat=0.95, muscle=0.33, viscera=0.42, lung=0.03, blood=0.06, marrow=0.62,
               oedema=0.22, cortex=0.03, nucleus=0.36, annulus=0.27, csf=0.12, cord=0.46,
               ligament=0.05, sclerosis=0.12, haemangioma=0.95, nerve=0.40),
    "T2": dict(air=0.0, fat=0.78, muscle=0.22, viscera=0.38, lung=0.03, blood=0.05, marrow=0.46,
               oedema=0.80, cortex=0.03, nucleus=0.90, annulus=0.17, csf=1.00, cord=0.42,
               ligament=0.05, sclerosis=0.10, haemangioma=0.90, nerve=0.40),
    "STIR": dict(air=0.0, fat=0.04, muscle=0.20, viscera=0.42, lung=0.04, blood=0.05, marrow=0.15,
                 oedema=0.92, cortex=0.03, nucleus=0.78, annulus=0.22, csf=0.95, cord=0.38,
                 ligament=0.04, sclerosis=0.10, haemangioma=0.25, nerve=0.42),
}

OVERRIDES = ("field_of_view", "matrix", "n_slices", "slice_thickness", "osteopenia", "scenario",
             "fractures", "study", "seed", "series_number_base", "rotation_deg", "field_strength")


def _geometry_params(rng) -> dict:
    u = rng.random
    P = {}
    P["field_of_view"] = FIELDS[int(np.searchsorted([0.35, 0.85], u(), side="right"))]
    P["_fov_u"] = u()
    P["matrix"] = int(rng.choice([256, 288, 320, 384, 448, 512]))
    P["col_ratio"] = 1.0 if u() < 0.7 else 0.8
    P["n_slices"] = int(rng.integers(11, 16))
    P["slice_thickness"] = float(rng.choice([3.0, 3.5, 4.0]))
    P["gap_ratio"] = float(rng.choice([0.0, 0.1, 0.2]))
    P["slice_offset_mm"] = float(rng.uniform(-3, 3))
    P["rotation_deg"] = float(rng.uniform(-4, 4))
    P["y_shift_mm"] = float(rng.uniform(-15, 15))
    P["back_frac"] = float(rng.uniform(0.8, 0.95))  # where the back skin falls across the image
    P["table_y_mm"] = float(rng.uniform(-30, 30))
    P["table_z_mm"] = float(rng.uniform(-150, 150))
    P["field_strength"] = 1.5 if u() < 0.6 else 3.0
    P["patient_size"] = float(rng.uniform(0.85, 1.3))
    P["canal_ap_mm"] = float(rng.uniform(14, 18))
    P["canal_hw_mm"] = float(rng.uniform(10, 12.5))
    P["conus"] = "L1" if u() < 0.6 else "L2"
    P["series_number_base"] = int(rng.integers(2, 6))
    P["study"] = None
    return P


def _weighting_params(rng, weighting, field_strength) -> dict:
    P = {"snr": float(rng.uniform(18, 45)), "scale": float(rng.uniform(700, 2400)),
         "bias_mm": float(rng.uniform(90, 200)), "bias_floor": float(rng.uniform(0.25, 0.5)),
         "bias_poly": [float(x) for x in rng.uniform(-0.12, 0.12, 3)],
         "blur_px": float(rng.uniform(0.3, 0.7)), "bits": 12 if rng.random() < 0.7 else 16}
    if weighting == "T1":
        P.update(tr=float(rng.uniform(400, 700)), te=float(rng.uniform(8, 15)), etl=int(rng.integers(2, 5)),
                 ti=None, seq="SE", variant=["SK", "SP"], name="tse_T1")
    elif weighting == "T2":
        P.update(tr=float(rng.uniform(3000, 5000)), te=float(rng.uniform(90, 120)),
                 etl=int(rng.integers(15, 26)), ti=None, seq="SE", variant=["SK", "SP"], name="tse_T2")
    else:
        P.update(tr=float(rng.uniform(3500, 6000)), te=float(rng.uniform(40, 70)),
                 etl=int(rng.integers(10, 20)),
                 ti=float(150 if field_strength < 2 else 220) + float(rng.uniform(-10, 10)),
                 seq=["IR", "SE"], variant=["SK", "SP", "MP"], name="tir_STIR")
    return P


# --------------------------------------------------------------------------
# Painting tissues
# --------------------------------------------------------------------------

class _Canvas:
    """Per-tissue fraction maps with painter's-order compositing."""

    def __init__(self, rows, cols):
        self.w = np.zeros((len(TISSUES), rows, cols), np.float32)
        self.w[TI["air"]] = 1.0

    def paint(self, tissue: str, f: np.ndarray, box=None):
        if box is None:
            box = (0, self.w.shape[1], 0, self.w.shape[2])
        r0, r1, c0, c1 = box
        sub = self.w[:, r0:r1, c0:c1]
        f = f.astype(np.float32)
        sub *= (1 - f)[None]
        sub[TI[tissue]] += f


def _lateral(z, hw, edge=0.6):
    """Fraction of a point at lateral z inside [-hw, hw] (soft edge)."""
    return np.clip((hw - np.abs(z)) / edge + 0.5, 0, 1)


def _ellipse(p, v, pc, vc, a, b, pix):
    r = np.sqrt(((p - pc) / a) ** 2 + ((v - vc) / b) ** 2)
    return np.clip((1 - r) * min(a, b) / pix + 0.5, 0, 1)


def _paint_slice(cv: _Canvas, grid: Grid, sp: spm.Spine, P: dict, z: float, fields: dict):
    """Paint one sagittal plane at lateral offset z (mm, + = patient left)."""
    x, y = grid.coords()
    pix = grid.mm_per_px
    s = P["patient_size"]
    prof = fields["profiles"]
    xb, xf, width = prof.edges(y)
    xm, hd = (xf + xb) / 2, (xf - xb) / 2
    r2 = ((x - xm) / hd) ** 2 + (z / (width / 2)) ** 2
    body = np.clip((1 - np.sqrt(r2)) * hd / pix + 0.5, 0, 1)
    # subcutaneous fat layer, then inner compartments
    cv.paint("fat", body)
    fat_t = 10 + 12 * s
    inner = np.clip((1 - np.sqrt(r2)) * hd - fat_t, 0, None)
    inner = np.clip(inner / pix, 0, 1)
    xs = sp.spine_x_at(y)
    W = sp.depth_at(y)
    post_wall = xs - W / 2
    # paraspinal muscles behind the spine, organs in front
    musc = inner * smoothstep((post_wall + 5 - x) / 6)
    cv.paint("muscle", musc)
    visc = inner * smoothstep((x - (xs + W / 2 - 2)) / 4)
    cv.paint("viscera", visc)
    # lungs lateral of the mediastinum in the thorax
    thorax = fields["thorax"]
    lung = visc * thorax * smoothstep((abs(z) - 18) / 10)
    cv.paint("lung", lung)
    # heart / great vessels at the midline (flow void, mixed)
    heart = visc * thorax * fields["heart"] * smoothstep((40 - abs(z)) / 15)
    cv.paint("blood", 0.7 * heart)
    # descending aorta (left, anterior to the spine) and IVC (right, abdomen)
    ant_wall = xs + W / 2
    lam = prof.lumbar(y)
    ax = ant_wall + 12
    aorta_r = 11.0
    dz = z - (16 - 10 * lam)
    f_ao = np.clip((aorta_r - np.sqrt((x - ax) ** 2 + dz ** 2)) / pix + 0.5, 0, 1)
    f_ao *= smoothstep((y - prof.yT4) / 20) * smoothstep((fields["y_bif"] - y) / 10)
    cv.paint("blood", f_ao * inner)
    f_ivc = np.clip((10 - np.sqrt((x - (ant_wall + 14)) ** 2 + (z + 22) ** 2)) / pix + 0.5, 0, 1)
    cv.paint("blood", 0.8 * f_ivc * lam * inner)
    # epidural fat / canal / CSF / cord along the spine
    ap, chw = P["canal_ap_mm"], P["canal_hw_mm"]
    latc = _lateral(z, chw, 1.0)
    if latc > 0:
        d_ant = x - (post_wall - 0.5)        # negative behind the posterior walls
        canal = np.clip((-d_ant) / pix + 0.5, 0, 1) * np.clip((ap + d_ant) / pix + 0.5, 0, 1)
        canal *= smoothstep((y - (prof.yC6 - 60)) / 5) * smoothstep((fields["y_sac"] - y) / 8)
        pll = np.clip((-d_ant + 0.6) / pix + 0.5, 0, 1) * np.clip((1.2 + d_ant) / pix + 0.5, 0, 1)
        cv.paint("ligament", pll * latc * smoothstep((fields["y_sac"] - y) / 8))
        cv.paint("fat", canal * latc * (0.3 + 0.7 * lam))
        dura = np.clip((-d_ant - 0.8) / pix + 0.5, 0, 1) * np.clip((ap - 2.5 * lam + d_ant) / pix + 0.5, 0, 1)
        dura *= smoothstep((y - (prof.yC6 - 60)) / 5) * smoothstep((fields["y_sac"] - 10 - y) / 8)
        cv.paint("csf", dura * _lateral(z, chw - 1.5, 1.0))
        cord_c = post_wall - 0.5 - 0.45 * ap
        taper = np.clip((fields["y_conus"] - y) / 25, 0, 1)
        cr = 4.0 * taper
        f_cord = np.clip((cr - np.sqrt(((x - cord_c) / 1.0) ** 2 + (z / 1.3) ** 2)) / pix + 0.5, 0, 1)
        cv.paint("cord", f_cord * (taper > 0))
    for b in sp.body_list():
        _posterior(cv, grid, b, z, P)
    for up, lo in zip(sp.body_list()[:-1], sp.body_list()[1:]):
        _disc(cv, grid, up, lo, z, fields)
    for b in sp.body_list():
        _body(cv, grid, b, z, fields)


def _posterior(cv, grid, b, z, P):
    """Pedicles, facet pillars, laminae and spinous process of one level,
    each present only in its lateral band."""
    name = b.name
    pix = grid.mm_per_px
    W, L = b.W, b.L
    sacral = name in spm.SACRAL
    lum = name.startswith("L") or sacral
    chw = P["canal_hw_mm"]
    ap = P["canal_ap_mm"]
    post = -W / 2
    Lp = 6.0 if name.startswith("C") else (12.0 if lum else 9.0)
    parts = []
    if sacral:
        parts.append(((post - 7, 0.0), (7, L / 2 + 2), 0, 28, "marrow"))
    else:
        # pedicle: from the posterior wall back to the pillar, upper half of the body
        parts.append(((post - Lp / 2 + 1.5, -0.18 * L), (Lp / 2 + 2.5, 0.26 * L), chw - 1, chw + 8, "marrow"))
        # articular pillar with facet joints
        parts.append(((post - Lp - 4, 0.1 * L), (6.5, 0.5 * L + 3), chw + 1, chw + 14, "marrow"))
        # laminae behind the canal
        parts.append(((post - ap - 3, 0.15 * L), (4.0, 0.45 * L), 2, chw + 4, "marrow"))
        # spinous process (midline)
        if name.startswith("C"):
            beta, length, half = 20, 22, 3.5
        elif lum:
            beta, length, half = 8, 27, 8.0
        else:
            t = int(name[1:])
            beta = 30 + 28 * math.exp(-(((t - 7) / 3.0) ** 2))
            length, half = 30 + 0.6 * t, 4.0
        bt = math.radians(beta)
        d = np.array([-math.cos(bt), math.sin(bt)])
        st = np.array([post - ap - 1.5, 0.15 * L])
        c = st + d * length / 2
        parts.append(((c[0], c[1]), (length / 2 + 2, half), 0, 4, "marrow", d))
    for part in parts:
        (pc, vc), (a, bb), z0, z1, tissue = part[:5]
        lat = _lateral(abs(z) - (z0 + z1) / 2, (z1 - z0) / 2, 1.0) if z0 > 0 else _lateral(z, z1, 1.0)
        if lat <= 0:
            continue
        ext = max(a, bb) + 2
        corners = [b.to_anat(pc + sx * ext, vc + sy * ext) for sx in (-1, 1) for sy in (-1, 1)]
        box = grid.box(np.array(corners), 1)
        if box is None:
            continue
        x, y = grid.coords(box)
        p, v = b.to_local(x, y)
        if len(part) > 5:
            d = part[5]
            dp, dv = p - pc, v - vc
            s_ = dp * d[0] + dv * d[1]
            t_ = -dp * d[1] + dv * d[0]
            r = np.sqrt((s_ / a) ** 2 + (t_ / bb) ** 2)
        else:
            r = np.sqrt(((p - pc) / a) ** 2 + ((v - vc) / bb) ** 2)
        outer = np.clip((1 - r) * min(a, bb) / pix + 0.5, 0, 1) * lat
        inner = np.clip(((1 - r) * min(a, bb) - 1.0) / pix + 0.5, 0, 1) * lat
        cv.paint("cortex", outer, box)
        cv.paint(tissue, inner, box)


def _disc(cv, grid, up, lo, z, fields):
    fused = lo.name in spm.SACRAL[1:]
    pts = np.vstack([up.outline()[2:], lo.outline()[:2]])
    box = grid.box(pts, 2)
    if box is None:
        return
    hw = 0.5 * (up.B + lo.B) / 2
    if abs(z) > hw + 1:
        return
    x, y = grid.coords(box)
    pix = grid.mm_per_px
    pu, vu = up.to_local(x, y)
    pl, vl = lo.to_local(x, y)
    _, vi = up.endplates(np.clip(pu, -up.W / 2, up.W / 2))
    vs, _ = lo.endplates(np.clip(pl, -lo.W / 2, lo.W / 2))
    post = pu + up.W / 2 + 0.3
    ant = (lo.W / 2 + 0.5) - pl
    d = np.minimum(np.minimum(vu - vi, vs - vl), np.minimum(post, ant))
    pm = np.clip(pu, -up.W / 2, up.W / 2)
    lat = _lateral(z, hw * np.sqrt(np.clip(1 - (pm / (up.W / 2 + 1)) ** 2, 0.05, 1)), 1.0)
    f = np.clip(d / pix + 0.5 + 0.5, 0, 1) * lat
    if fused:
        cv.paint("annulus", 0.6 * f, box)
        return
    cv.paint("annulus", f, box)
    # nucleus: inner part of the disc, centred slightly posterior
    g_top, g_bot = vu - vi, vs - vl          # distances to the two endplates
    tpos = g_top / np.maximum(g_top + g_bot, 0.3)
    rn = np.sqrt(((pu + 0.08 * up.W) / (0.32 * up.W)) ** 2 + ((tpos - 0.5) / 0.36) ** 2)
    nuc = np.clip((1 - rn) * 3, 0, 1) * _lateral(z, 0.55 * hw, 2.0) * f
    cv.paint("annulus" if fields["degenerate"].get(up.name) else "nucleus", nuc, box)


def _body(cv, grid, b, z, fields):
    hw_lat = b.B / 2
    if abs(z) > hw_lat + 1:
        return
    box = grid.box(b.outline(), 2)
    if box is None:
        return
    x, y = grid.coords(box)
    pix = grid.mm_per_px
    p, v = b.to_local(x, y)
    sacral = b.name in spm.SACRAL
    grow = (0.0 if b.name == "S1" else 0.8, 0.8) if sacral else (0.0, 0.0)
    d, d_top, d_bot, d_ant, d_post, wa, wp = b.sdf(p, v, 0.6, grow)
    half = np.where(p >= 0, wa, -wp)
    nexp = np.where(p >= 0, 2.3, 3.0)
    q = np.clip(np.abs(p) / half, 0, 1)
    lat_hw = hw_lat * (1 - q ** nexp) ** (1 / nexp)      # lateral half-width at this depth
    dl = lat_hw - abs(z)
    dd = np.minimum(d, dl)
    outer = np.clip(dd / pix + 0.5, 0, 1)
    inner = np.clip((dd - 1.0) / pix + 0.5, 0, 1)
    r0, r1, c0, c1 = box
    cv.paint("cortex", outer, box)
    cv.paint("marrow", inner, box)
    # basivertebral vein: small T2-bright notch behind the middle (midline only)
    if abs(z) < 3 and not sacral:
        bv = _ellipse(p, v, -b.W / 2 + 3, 0.0, 3.0, 1.4, pix) * inner
        cv.paint("csf", 0.6 * bv, box)
    hem = fields["haemangioma"].get(b.name)
    if hem is not None and abs(z - hem[2]) < hem[3]:
        f = _ellipse(p, v, hem[0] * b.W / 2, hem[1] * b.L / 2, hem[3], hem[3], pix) * inner
        cv.paint("haemangioma", f, box)
    if b.grade > 0:
        e = d_top if b.f_sup >= 0.5 else d_bot
        if b.acute:
            # marrow oedema: band under the collapsed endplate, diffuse edge
            ext = b.oedema_extent * b.L
            oed = smoothstep((ext - e) / (0.35 * ext)) * inner
            cv.paint("oedema", 0.95 * oed, box)
        else:
            # healed: thin sclerotic band under the collapsed endplate
            scl = smoothstep((3.5 - e) / 2.0) * inner
            cv.paint("sclerosis", 0.7 * scl, box)


class _MRProfiles:
    """Torso outline as in the radiograph, reused for the MR envelope."""

    def __init__(self, sp, size):
        from .radiograph import _Profiles
        self._p = _Profiles(sp, {"patient_size": size, "breast": 0.0})

    def __getattr__(self, k):
        return getattr(self._p, k)


# --------------------------------------------------------------------------
# The generators
# --------------------------------------------------------------------------

def make_mr_study(rng=None, weightings=WEIGHTINGS, **overrides) -> dict:
    """One sagittal MR study: {weighting: [Phantom, ...]} (slices ordered
    right -> left). All weightings share the spine, the slice positions and
    the study; see module docstring."""
    bad = set(overrides) - set(OVERRIDES)
    if bad:
        raise TypeError("unknown overrides: %s" % sorted(bad))
    for w in weightings:
        if w not in WEIGHTINGS:
            raise ValueError("weighting must be one of %s" % (WEIGHTINGS,))
    seed = int(overrides["seed"]) if "seed" in overrides else resolve_seed(rng)
    P = _geometry_params(substream(seed, "mr-geometry"))
    for k, v in overrides.items():
        if k not in ("seed", "osteopenia", "scenario", "fractures"):
            P[k] = v
    if P["field_of_view"] not in FIELDS:
        raise ValueError("field_of_view must be one of %s" % (FIELDS,))
    sp = spm.make_spine(substream(seed, "spine"), scenario=overrides.get("scenario"),
                        fractures=overrides.get("fractures"), osteopenia=overrides.get("osteopenia"))
    arng = substream(seed, "mr-anatomy")

    # ---------------- slice geometry
    lo, hi = _FIELD_FOV[P["field_of_view"]]
    fov = lo + (hi - lo) * P["_fov_u"]
    rows = int(P["matrix"])
    spacing = round(float(np.clip(fov / rows, 0.5, 1.2)), 6)
    cols = int(round(rows * P["col_ratio"] / 16) * 16)
    a = math.radians(P["rotation_deg"])
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    A = np.diag([-1.0 / spacing, 1.0 / spacing]) @ R
    yc = sp.level_y(_FIELD_TARGET[P["field_of_view"]]) + P["y_shift_mm"]
    centre = np.array([(cols - 1) / 2, (rows - 1) / 2])
    prof = _MRProfiles(sp, P["patient_size"])
    x_back = float(prof.edges(np.array([yc]))[0][0])
    xc = x_back + (P["back_frac"] * (cols - 1) - centre[0]) * spacing
    t = centre - A @ np.array([xc, yc])
    grid = Grid(rows, cols, A, t)
    Yoff, Zoff = P["table_y_mm"], P["table_z_mm"]
    ipp_y = Yoff - t[0] * spacing
    ipp_z = Zoff + t[1] * spacing
    n = int(P["n_slices"])
    thick = float(P["slice_thickness"])
    sstep = thick * (1 + P["gap_ratio"])
    X = [P["slice_offset_mm"] + (k - (n - 1) / 2) * sstep for k in range(n)]

    def patient(pt_anat, Xk):
        xr, yr = R @ np.asarray(pt_anat, float)
        return [float(Xk), float(Yoff - xr), float(Zoff - yr)]

    # ---------------- static random fields and anatomy details
    gy0 = sp.level_y("C5") - 80
    tex_v = gaussian_blur(arng.standard_normal((360, 160)).astype(np.float32), 1.0)
    tex_v /= tex_v.std() + 1e-9
    tex_m = gaussian_blur(arng.standard_normal((360, 160)).astype(np.float32), 1.2)
    tex_m /= tex_m.std() + 1e-9
    gx0 = float(sp.spine_x_at(sp.level_y("L1"))) - 150
    hem = {}
    for name in spm.THORACIC + spm.LUMBAR:
        if arng.random() < 0.04:
            hem[name] = (float(arng.uniform(-0.5, 0.4)), float(arng.uniform(-0.4, 0.4)),
                         float(arng.uniform(-8, 8)), float(arng.uniform(2.5, 6)))
    degenerate = {name: bool(arng.random() < 0.1) for name in spm.LUMBAR}
    fields = {
        "profiles": prof, "haemangioma": hem, "degenerate": degenerate,
        "y_conus": sp.level_y(P["conus"]) + 10, "y_sac": sp.level_y("S2"),
        "y_bif": sp.level_y("L4"),
    }
    xg, yg = grid.coords()
    xs = sp.spine_x_at(yg)
    xb, xf, _ = prof.edges(yg)
    y_dome = prof.yT10 + 10 * (xg - xs) / 100
    fields["thorax"] = (smoothstep((yg - (prof.yT1 - 30)) / 25) * smoothstep((y_dome - yg) / 8)).astype(np.float32)
    hx, hy = xs + sp.depth_at(yg) / 2 + 60, prof.yT10 - 45
    fields["heart"] = np.exp(-(((xg - hx) / 55) ** 2 + ((yg - hy) / 60) ** 2) ** 2).astype(np.float32)
    tv = sample_field(tex_v, (gx0, gy0), 3.0, xg, yg)
    tm = sample_field(tex_m, (gx0, gy0), 2.0, xg, yg)
    bias_d = np.clip(xg - xb, 0, None)

    # ---------------- tissue fractions per slice (shared by all weightings)
    canvases = []
    for k in range(n):
        acc = None
        for dz in (-thick / 3, 0.0, thick / 3):
            cv = _Canvas(rows, cols)
            _paint_slice(cv, grid, sp, P, X[k] + dz, fields)
            acc = cv.w if acc is None else acc + cv.w
        canvases.append(acc / 3)

    st = patient_study(seed, P["study"])
    st = dict(st)
    if st["study_description"] is None:
        st["study_description"] = "MR %s SPINE" % {"thoracic": "THORACIC", "lumbar": "LUMBAR",
                                                  "thoracolumbar": "THORACOLUMBAR"}[P["field_of_view"]]
    out = {}
    for wi, w in enumerate(weightings):
        WP = _weighting_params(substream(seed, "mr-" + w), w, P["field_strength"])
        nrng = substream(seed, "mr-noise-" + w)
        sig = _SIG[w].copy()
        o = sp.osteopenia
        sig["marrow"] = sig["marrow"] + (0.12 * o if w == "T1" else (-0.04 * o if w == "STIR" else 0.05 * o))
        svec = np.array([sig[t_] for t_ in TISSUES], np.float32)
        series_number = P["series_number_base"] + WEIGHTINGS.index(w)
        series_uid = make_uid(seed, "series", "mr", w)
        bias = WP["bias_floor"] + (1 - WP["bias_floor"]) * np.exp(-bias_d / WP["bias_mm"])
        yy = (yg - yc) / 200
        bias = bias * (1 + WP["bias_poly"][0] * yy + WP["bias_poly"][1] * yy * yy
                       + WP["bias_poly"][2] * (xg - xc) / 200)
        sigma = 1.0 / WP["snr"] * 0.6
        series = []
        imgs = []
        for k in range(n):
            wmap = canvases[k]
            img = np.tensordot(svec, wmap, axes=1)
            img += svec[TI["viscera"]] * wmap[TI["viscera"]] * 0.2 * tv
            img += svec[TI["marrow"]] * wmap[TI["marrow"]] * 0.06 * tm
            img *= bias
            img = gaussian_blur(img, WP["blur_px"])
            n1 = nrng.standard_normal(img.shape, dtype=np.float32) * sigma
            n2 = nrng.standard_normal(img.shape, dtype=np.float32) * sigma
            img = np.sqrt((img + n1) ** 2 + n2 ** 2)   # Rician magnitude
            imgs.append(img)
        top = (1 << WP["bits"]) - 1
        scale = min(WP["scale"], top / max(float(max(np.percentile(i, 99.9) for i in imgs)) * 1.2, 1e-6))
        for k in range(n):
            pix = np.clip(np.rint(imgs[k] * scale), 0, top).astype(np.uint16)
            fg = pix[pix > 0.1 * scale * 0.5]
            if fg.size < 100:
                fg = pix.ravel()
            p1, p99 = np.percentile(fg[:: max(1, fg.size // 50000)], [1, 99.5])
            wc, ww = float(round((p1 + p99) / 2)), float(max(round(p99 - p1), 10))
            sop_uid = make_uid(seed, "sop", "mr", w, k)
            verts = []
            zc = X[k]
            for name in spm.TRUTH_LEVELS:
                b = sp.bodies[name]
                pts = b.points()
                outl = grid.to_px(b.outline())
                ppx = {kk: grid.to_px(vv) for kk, vv in pts.items()}
                allp = np.vstack([outl] + list(ppx.values()))
                inside = (allp[:, 0] >= 0) & (allp[:, 0] <= cols - 1) & (allp[:, 1] >= 0) & (allp[:, 1] <= rows - 1)
                cpx = grid.to_px(b.O)
                if not inside.any() and not (0 <= cpx[1] <= rows - 1):
                    continue
                central = abs(zc) <= 0.25 * b.B   # the slab cuts the body through its middle half
                verts.append({
                    "level": name,
                    "fully_visible": bool(inside.all() and central),
                    "points_px": {kk: [float(vv[0]), float(vv[1])] for kk, vv in ppx.items()},
                    "points_patient_mm": {kk: patient(vv, zc) for kk, vv in pts.items()},
                    "heights_mm": {"anterior": b.Ha, "middle": b.Hm, "posterior": b.Hp},
                    "expected_heights_mm": {"anterior": b.Ha0, "middle": b.Hm0, "posterior": b.Hp0},
                    "genant_grade": int(b.grade), "deformity": b.deformity,
                    "acute": bool(b.acute and b.grade > 0),
                })
            truth = {
                "generator": GENERATOR, "generator_version": GENERATOR_VERSION, "seed": seed,
                "modality": "MR", "weighting": w, "view": "sagittal",
                "field_of_view": P["field_of_view"], "skip_expected": False, "skip_reason": None,
                "rows": rows, "columns": cols, "pixel_spacing_mm": [spacing, spacing],
                "spacing_attribute": "PixelSpacing", "slice_index": k,
                "study_instance_uid": st["study_instance_uid"], "series_instance_uid": series_uid,
                "sop_instance_uid": sop_uid, "vertebrae": verts,
            }
            dicom = {
                "kind": "mr", "modality": "MR", "sop_class_uid": MR_UID,
                "photometric": "MONOCHROME2", "bits_stored": WP["bits"], "pixel_representation": 0,
                "spacing_attribute": "PixelSpacing", "pixel_spacing": [spacing, spacing],
                "window_center": wc, "window_width": ww,
                "series_description": "%s SAG" % w, "study_description": st["study_description"],
                "body_part": {"thoracic": "TSPINE", "lumbar": "LSPINE", "thoracolumbar": "SPINE"}[P["field_of_view"]],
                "series_number": series_number, "instance_number": k + 1,
                "series_instance_uid": series_uid, "sop_instance_uid": sop_uid, "study": st,
                "image_position": [float(zc), float(ipp_y), float(ipp_z)],
                "image_orientation": [0.0, 1.0, 0.0, 0.0, 0.0, -1.0],
                "slice_thickness": thick, "spacing_between_slices": sstep, "slice_location": float(zc),
                "weighting": w, "scanning_sequence": WP["seq"], "sequence_variant": WP["variant"],
                "repetition_time": WP["tr"], "echo_time": WP["te"], "inversion_time": WP["ti"],
                "echo_train_length": WP["etl"], "sequence_name": WP["name"],
                "field_strength": P["field_strength"],
                "imaging_frequency": 42.577 * P["field_strength"],
                "acquisition_number": 1,
            }
            series.append(Phantom(pixels=pix, dicom=to_jsonable(dicom), truth=to_jsonable(truth)))
        out[w] = series
    return out


def make_mr_series(rng=None, weighting="T2", **overrides) -> list:
    """One sagittal series (list of slice Phantoms, right -> left) of the
    study that make_mr_study would make from the same seed."""
    return make_mr_study(rng, (weighting,), **overrides)[weighting]
