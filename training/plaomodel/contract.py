"""The contract between training and the engine: every number of the model manifest's ``preprocessing``,
``output_decoding`` and ``grading`` sections, once (manifest schema 2, see models/MANIFEST.md).

preprocess.py, decode.py, genant.py, net.py, levels.py and make_manifest.py take their numbers from here, and the
phantom generator takes the Genant class limits from here; nothing else in training/ may hold a second copy. The
C# engine reads the same numbers from the manifest that make_manifest.py writes from this module.

Changing a number of the preprocessing or the decoding changes what model v1 sees or how its outputs are read
(it was trained with exactly these): do it only together with a new model version, and regenerate the golden files
(training/make_golden.py). The grading numbers can change without retraining (then rename RULE).

Pure Python on purpose (no numpy, no torch): the phantom generator imports it too.
"""
from __future__ import annotations

SCHEMA = 2

# ---------------------------------------------------------------------------------------------------------------
# Model input / outputs (ONNX names)
# ---------------------------------------------------------------------------------------------------------------
INPUT_NAME = "image"
OUTPUT_HEATMAP = "heatmap"
OUTPUT_OFFSETS = "offsets"
OUTPUT_LEVELS = "levels"

# ---------------------------------------------------------------------------------------------------------------
# preprocessing: image -> detector input
# ---------------------------------------------------------------------------------------------------------------
GRID_H = 448                      # detector input rows
GRID_W = 352                      # detector input columns
TARGET_SPACING_MM = 1.0           # mm per input pixel when the image has a spacing

#: attributes tried in order per Modality ("*": any other); the first present with a positive first value wins
SPACING_SOURCES = {
    "CR": ("ImagerPixelSpacing", "PixelSpacing"),
    "DX": ("ImagerPixelSpacing", "PixelSpacing"),
    "MR": ("PixelSpacing",),
    "*": ("PixelSpacing", "ImagerPixelSpacing"),
}
SPACING_COMPONENT = "row"         # the first value of the pair (distance between rows)

SCALE_RULE = "min(spacing/target, fit)"
SIZE_ROUNDING = "half_to_even"    # Python round(): out = round(n * s), clamped to [1, grid]
MODEL_SCALE = "out/in"            # s_y = out_h / rows, s_x = out_w / cols

MODALITY_LUT = "rescale"          # v = stored * RescaleSlope + RescaleIntercept (defaults 1, 0)
RESCALE_SLOPE_DEFAULT = 1.0
RESCALE_INTERCEPT_DEFAULT = 0.0
WINDOW_SOURCE = "first_pair"      # first Window Center / Window Width values
WINDOW_MIN_WIDTH = 1.0            # a window is used when width >= this, else the fallback
WINDOW_FUNCTION = "linear"        # PS3.3 C.11.2.1.2.1, divisor max(w - 1, WINDOW_MIN_DIVISOR)
WINDOW_MIN_DIVISOR = 1.0
FALLBACK_LOWER_PERCENTILE = 0.5   # without a window: lo, hi = these percentiles of every v of the frame
FALLBACK_UPPER_PERCENTILE = 99.5
FALLBACK_INTERPOLATION = "linear"  # numpy's default: position (n - 1) * q / 100, linear between neighbours
FALLBACK_MIN_RANGE = 1e-6         # y = clip((v - lo) / max(hi - lo, min_range), 0, 1)
INVERT = ("MONOCHROME1",)         # photometric interpretations for which y = 1 - y (bone bright)

RESAMPLING_KIND = "area"          # exact area-weighted mean, separable, rows then columns
RESAMPLING_PLACEMENT = "top_left"
RESAMPLING_ACCUMULATE = "float64"  # resampling and normalisation in double, the tensor in float32

NORM_SUBTRACT = 0.5               # x = (y - subtract) / divide on the image part
NORM_DIVIDE = 0.25
PADDING_VALUE = -2.0              # the rest of the grid (= the value of 0 after normalisation)

COORDINATES = "pixel_centres"     # x_model = (x_image + 0.5) * s_x - 0.5, y likewise; x is the column

