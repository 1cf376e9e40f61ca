"""Projection-radiography building blocks shared by the lateral, frontal and
chest generators: attenuation primitives (ellipsoid blobs, rib tubes,
vertebral bodies), trabecular texture, and the exposure chain (heel effect,
scatter, detector blur, quantum noise, log, vendor-like processing,
quantisation, collimation).

Units: attenuation maps hold line integrals (mu * length, dimensionless);
MU_SOFT and MU_CORT are per millimetre of anatomy. Bone values are the
*excess* over the soft tissue they displace.
"""

from __future__ import annotations

import math

import numpy as np

from .common import Grid, block_mean, clip, gaussian_blur, softmin, upsample

MU_SOFT = 0.020   # soft tissue, ~85 kVp effective (1/mm)
MU_CORT = 0.050   # cortical bone excess over soft tissue (1/mm)
MU_DISC = 0.003   # disc excess over soft tissue (1/mm)


# --------------------------------------------------------------------------
# Trabecular texture
# --------------------------------------------------------------------------

def trabecular_tile(rng, px_mm: float, n: int, spacing_mm: float, thin: float,
                    blur_mm: float, anisotropy: float = 1.8) -> np.ndarray:
    """A periodic n x n tile (pixel px_mm) of projected trabecular bone,
    mean 1. Band-pass noise around 1/spacing, elongated along the rows axis
    (the vertebral axis: osteoporosis spares vertical trabeculae), then a
    soft threshold: higher ``thin`` (0..1) gives fewer, thinner strands.
    ``blur_mm`` pre-filters for the output pixel size (no aliasing)."""
    noise = rng.standard_normal((n, n))
    F = np.fft.rfft2(noise)
    fy = np.fft.fftfreq(n, d=px_mm)[:, None]
    fx = np.fft.rfftfreq(n, d=px_mm)[None, :]
    f0 = 1.0 / spacing_mm
    fr = np.sqrt(fx**2 + (fy * anisotropy) ** 2)
    filt = np.exp(-(((fr - f0) / (0.6 * f0)) ** 2)) * np.exp(-2 * (np.pi * blur_mm) ** 2 * (fx**2 + fy**2))
    filt[0, 0] = 0
    t = np.fft.irfft2(F * filt, s=(n, n))
    t /= t.std() + 1e-12
    thr = -0.3 + 1.1 * thin
    net = 1.0 / (1.0 + np.exp(-(t - thr) / 0.45))
    return (net / net.mean()).astype(np.float32)


def sample_tile(tile: np.ndarray, px_mm: float, p, v, off=(0.0, 0.0)):
    """Bilinear periodic lookup of the tile at local mm coordinates
    (p -> columns, v -> rows)."""
    n = tile.shape[0]
    x = (np.asarray(p, np.float32) + off[0]) / px_mm
    y = (np.asarray(v, np.float32) + off[1]) / px_mm
    x0 = np.floor(x)
    y0 = np.floor(y)
    wx, wy = x - x0, y - y0
    x0 = x0.astype(np.int64) % n
    y0 = y0.astype(np.int64) % n
    x1, y1 = (x0 + 1) % n, (y0 + 1) % n
    return ((tile[y0, x0] * (1 - wx) + tile[y0, x1] * wx) * (1 - wy)
            + (tile[y1, x0] * (1 - wx) + tile[y1, x1] * wx) * wy)


# --------------------------------------------------------------------------
# Primitives
# --------------------------------------------------------------------------

def add_blob(acc: np.ndarray, grid: Grid, centre, direction, a: float, b: float,
             amp: float, shell: float = 0.0) -> None:
    """Add the projection of an ellipsoid (semi-axis a along ``direction``,
    b across it, depth-profile sqrt(1-r^2)) scaled by ``amp``. ``shell`` in
    (0,1) subtracts an inner ellipsoid (relative wall thickness) so that the
    rim is brighter, like a cortical shell seen in projection."""
    centre = np.asarray(centre, float)
    d = np.asarray(direction, float)
    d = d / np.hypot(*d)
    e = np.array([-d[1], d[0]])
    corners = [centre + sa * a * d + sb * b * e for sa in (-1, 1) for sb in (-1, 1)]
    box = grid.box(np.array(corners), margin_mm=1.0)
    if box is None:
        return
    x, y = grid.coords(box)
    dx, dy = x - centre[0], y - centre[1]
    s = (dx * d[0] + dy * d[1]) / a
    t = (dx * e[0] + dy * e[1]) / b
    r2 = s * s + t * t
    val = np.sqrt(np.maximum(1 - r2, 0))
    if shell > 0:
        k = (1 - shell) ** 2
        val = val - (1 - shell) * np.sqrt(np.maximum(1 - r2 / k, 0))
    r0, r1, c0, c1 = box
    acc[r0:r1, c0:c1] += (amp * val).astype(acc.dtype)


