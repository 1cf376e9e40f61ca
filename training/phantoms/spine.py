"""The spine model shared by the radiograph and MR generators.

A spine is a rigid chain of vertebral bodies and discs from C5 to S5 in a
2-D sagittal "anatomy frame" (millimetres, +x anterior, +y caudal, origin at
the middle of the S1 superior endplate before the final rotation). Each body
is described in its own local frame (p along the anterior direction n, v
along the caudal axis u, origin at the body centre) by its anterior, middle
and posterior heights and the depth between its anterior and posterior
corner points. Endplates are quadratics through the three morphometry points,
so when a fracture lowers a height the endplate really moves, and the chain
angle follows the body's wedge (fractures add kyphosis, as they do).

Physiological curvature (cervical lordosis, thoracic kyphosis, lumbar
lordosis, sacral slope) comes from body wedging plus wedge-shaped discs;
fractures add to it. The S1 endplate is laid down with the standing sacral
slope, and the lumbar lordosis is chosen so that T1 ends with a normal T1
slope (sagittal balance); fractures then tilt the trunk forward.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from plaomodel.contract import grade_limits, grade_of_reduction

CERVICAL = ["C5", "C6", "C7"]
THORACIC = ["T%d" % i for i in range(1, 13)]
LUMBAR = ["L%d" % i for i in range(1, 6)]
SACRAL = ["S1", "S2", "S3", "S4", "S5"]
LEVELS = CERVICAL + THORACIC + LUMBAR + SACRAL
#: levels that appear in the truth ("vertebrae" list), cranial to caudal
TRUTH_LEVELS = THORACIC + LUMBAR + ["S1"]
#: levels that can carry a fracture
FRACTURABLE = THORACIC + LUMBAR

# Anatomical table for a young adult woman (mm): posterior body height,
# depth between anterior and posterior walls, lateral (left-right) width,
# central height of the disc below, physiological anterior wedging
# (Ha = Hp * (1 - w); negative: anterior taller).
_TABLE = {
    "C5": (11.0, 16.0, 22.0, 4.5, -0.03),
    "C6": (11.5, 16.5, 24.0, 4.5, -0.03),
    "C7": (13.0, 17.5, 26.0, 4.0, -0.02),
    "T1": (14.0, 20.0, 28.0, 3.5, 0.02),
    "T2": (15.0, 21.5, 28.0, 3.5, 0.04),
    "T3": (15.5, 22.5, 28.5, 3.6, 0.06),
    "T4": (16.0, 23.5, 29.0, 3.8, 0.07),
    "T5": (16.8, 24.5, 29.5, 4.0, 0.08),
    "T6": (17.5, 25.5, 30.0, 4.3, 0.09),
    "T7": (18.5, 26.5, 31.0, 4.6, 0.09),
    "T8": (19.5, 27.5, 32.0, 4.9, 0.09),
    "T9": (20.5, 28.5, 33.5, 5.2, 0.08),
    "T10": (21.5, 29.5, 35.0, 5.6, 0.07),
    "T11": (22.5, 30.5, 36.5, 6.2, 0.05),
    "T12": (23.5, 31.5, 38.0, 7.0, 0.05),
    "L1": (24.5, 32.5, 39.5, 8.0, 0.04),
    "L2": (25.5, 33.5, 41.0, 9.0, 0.02),
    "L3": (26.5, 35.0, 42.5, 9.5, 0.00),
    "L4": (26.5, 35.5, 44.0, 10.0, -0.04),
    "L5": (26.0, 35.5, 45.0, 10.5, -0.10),
    # sacral segments: "disc below" is the fused remnant line
    "S1": (27.0, 40.0, 45.0, 1.6, 0.05),
    "S2": (22.0, 31.0, 36.0, 1.4, 0.20),
    "S3": (18.0, 24.0, 28.0, 1.2, 0.24),
    "S4": (14.0, 18.0, 20.0, 1.0, 0.24),
    "S5": (11.0, 13.0, 14.0, 0.0, 0.20),
}

CORNER_INSET_MM = 1.0   # anterior/posterior points sit this far inside the walls
CHAIN_OFFSET_MM = 14.0  # the chain runs this far anterior of the posterior walls

SCENARIOS = ("normal", "single", "multiple", "run")
DEFORMITIES = ("wedge", "biconcave", "crush")
#: Genant height-reduction ranges used when drawing a grade (kept a little
#: inside the class limits 20/25/40 % so that the grade is unambiguous)
GRADE_RANGES = {1: (0.205, 0.245), 2: (0.26, 0.39), 3: (0.415, 0.58)}
#: the Genant class limits (from the one rule in plaomodel/contract.py), the
#: last one closed at 65 % for the consistency checks
GRADE_LIMITS = grade_limits(0.65)


@dataclasses.dataclass
class Body:
    """One vertebral body (or sacral segment) in the chain."""

    name: str
    W: float            # depth, posterior wall to anterior wall (mm)
    B: float            # lateral width (mm)
    Ha: float           # actual heights (mm)
    Hm: float
    Hp: float
    Ha0: float          # expected (undeformed) heights (mm)
    Hm0: float
    Hp0: float
    f_sup: float        # share of the middle sag carried by the superior endplate
    wall_a: float       # anterior wall concavity (mm, negative = bulge)
    wall_p: float       # posterior wall concavity (mm)
    grade: int = 0
    deformity: str = "none"
    acute: bool = False
    oedema_extent: float = 0.0   # MR: fraction of the height with marrow oedema
    # chain pose (anatomy frame), filled by build_chain
    O: np.ndarray = None
    u: np.ndarray = None  # caudal axis
    n: np.ndarray = None  # anterior normal

    @property
    def c(self) -> float:
        """Half distance between the anterior and posterior points."""
        return self.W / 2 - CORNER_INSET_MM

    @property
    def L(self) -> float:
        return (self.Ha + self.Hp) / 2

    @property
    def slope(self) -> float:
        """Slope of the superior endplate chord in the local frame."""
        return (self.Hp - self.Ha) / (4 * self.c)

    @property
    def alpha(self) -> float:
        """Angle (rad) between superior and inferior endplate chords."""
        return 2 * math.atan(self.slope)

    @property
    def delta(self) -> float:
        """Offset of the body centre anterior of the chain line."""
        return self.W / 2 - CHAIN_OFFSET_MM

    # ----- local shape ---------------------------------------------------
    def endplate_coeffs(self):
        """(v0, b, a) of v(p) = v0 + b p + a p^2 for superior and inferior."""
        c, L = self.c, self.L
        sag = L - self.Hm
        vs0 = -L / 2 + self.f_sup * sag
        vi0 = L / 2 - (1 - self.f_sup) * sag
        sup = (vs0, self.slope, (-L / 2 - vs0) / c**2)
        inf = (vi0, -self.slope, (L / 2 - vi0) / c**2)
        return sup, inf

    def endplates(self, p):
        (s0, sb, sa), (i0, ib, ia) = self.endplate_coeffs()
        return s0 + sb * p + sa * p * p, i0 + ib * p + ia * p * p

    def local_points(self) -> dict:
        """The six morphometry points in the local (p, v) frame."""
        (s0, _, _), (i0, _, _) = self.endplate_coeffs()
        c = self.c
        return {"sa": (c, -self.Ha / 2), "sm": (0.0, s0), "sp": (-c, -self.Hp / 2),
                "ia": (c, self.Ha / 2), "im": (0.0, i0), "ip": (-c, self.Hp / 2)}

    def to_anat(self, p, v):
        if np.isscalar(p) and np.isscalar(v):
            return self.O + p * self.n + v * self.u
        p = np.asarray(p, float)
        v = np.asarray(v, float)
        return self.O + p[..., None] * self.n + v[..., None] * self.u

    def to_local(self, x, y):
        dx, dy = x - self.O[0], y - self.O[1]
        p = dx * self.n[0] + dy * self.n[1]
        v = dx * self.u[0] + dy * self.u[1]
        return p, v

    def points(self) -> dict:
        return {k: self.to_anat(*pv) for k, pv in self.local_points().items()}

    def sdf(self, p, v, k: float = 0.6, grow=(0.0, 0.0)):
        """Approximate signed distance (mm, positive inside) of local points
        to the body outline, plus its parts: (d, d_top, d_bot, d_ant, d_post,
        wall_ant, wall_post). Walls are slightly concave (wall_a/wall_p),
        corners rounded by about k mm; ``grow`` moves the endplates outwards."""
        hw = self.W / 2
        pc = np.minimum(np.maximum(p, -hw), hw)
        vs, vi = self.endplates(pc)
        vs, vi = vs - grow[0], vi + grow[1]
        s = np.minimum(np.maximum(v / (max(self.Ha, self.Hp) / 2), -1), 1)
        wa = hw - self.wall_a * (1 - s * s)
        wp = -hw + self.wall_p * (1 - s * s)
        d_top, d_bot = v - vs, vi - v
        d_ant, d_post = wa - p, p - wp
        m = np.minimum(np.minimum(d_top, d_bot), np.minimum(d_ant, d_post))
        acc = (np.exp(-(d_top - m) / k) + np.exp(-(d_bot - m) / k)
               + np.exp(-(d_ant - m) / k) + np.exp(-(d_post - m) / k))
        d = m - k * np.log(acc)
        return d, d_top, d_bot, d_ant, d_post, wa, wp

    def outline(self) -> np.ndarray:
        """Corner-ish outline points (anatomy frame) for bounding boxes."""
        h = self.W / 2
        pts = [(-h, -self.Hp / 2 - 1), (h, -self.Ha / 2 - 1), (h, self.Ha / 2 + 1), (-h, self.Hp / 2 + 1)]
        return np.array([self.to_anat(p, v) for p, v in pts])


@dataclasses.dataclass
class Disc:
    name: str           # e.g. "L4/L5"
    D: float            # central height
    Da: float
    Dp: float
    upper: Body = None
    lower: Body = None


@dataclasses.dataclass
class Spine:
    bodies: dict        # name -> Body, C5..S5
    discs: list         # Disc between consecutive bodies
    osteopenia: float   # 0 (normal bone) .. 1 (severe)
    scenario: str
    size: float         # skeletal size factor
    params: dict        # the drawn curvature parameters (degrees) etc.

    def body_list(self):
        return [self.bodies[n] for n in LEVELS]

    def fractured(self):
        return [b for b in self.body_list() if b.grade > 0]

    def centre_line(self):
        """(y, x) arrays of body centres, cranial to caudal."""
        bl = self.body_list()
        return np.array([b.O[1] for b in bl]), np.array([b.O[0] for b in bl])

    def spine_x_at(self, y):
        """x of the body-centre line at height y (interpolated)."""
        ys, xs = self.centre_line()
        return np.interp(y, ys, xs)

    def depth_at(self, y):
        ys, _ = self.centre_line()
        return np.interp(y, ys, [b.W for b in self.body_list()])

    def level_y(self, name: str) -> float:
        return float(self.bodies[name].O[1])


# --------------------------------------------------------------------------
# Drawing a spine
# --------------------------------------------------------------------------

def _draw_osteopenia(rng) -> float:
    # most of our patients are osteopenic
    if rng.random() < 0.78:
        return float(rng.uniform(0.4, 1.0))
    return float(rng.uniform(0.0, 0.4))


def _draw_fractures(rng, scenario: str) -> dict:
    """level -> (grade, deformity, acute)."""
    grade_p = np.array([0.35, 0.40, 0.25])
    types_p = np.array([0.45, 0.40, 0.15])
    # draws happen in the same order whatever the scenario (stable streams)
    u = rng.random(64)
    k = 0

    def nxt():
        nonlocal k
        k += 1
        return u[k - 1]

    def grade():
        return 1 + int(np.searchsorted(np.cumsum(grade_p), nxt()))

    def dtype():
        return DEFORMITIES[int(np.searchsorted(np.cumsum(types_p), nxt()))]

    out = {}
    idx = {n: i for i, n in enumerate(FRACTURABLE)}
    if scenario == "normal":
        return out
    if scenario == "single":
        # typical osteoporotic sites: mid-thoracic and thoracolumbar junction
        cand = ["T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3", "L4"]
        w = np.array([1, 2, 3, 3, 2, 2, 3, 4, 4, 3, 2, 1], float)
        lv = cand[int(np.searchsorted(np.cumsum(w / w.sum()), nxt()))]
        out[lv] = (grade(), dtype(), nxt() < 0.45)
        return out
    if scenario == "multiple":
        cand = FRACTURABLE[3:19]  # T4..L4
        nfr = 2 + int(nxt() * 3)  # 2..4, scattered
        chosen = []
        for _ in range(40):
            lv = cand[min(int(nxt() * len(cand)), len(cand) - 1)]
            if all(abs(idx[lv] - idx[c]) > 1 for c in chosen):
                chosen.append(lv)
            if len(chosen) == nfr:
                break
        for lv in chosen:
            out[lv] = (grade(), dtype(), nxt() < 0.4)
        return out
    if scenario == "run":
        # 3..8 contiguous levels within T4..L3 (PLAO-like)
        lengths = np.arange(3, 9)
        wl = np.array([3, 3, 3, 2, 2, 1], float)
        n = int(lengths[np.searchsorted(np.cumsum(wl / wl.sum()), nxt())])
        lo, hi = idx["T4"], idx["L3"]
        start = lo + int(nxt() * (hi - lo - n + 2))
        start = min(start, hi - n + 1)
        recent = nxt() < 0.6  # a recent cluster: several acute levels
        for i in range(start, start + n):
            g = grade()
            t = DEFORMITIES[0 if nxt() < 0.45 else (1 if nxt() < 0.8 else 2)]
            out[FRACTURABLE[i]] = (g, t, recent and nxt() < 0.6)
        return out
    raise ValueError("unknown scenario %r" % scenario)


def _apply_fracture(rng, Ha0, Hm0, Hp0, grade, deformity):
    """Actual heights for a fractured body; the most reduced height is the
    one named by the deformity and its reduction lies in the grade range."""
    lo, hi = GRADE_RANGES[grade]
    r = rng.uniform(lo, hi)
    x = rng.random(3)
    if deformity == "wedge":
        ra, rm, rp = r, r * (0.35 + 0.25 * x[0]), r * 0.2 * x[1]
    elif deformity == "biconcave":
        ra, rm, rp = r * 0.35 * x[0], r, r * 0.3 * x[1]
    elif deformity == "crush":
        if x[2] < 0.5:  # all heights reduced
            ra, rm, rp = r * (0.8 + 0.18 * x[0]), r * (0.8 + 0.18 * x[1]), r
        else:           # posterior predominant
            ra, rm, rp = r * 0.3 * x[0], r * (0.4 + 0.3 * x[1]), r
    else:
        raise ValueError(deformity)
    return Ha0 * (1 - ra), Hm0 * (1 - rm), Hp0 * (1 - rp)


def make_spine(rng: np.random.Generator, scenario: str | None = None,
               fractures: dict | None = None, osteopenia: float | None = None,
               curvature: dict | None = None) -> Spine:
    """Draw one spine. All random draws happen in a fixed order, so the
    overrides change only what they name.

    fractures: optional {level: (grade, deformity[, acute])} or
        {level: {"grade":..,"deformity":..,"acute":..}} replacing the drawn ones.
    curvature: optional dict overriding kyphosis_deg, lordosis_deg,
        t1_slope_deg, sacral_slope_deg, cervical_lordosis_deg (lordosis_deg
        follows from them).
    """
    size = float(rng.uniform(0.92, 1.08))
    N = len(LEVELS)
    jH, jW, jB, jD = (rng.uniform(0.95, 1.05, N) for _ in range(4))
    jw = rng.uniform(-0.025, 0.025, N)
    conc = rng.random(N)
    fsup = rng.uniform(0.4, 0.6, N)
    fsup_fx = rng.uniform(0.5, 0.85, N)
    walls = np.stack([rng.uniform(0.5, 2.0, N), rng.uniform(0.3, 1.0, N)], axis=1)
    natural = rng.uniform(-0.03, 0.06, (N, 3))
    oedema = rng.uniform(0.3, 0.7, N)
    curv = {
        "kyphosis_deg": float(rng.uniform(25, 45)),
        "t1_slope_deg": float(rng.uniform(15, 30)),
        "sacral_slope_deg": float(rng.uniform(32, 46)),
        "cervical_lordosis_deg": float(rng.uniform(0, 15)),
    }
    compensation = float(rng.uniform(0.5, 1.0))
    ost = _draw_osteopenia(rng)
    scen_drawn = SCENARIOS[int(np.searchsorted(np.cumsum([0.25, 0.2, 0.2, 0.35]), rng.random()))]
    frac_rng = np.random.default_rng(rng.integers(0, 2**62))
    shape_rng = np.random.default_rng(rng.integers(0, 2**62))

    if curvature:
        unknown = set(curvature) - set(curv)
        if unknown:
            raise TypeError("unknown curvature keys %s" % sorted(unknown))
        curv.update(curvature)
    # standing balance: T1 tilted forward by its slope, S1 by the sacral
    # slope; the lumbar lordosis closes the angle (LL = TK + SS - T1S)
    curv["lordosis_deg"] = float(np.clip(curv["kyphosis_deg"] + curv["sacral_slope_deg"]
                                         - curv["t1_slope_deg"], 30, 75))
    if osteopenia is not None:
        ost = float(osteopenia)
    scen = scenario or scen_drawn
    if scen not in SCENARIOS:
        raise ValueError("scenario must be one of %s" % (SCENARIOS,))
    if fractures is None:
        fx = _draw_fractures(frac_rng, scen)
    else:
        fx = {}
        for lv, spec in fractures.items():
            if lv not in FRACTURABLE:
                raise ValueError("level %s cannot be fractured" % lv)
            if isinstance(spec, dict):
                g, d, a = int(spec["grade"]), spec.get("deformity", "wedge"), bool(spec.get("acute", False))
            else:
                g, d = int(spec[0]), spec[1]
                a = bool(spec[2]) if len(spec) > 2 else False
            if g == 0:
                continue
            if g not in (1, 2, 3) or d not in DEFORMITIES:
                raise ValueError("bad fracture spec for %s: %r" % (lv, spec))
            fx[lv] = (g, d, a)
        if scenario is None:
            scen = "normal" if not fx else ("single" if len(fx) == 1 else "multiple")

    bodies = {}
    for i, name in enumerate(LEVELS):
        H, W, B, D, w = _TABLE[name]
        Hp0 = H * size * jH[i]
        wedge = w + (jw[i] if name in THORACIC + LUMBAR else 0.0)
        wedge = min(wedge, 0.14)  # physiological wedging stays below 15 %
        Ha0 = Hp0 * (1 - wedge)
        cmin, cmax = (0.02, 0.05) if name in CERVICAL + THORACIC else (0.04, 0.08)
        Hm0 = (Ha0 + Hp0) / 2 * (1 - (cmin + (cmax - cmin) * conc[i]))
        if name in SACRAL:
            Hm0 = (Ha0 + Hp0) / 2
        b = Body(name=name, W=W * size * jW[i], B=B * size * jB[i],
                 Ha=Ha0, Hm=Hm0, Hp=Hp0, Ha0=Ha0, Hm0=Hm0, Hp0=Hp0,
                 f_sup=float(fsup[i]), wall_a=float(walls[i, 0]), wall_p=float(walls[i, 1]))
        if name in fx:
            g, d, a = fx[name]
            b.Ha, b.Hm, b.Hp = _apply_fracture(shape_rng, Ha0, Hm0, Hp0, g, d)
            b.grade, b.deformity, b.acute = g, d, a
            b.f_sup = float(fsup_fx[i])
            b.oedema_extent = float(oedema[i])
            if d in ("wedge", "crush"):
                b.wall_a = -0.4 * g  # the anterior cortex buckles outwards
        elif name in THORACIC + LUMBAR:
            e = natural[i]
            b.Ha, b.Hm, b.Hp = Ha0 * (1 - e[0]), Hm0 * (1 - e[1]), Hp0 * (1 - e[2])
        bodies[name] = b

    # ---------------- discs: wedge angles give the physiological curvature
    def body_alpha0(name):
        b = bodies[name]
        return 2 * math.atan((b.Hp0 - b.Ha0) / (4 * b.c))

    disc_alpha = {}
    pairs = list(zip(LEVELS[:-1], LEVELS[1:]))
    rad = math.radians
    cerv = [p for p in pairs if p[0] in CERVICAL]
    thor = [p for p in pairs if p[0] in THORACIC[:-1]]
    lumb = [p for p in pairs if p[0] in LUMBAR]
    rest = -rad(curv["cervical_lordosis_deg"]) - sum(body_alpha0(n) for n in CERVICAL)
    for p in cerv:
        disc_alpha[p] = rest / len(cerv)
    rest = rad(curv["kyphosis_deg"]) - sum(body_alpha0(n) for n in THORACIC)
    for p in thor:
        disc_alpha[p] = float(np.clip(rest / len(thor), rad(-3), rad(4)))
    rest = -rad(curv["lordosis_deg"]) - sum(body_alpha0(n) for n in LUMBAR)
    for p, wgt in zip(lumb, [0.08, 0.14, 0.2, 0.26, 0.32]):
        disc_alpha[p] = rest * wgt
    discs = []
    for i, (a, b) in enumerate(pairs):
        D = _TABLE[a][3] * size * jD[i]
        al = disc_alpha.get((a, b), 0.0)
        cd = (bodies[a].c + bodies[b].c) / 2
        dd = 4 * cd * math.tan(al / 2)  # Dp - Da
        Da, Dp = D - dd / 2, D + dd / 2
        lo = 0.3 if a in SACRAL else 1.2
        if Da < lo:
            Da, Dp = lo, lo + dd
        if Dp < lo:
            Dp, Da = lo, lo - dd
        discs.append(Disc(name="%s/%s" % (a, b), D=(Da + Dp) / 2, Da=Da, Dp=Dp,
                          upper=bodies[a], lower=bodies[b]))

    spine = Spine(bodies=bodies, discs=discs, osteopenia=ost, scenario=scen, size=size,
                  params=dict(curv, compensation=compensation))
    build_chain(spine)
    return spine


# --------------------------------------------------------------------------
# Chain geometry
# --------------------------------------------------------------------------

def _u(theta):
    return np.array([math.sin(theta), math.cos(theta)])


def _n(theta):
    return np.array([math.cos(theta), -math.sin(theta)])


def build_chain(spine: Spine) -> None:
    """Place every body: start at the S1 superior endplate (origin, tilted by
    the sacral slope), walk up to C5 and down to S5, then rotate the whole
    spine so that C7 stands above the S1 posterior-superior corner."""
    bl = spine.body_list()
    discs = spine.discs
    i_s1 = LEVELS.index("S1")
    ss = math.radians(spine.params["sacral_slope_deg"])

    def place(body, theta_m, Qref, top_is_ref):
        u, n = _u(theta_m), _n(theta_m)
        half = body.L / 2 + body.slope * body.delta
        if top_is_ref:
            body.O = Qref + body.delta * n + half * u
        else:
            body.O = Qref + body.delta * n - half * u
        body.u, body.n = u, n

    # upwards from the S1 top face
    Q, theta = np.zeros(2), -ss
    for i in range(i_s1 - 1, -1, -1):
        d = discs[i]                      # disc between bl[i] and bl[i+1]
        cd = (d.upper.c + d.lower.c) / 2
        sl = (d.Dp - d.Da) / (4 * cd)
        al = 2 * math.atan(sl)
        dl = (d.upper.delta + d.lower.delta) / 2
        theta_m = theta - al / 2
        Q = Q - (d.D + 2 * sl * dl) * _u(theta_m)
        theta = theta - al
        b = bl[i]
        theta_m = theta - b.alpha / 2
        place(b, theta_m, Q, top_is_ref=False)
        Q = Q - (b.L + 2 * b.slope * b.delta) * _u(theta_m)
        theta = theta - b.alpha
    # downwards from the S1 top face
    Q, theta = np.zeros(2), -ss
    for i in range(i_s1, len(bl)):
        b = bl[i]
        theta_m = theta + b.alpha / 2
        place(b, theta_m, Q, top_is_ref=True)
        Q = Q + (b.L + 2 * b.slope * b.delta) * _u(theta_m)
        theta = theta + b.alpha
        if i < len(discs):
            d = discs[i]
            cd = (d.upper.c + d.lower.c) / 2
            sl = (d.Dp - d.Da) / (4 * cd)
            al = 2 * math.atan(sl)
            dl = (d.upper.delta + d.lower.delta) / 2
            theta_m = theta + al / 2
            Q = Q + (d.D + 2 * sl * dl) * _u(theta_m)
            theta = theta + al

    # The S1 endplate already carries the sacral slope of a standing patient.
    # Fractures add kyphosis; the patient compensates most of it by tilting
    # the pelvis backwards (retroversion): rotate the whole spine about the
    # S1 endplate by that share of the extra wedge angle.
    extra = 0.0
    for b in bl:
        if b.grade > 0:
            extra += b.alpha - 2 * math.atan((b.Hp0 - b.Ha0) / (4 * b.c))
    psi = -spine.params.get("compensation", 0.75) * extra
    psi = max(psi, -(ss - math.radians(15)))  # the sacral slope stays >= 15 deg
    c, s = math.cos(psi), math.sin(psi)
    R = np.array([[c, -s], [s, c]])
    for b in bl:
        b.O, b.u, b.n = R @ b.O, R @ b.u, R @ b.n
    spine.params["pelvic_compensation_deg"] = math.degrees(psi)


def reduction(h, h0) -> float:
    return 1.0 - h / h0


def genant_grade(heights: dict, expected: dict) -> int:
    """Genant grade from the largest relative height reduction against the
    expected (undeformed) heights, by the one rule in plaomodel/contract.py."""
    r = max(reduction(heights[k], expected[k]) for k in ("anterior", "middle", "posterior"))
    return grade_of_reduction(r)