# ---------------------------------------------------------------------------------------------------------------
# output_decoding: detector outputs -> vertebrae
# ---------------------------------------------------------------------------------------------------------------
STRIDE = 4                        # model pixels per output cell
OFFSET_SCALE = 8.0                # point offsets are in units of OFFSET_SCALE * STRIDE model pixels
PEAK_THRESHOLD = 0.3
PEAK_THRESHOLD_INCLUSIVE = True   # candidate when sigmoid(logit) >= threshold (> when not inclusive)
PEAK_WINDOW = 3                   # ... and equals the maximum of its window x window neighbourhood
PEAK_OUTSIDE_VALUE = -1.0         # outside the map counts as this
PEAK_TIES = "first_row_major"     # among equal maxima of a window only the first in row-major order is a peak
MAX_DETECTIONS = 30               # candidates sorted by p desc, then row, then column; the first kept
GAP_PENALTY = 4.0                 # per skipped level in the level assignment

LEVELS = tuple(f"T{i}" for i in range(1, 13)) + tuple(f"L{i}" for i in range(1, 6)) + ("S1",)
N_LEVELS = len(LEVELS)
POINTS = ("sa", "sm", "sp", "ia", "im", "ip")   # s/i superior/inferior endplate; a/m/p anterior/middle/posterior
N_POINTS = len(POINTS)

# ---------------------------------------------------------------------------------------------------------------
# grading: six points -> heights, reductions, Genant grade and type
# ---------------------------------------------------------------------------------------------------------------
RULE = "plao-genant-1"
HEIGHTS = "euclidean"             # ha = |sa - ia|, hm = |sm - im|, hp = |sp - ip| (mm with a spacing, else px)

#: Genant et al. 1993 (J Bone Miner Res 8:1137-1148): grade 1 20-25 %, grade 2 25-40 %, grade 3 > 40 % reduction.
#: (grade, min, min_inclusive): grade = the highest whose min is passed (r >= min, or r > min when not inclusive).
#: So 0.1999 -> 0, 0.20 -> 1, 0.2499 -> 1, 0.25 -> 2, 0.40 -> 2, 0.4001 -> 3.
GRADE_THRESHOLDS = ((1, 0.20, True), (2, 0.25, True), (3, 0.40, False))
UNGRADED_LEVELS = ("S1",)         # measured, never graded (grade 0, deformity "none")
KIND_TIES = ("wedge", "biconcave", "crush")     # when reductions tie, the first of these names the deformity
NO_DEFORMITY = "none"

# Normal height ratios per level: wedge = 1 - (ha/hp) / ha_hp(level), biconcave = 1 - (hm/hp) / hm_hp(level).
#
# How these were found (a literature search over stored public web pages, made for this table): queries for
# per-level normal Ha/Hp and Hm/Hp in women (Black et al. 1991 JBMR; O'Neill et al. 1994 JBMR 9:1895, the EVOS
# Malmö / Montceau / Graz centres, T4-L4; Gallagher et al. 1988 Bone Miner; McCloskey/Kanis; Diacinti et al. 2011
# Bone; Rea et al. 1998 JBMR; Lau et al. 1996 JBMR; Evans et al. 1993 Bone Miner; Hungarian, Chinese, Iranian,
# Argentine MXA reference studies) returned abstracts only: they describe per-level tables but none of their
# figures could be retrieved. The only per-level height ratios whose numbers could be read are:
#
#   Surg Radiol Anat 2011;33(3):223-228, doi:10.1007/s00276-010-0746-x (PubMed 21104252), "Wedging of vertebral
#   bodies at the thoracolumbar junction in asymptomatic healthy subjects on magnetic resonance imaging" (authors
#   not shown on the page retrieved), abstract, Results: the anterior / posterior height ratio (APR) on
#   T2-weighted sagittal MRI of 115 asymptomatic adults (68 men, 47 women, mean age 49.5 years), mean +- SD:
#   T10 0.92 +- 0.08, T11 0.92 +- 0.08, T12 0.90 +- 0.06, L1 0.89 +- 0.06, L2 0.90 +- 0.07.
#
# Those are used as ha_hp below, exactly as published. Limitations, said plainly: (1) men and women pooled (the
# paper reports a smaller APR in men, so for women these figures over-correct slightly); (2) MRI, not radiographs;
# (3) only T10-L2: by the "nearest" rule T1-T9 take T10's 0.92 and L3-L5 (and S1, which is not graded) take L2's
# 0.90, which is NOT a published figure for those levels (normal L3-L5 are not anteriorly wedged; this lowers the
# wedge reduction of lumbar L3-L5 fractures, see the evaluation in the manifest); (4) no per-level Hm/Hp figures
# could be retrieved at all: hm_hp is 1.0 at every level, i.e. no correction (the previous rule), not a published
# figure. Replace this table when the full tables of a population study (e.g. O'Neill 1994, Table 2) are at hand.
REFERENCE_LEVELS = {
    "T10": {"ha_hp": 0.92, "hm_hp": 1.0},
    "T11": {"ha_hp": 0.92, "hm_hp": 1.0},
    "T12": {"ha_hp": 0.90, "hm_hp": 1.0},
    "L1": {"ha_hp": 0.89, "hm_hp": 1.0},
    "L2": {"ha_hp": 0.90, "hm_hp": 1.0},
}
REFERENCE_OTHER_LEVELS = "nearest"   # nearest by level index; equidistant: the cranial one
REFERENCE_SOURCE = (
    "ha_hp: Surg Radiol Anat 2011;33(3):223-228, doi:10.1007/s00276-010-0746-x (PubMed 21104252), 'Wedging of "
    "vertebral bodies at the thoracolumbar junction in asymptomatic healthy subjects on magnetic resonance imaging', "
    "abstract (Results): anterior/posterior height ratio on T2-weighted sagittal MRI of 115 asymptomatic adults "
    "(68 men, 47 women, mean age 49.5), mean +- SD: T10 0.92 +- 0.08, T11 0.92 +- 0.08, T12 0.90 +- 0.06, "
    "L1 0.89 +- 0.06, L2 0.90 +- 0.07; sexes pooled, MRI. hm_hp: no per-level published figures could be "
    "retrieved; 1.0 = no correction (not a published figure). Levels without an entry take the nearest entry "
    "(T1-T9: T10; L3-L5, S1: L2), which is not a published figure for those levels. Per-level tables of the "
    "population studies (Black 1991, O'Neill 1994 EVOS, Gallagher 1988) could not be retrieved."
)