def catmull_rom(points: np.ndarray, samples: int) -> np.ndarray:
    """Smooth curve through control points (uniform Catmull-Rom)."""
    P = np.asarray(points, float)
    P = np.vstack([2 * P[0] - P[1], P, 2 * P[-1] - P[-2]])
    out = []
    nseg = len(P) - 3
    for i in range(nseg):
        p0, p1, p2, p3 = P[i], P[i + 1], P[i + 2], P[i + 3]
        ts = np.linspace(0, 1, max(2, samples // nseg), endpoint=(i == nseg - 1))
        for t in ts:
            out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
                              + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3))
    return np.array(out)


def add_tube(acc: np.ndarray, grid: Grid, polyline: np.ndarray, radius: float,
             amp: float, shell: float = 0.25) -> None:
    """Add a tube of given radius along a polyline (projection of a hollow
    cylinder: tram-track edges). Distances are computed segment by segment,
    each only inside its own pixel box, so the cost stays small."""
    polyline = np.asarray(polyline, float)
    box = grid.box(polyline, margin_mm=radius + 1)
    if box is None:
        return
    r0, r1, c0, c1 = box
    x, y = grid.coords(box)
    D = np.full(x.shape if x.shape == y.shape else np.broadcast(x, y).shape, np.inf, np.float32)
    px = grid.to_px(polyline)
    m = radius / grid.mm_per_px + 2
    for i in range(len(polyline) - 1):
        q0, q1 = polyline[i], polyline[i + 1]
        a0 = max(int(min(px[i, 1], px[i + 1, 1]) - m), r0) - r0
        a1 = min(int(max(px[i, 1], px[i + 1, 1]) + m) + 1, r1) - r0
        b0 = max(int(min(px[i, 0], px[i + 1, 0]) - m), c0) - c0
        b1 = min(int(max(px[i, 0], px[i + 1, 0]) + m) + 1, c1) - c0
        if a0 >= a1 or b0 >= b1:
            continue
        xs, ys = x[a0:a1, b0:b1], y[a0:a1, b0:b1]
        v = q1 - q0
        ll = float(v @ v) + 1e-9
        t = clip(((xs - q0[0]) * v[0] + (ys - q0[1]) * v[1]) / ll, 0, 1)
        dd = np.hypot(xs - (q0[0] + t * v[0]), ys - (q0[1] + t * v[1]))
        sub = D[a0:a1, b0:b1]
        np.minimum(sub, dd, out=sub)
    rr = np.minimum(D / radius, 1)
    val = np.sqrt(1 - rr * rr)
    k = 1 - shell
    val = val - k * np.sqrt(np.maximum(1 - (rr / k) ** 2, 0))
    acc[r0:r1, c0:c1] += (amp * val).astype(acc.dtype)


def body_xray(acc: np.ndarray, grid: Grid, b, mat: dict, tile: np.ndarray, tile_px: float,
              tile_off, delta_mm: float = 0.0, plate_scale=(1.0, 1.0), grow=(0.0, 0.0)) -> None:
    """Lateral projection of one vertebral body (see spine.Body): trabecular
    core with texture, elliptic cortical shell, endplate plates (optionally
    doubled by ``delta_mm`` to mimic beam divergence / patient tilt), and an
    impaction band under a collapsed endplate."""
    box = grid.box(b.outline(), margin_mm=2.5 + delta_mm)
    if box is None:
        return
    x, y = grid.coords(box)
    p, v = b.to_local(x, y)
    pix = grid.mm_per_px
    # grow: fused sacral segments fill their gaps
    d, d_top, d_bot, d_ant, d_post, wa, wp = b.sdf(p, v, 0.6, grow)
    inside = clip(d / pix + 0.5, 0, 1)
    walls = clip(np.minimum(d_ant, d_post) / pix + 0.5, 0, 1)
    half = np.where(p >= 0, wa, -wp)
    nexp = np.where(p >= 0, 2.3, 3.0)
    t = mat["cortex_mm"]
    q = clip(np.abs(p) / half, 0, 1)
    prof_out = (1 - q**nexp) ** (1 / nexp)
    q_in = clip(np.abs(p) / np.maximum(half - t, 0.5), 0, 1)
    prof_in = (1 - q_in**nexp) ** (1 / nexp)
    L_out = b.B * prof_out
    L_in = (b.B - 2 * t) * prof_in
    tex = sample_tile(tile, tile_px, p, v, tile_off)
    trab = MU_CORT * mat["bvtv"] * (1 + mat["tex_amp"] * (tex - 1)) * L_in
    if b.grade > 0:
        # condensed trabeculae under the collapsed endplate
        e = d_top if b.f_sup >= 0.5 else d_bot
        trab = trab * (1 + 0.35 * b.grade * np.exp(-np.maximum(e, 0) / 3.0))
    shell = MU_CORT * (L_out - L_in)
    te = mat["endplate_mm"]

    soft = max(pix, 0.5)

    def band(z):
        return clip(np.minimum(z, te - z) / soft + 0.5, 0, 1)

    hd = delta_mm / 2
    if hd > 0.25 * pix:
        plate_t = 0.5 * (band(d_top - hd) + band(d_top + hd))
        plate_b = 0.5 * (band(d_bot - hd) + band(d_bot + hd))
    else:
        plate_t, plate_b = band(d_top), band(d_bot)
    plate = (plate_scale[0] * plate_t + plate_scale[1] * plate_b) * walls
    val = inside * (trab + shell) + MU_CORT * mat["plate_density"] * plate * L_out
    r0, r1, c0, c1 = box
    acc[r0:r1, c0:c1] += (val * mat["density"]).astype(acc.dtype)


def disc_xray(acc: np.ndarray, grid: Grid, upper, lower) -> None:
    """Faint soft-tissue density between two bodies' facing endplates."""
    pts = np.vstack([upper.outline()[2:], lower.outline()[:2]])
    box = grid.box(pts, margin_mm=2)
    if box is None:
        return
    x, y = grid.coords(box)
    pu, vu = upper.to_local(x, y)
    pl, vl = lower.to_local(x, y)
    _, vi = upper.endplates(clip(pu, -upper.W / 2, upper.W / 2))
    vs, _ = lower.endplates(clip(pl, -lower.W / 2, lower.W / 2))
    post = pu + upper.W / 2 + 0.5
    ant = (lower.W / 2 - 0.3) - pl
    d = softmin([vu - vi, vs - vl, post, ant], 0.5)
    m = clip(d / grid.mm_per_px + 0.5, 0, 1)
    r0, r1, c0, c1 = box
    acc[r0:r1, c0:c1] += (MU_DISC * 0.5 * (upper.B + lower.B) * m).astype(acc.dtype)


# --------------------------------------------------------------------------
# Exposure chain
# --------------------------------------------------------------------------

def collimation_mask(rows, cols, insets, angle_deg, soft_px) -> np.ndarray:
    """1 inside the (slightly rotated) collimated rectangle, 0 outside,
    with a penumbra of soft_px pixels. insets = (top, bottom, left, right)
    as fractions of the image size."""
    t, bt, l, r = insets
    yc = (t * rows + (1 - bt) * rows) / 2
    xc = (l * cols + (1 - r) * cols) / 2
    hh = (1 - t - bt) * rows / 2
    hw = (1 - l - r) * cols / 2
    a = math.radians(angle_deg)
    yy = np.arange(rows, dtype=np.float32)[:, None] - yc
    xx = np.arange(cols, dtype=np.float32)[None, :] - xc
    u = xx * math.cos(a) + yy * math.sin(a)
    v = -xx * math.sin(a) + yy * math.cos(a)
    d = np.minimum(hw - np.abs(u), hh - np.abs(v))
    return clip(d / max(soft_px, 0.5) + 0.5, 0, 1).astype(np.float32)


def collimation_contains(px: np.ndarray, rows, cols, insets, angle_deg, margin=1.0) -> np.ndarray:
    """Which pixel positions (N,2 [x,y]) lie inside the collimated field."""
    t, bt, l, r = insets
    yc = (t * rows + (1 - bt) * rows) / 2
    xc = (l * cols + (1 - r) * cols) / 2
    hh = (1 - t - bt) * rows / 2
    hw = (1 - l - r) * cols / 2
    a = math.radians(angle_deg)
    xx, yy = px[:, 0] - xc, px[:, 1] - yc
    u = xx * math.cos(a) + yy * math.sin(a)
    v = -xx * math.sin(a) + yy * math.cos(a)
    return (np.abs(u) <= hw - margin) & (np.abs(v) <= hh - margin)