def grade_of_reduction(r: float) -> int:
    """Genant grade of one height reduction r (0.25 = 25 %): the highest grade whose minimum r passes, else 0."""
    grade = 0
    for g, lo, inclusive in GRADE_THRESHOLDS:
        if r > lo or (inclusive and r == lo):
            grade = g
    return grade


def grade_limits(upper: float) -> dict:
    """{grade: (lo, hi)} of the class limits, the last class ending at ``upper`` (for checks of drawn reductions)."""
    edges = [0.0] + [lo for _, lo, _ in GRADE_THRESHOLDS] + [upper]
    return {g: (edges[g], edges[g + 1]) for g in range(len(edges) - 1)}


def reference_level(level: str) -> str:
    """The level whose reference ratios apply to ``level`` (itself, else the nearest entry; ties: the cranial one)."""
    if level in REFERENCE_LEVELS:
        return level
    i = LEVELS.index(level)
    return min(REFERENCE_LEVELS, key=lambda name: (abs(LEVELS.index(name) - i), LEVELS.index(name)))


def reference_for(level: str) -> tuple[float, float]:
    """(ha_hp, hm_hp) of a level."""
    ref = REFERENCE_LEVELS[reference_level(level)]
    return ref["ha_hp"], ref["hm_hp"]


# ---------------------------------------------------------------------------------------------------------------
# The manifest sections (models/MANIFEST.md); field names must match it exactly
# ---------------------------------------------------------------------------------------------------------------
def manifest_preprocessing(description: str) -> dict:
    return {
        "description": description,
        "grid": {"height": GRID_H, "width": GRID_W},
        "target_spacing_mm": TARGET_SPACING_MM,
        "spacing": {"sources": {k: list(v) for k, v in SPACING_SOURCES.items()}, "component": SPACING_COMPONENT},
        "scale": {"rule": SCALE_RULE, "size_rounding": SIZE_ROUNDING, "model_scale": MODEL_SCALE},
        "intensity": {
            "modality_lut": MODALITY_LUT,
            "window": {"source": WINDOW_SOURCE, "min_width": WINDOW_MIN_WIDTH, "function": WINDOW_FUNCTION,
                       "min_divisor": WINDOW_MIN_DIVISOR},
            "fallback": {"lower_percentile": FALLBACK_LOWER_PERCENTILE, "upper_percentile": FALLBACK_UPPER_PERCENTILE,
                         "interpolation": FALLBACK_INTERPOLATION, "min_range": FALLBACK_MIN_RANGE},
            "invert": list(INVERT),
        },
        "resampling": {"kind": RESAMPLING_KIND, "placement": RESAMPLING_PLACEMENT, "accumulate": RESAMPLING_ACCUMULATE},
        "normalisation": {"subtract": NORM_SUBTRACT, "divide": NORM_DIVIDE, "padding_value": PADDING_VALUE},
        "coordinates": COORDINATES,
    }