def expose(mu: np.ndarray, grid: Grid, det_px_mm: float, P: dict, rng_noise,
           colmask: np.ndarray, body_mask: np.ndarray, ref_mask: np.ndarray) -> np.ndarray:
    """From the attenuation line-integral map to a processed image in [0,1]
    (display polarity: attenuating = bright).

    P keys: heel (fractional gradient), heel_axis (0 rows / 1 cols),
    spr (scatter-to-primary ratio under the body), scatter_mm, glare,
    quanta (photons per mm^2 at the detector behind the reference region),
    blur_mm (detector + focal spot), drc (dynamic-range compression 0..1)
    with drc_mm (its kernel), usm_gain / usm_mm (unsharp masking), edge_gain,
    tone (S-curve strength), shutter_black.
    """
    rows, cols = mu.shape
    ax = np.linspace(-0.5, 0.5, rows if P["heel_axis"] == 0 else cols, dtype=np.float32)
    heel = 1 + P["heel"] * ax
    heel = heel[:, None] if P["heel_axis"] == 0 else heel[None, :]
    prim = np.exp(-mu) * heel * colmask
    # scatter from inside the body (wide kernel) plus detector glare
    kb = max(1, int(round(2.0 / det_px_mm)))
    sig = P["scatter_mm"] / (det_px_mm * kb)
    pb = block_mean(prim * body_mask, kb)
    pa = block_mean(prim, kb)
    ref = ref_mask.astype(bool)
    prim_ref = float(np.median(prim[ref])) if ref.any() else float(prim.mean())
    sc = gaussian_blur(pb, sig)
    sc_ref = float(np.median(upsample(sc, mu.shape, kb)[ref])) if ref.any() else float(sc.mean())
    sc *= P["spr"] * prim_ref / max(sc_ref, 1e-12)
    glare = gaussian_blur(pa, sig * 1.5) * P["glare"]
    img = prim + upsample(sc + glare, mu.shape, kb)
    bs = P["blur_mm"] / det_px_mm
    if bs > 0.3:
        img = gaussian_blur(img, bs)
    # quantum noise (Poisson approximated by a Gaussian of variance = mean),
    # with the photon density fixed behind the reference region
    area = det_px_mm**2
    lvl_ref = prim_ref * (1 + P["spr"])
    n_per_unit = P["quanta"] * area / max(lvl_ref, 1e-12)
    counts = img * n_per_unit
    counts = counts + np.sqrt(np.maximum(counts, 0)) * rng_noise.standard_normal(counts.shape, dtype=np.float32)
    counts += rng_noise.standard_normal(counts.shape, dtype=np.float32) * 2.0  # electronic noise
    img = np.maximum(counts, 0.5) / n_per_unit
    lg = -np.log(img)
    # vendor-like processing on the log image: dynamic range compression and
    # unsharp masking with a wide kernel, mild edge enhancement
    kc = max(1, int(round(1.5 / det_px_mm)))
    lgc = block_mean(lg, kc)
    low_u = upsample(gaussian_blur(lgc, P["usm_mm"] / (det_px_mm * kc)), mu.shape, kc)
    low_d = upsample(gaussian_blur(lgc, P.get("drc_mm", 50.0) / (det_px_mm * kc)), mu.shape, kc)
    out = lg - P["drc"] * low_d + P["usm_gain"] * (lg - low_u)
    if P["edge_gain"] > 0:
        fine = gaussian_blur(out, max(0.8 / det_px_mm, 0.6))
        out = out + P["edge_gain"] * (out - fine)
    sample = out[ref] if ref.sum() > 100 else out[body_mask > 0.5]
    if sample.size < 100:
        sample = out.ravel()
    sample = sample[:: max(1, sample.size // 200000)]
    # exam-specific window: fitted to the spine region, with head room below
    # for darker surroundings (lungs, gas) and a little above
    lo_r, hi_r = np.percentile(sample, [1.0, 99.8])
    span = hi_r - lo_r
    lo, hi = lo_r - 0.4 * span, hi_r + 0.05 * span
    y = (out - lo) / max(hi - lo, 1e-6)
    k = P["tone"]
    y = 0.5 + 0.5 * np.tanh(k * (y - 0.5)) / math.tanh(k / 2)
    y = clip(y, 0, 1)
    if P["shutter_black"]:
        y = np.where(colmask < 0.5, 0.0, y)
    return y.astype(np.float32)


def quantise(y: np.ndarray, bits: int, photometric: str):
    """Stored values from a display-polarity image in [0,1]; returns
    (uint16 pixels, window centre, window width) in stored-value units."""
    top = (1 << bits) - 1
    v = np.rint(y * top)
    if photometric == "MONOCHROME1":
        v = top - v
    return v.astype(np.uint16), float((top + 1) / 2), float(top + 1)