def manifest_output_decoding(description: str) -> dict:
    return {
        "description": description,
        "outputs": {"heatmap": OUTPUT_HEATMAP, "offsets": OUTPUT_OFFSETS, "levels": OUTPUT_LEVELS},
        "stride": STRIDE,
        "offset_scale": OFFSET_SCALE,
        "peak": {"threshold": PEAK_THRESHOLD, "threshold_inclusive": PEAK_THRESHOLD_INCLUSIVE, "window": PEAK_WINDOW,
                 "ties": PEAK_TIES, "max_detections": MAX_DETECTIONS},
        "centre": "centre = ((ix + off[0]) * stride, (iy + off[1]) * stride); point k = centre + "
                  "off[2 + 2k .. 3 + 2k] * offset_scale * stride (model pixels, x = column)",
        "levels": {"names": list(LEVELS), "gap_penalty": GAP_PENALTY},
        "points": {"names": list(POINTS)},
    }


# ---------------------------------------------------------------------------------------------------------------
# refiner (stage 2 of a two-stage model): one crop per detected vertebra (plaomodel/refiner.py, RefinerCrop.cs)
# ---------------------------------------------------------------------------------------------------------------
REFINER_CROP_SIZE_MM = 64.0       # side of the square crop in mm (native pixels without a spacing)
REFINER_CROP_SIZE_PX = 128        # crop pixels per side: 0.5 mm per crop pixel
REFINER_CROP_CENTRE = "points_mean"
REFINER_CROP_AXES = "endplate"
REFINER_CROP_SAMPLING = "bilinear"
#: which vertebrae stage 2 refines: "inside" = those whose six detector points all lie in the image (pixel centres at
#: integers: -0.5 <= x <= columns - 0.5 and -0.5 <= y <= rows - 0.5); a body cut by the image border keeps the
#: detector's points (the refiner was trained on whole bodies only). "all": every vertebra.
REFINER_APPLIES_TO = "inside"
REFINER_OUTPUT_POINTS = "points"              # [n, 12] crop px, x then y per point in POINTS order
REFINER_OUTPUT_UNCERTAINTY = "log_scale"      # [n, 6] ln of the expected Euclidean point error (mm; px without spacing)


def manifest_refiner(description: str) -> dict:
    return {
        "description": description,
        "crop": {"size_mm": REFINER_CROP_SIZE_MM, "size_px": REFINER_CROP_SIZE_PX, "centre": REFINER_CROP_CENTRE,
                 "axes": REFINER_CROP_AXES, "sampling": REFINER_CROP_SAMPLING,
                 "normalisation": "as preprocessing.normalisation"},
        "applies_to": REFINER_APPLIES_TO,
        "outputs": {"points": REFINER_OUTPUT_POINTS, "point_uncertainty": REFINER_OUTPUT_UNCERTAINTY},
    }


def refiner_applies(points, rows: int, columns: int, applies_to: str = REFINER_APPLIES_TO) -> bool:
    """Whether stage 2 refines a vertebra with these detector points (image px, x = column) on a rows x columns image."""
    if applies_to == "all":
        return True
    return all(-0.5 <= float(x) <= columns - 0.5 and -0.5 <= float(y) <= rows - 0.5 for x, y in points)


def manifest_grading(description: str) -> dict:
    return {
        "description": description,
        "rule": RULE,
        "heights": HEIGHTS,
        "reference": {"levels": {k: dict(v) for k, v in REFERENCE_LEVELS.items()},
                      "other_levels": REFERENCE_OTHER_LEVELS, "source": REFERENCE_SOURCE},
        "reductions": {
            "wedge": "1 - (ha / hp) / ha_hp(level)",
            "biconcave": "1 - (hm / hp) / hm_hp(level)",
            "crush": "1 - hp / mean(hp of the reference neighbours); reference neighbours: the vertebrae just above "
                     "and just below in the list, not in ungraded_levels, whose wedge and biconcave reductions both "
                     "give grade 0; none: 0 (crush not assessed)",
        },
        "thresholds": [{"grade": g, "min": lo, "min_inclusive": inc} for g, lo, inc in GRADE_THRESHOLDS],
        "ungraded_levels": list(UNGRADED_LEVELS),
        "kind_ties": list(KIND_TIES),
    }
