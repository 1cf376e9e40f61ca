"""The contract (training/plaomodel/contract.py): the one Genant rule at its boundaries, in both places that use it
(grading and the phantom generator), the level-specific grading rule plao-genant-1, the preprocessing fallback, and
the committed manifest against contract.py (unittest, about 1 s).
"""

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

from phantoms import spine  # noqa: E402
from phantoms.validate import check_phantom  # noqa: E402
from plaomodel import contract as C  # noqa: E402
from plaomodel import decode as dec  # noqa: E402
from plaomodel import genant  # noqa: E402
from plaomodel import preprocess as pre  # noqa: E402
from plaomodel.genant import grade_spine  # noqa: E402

BOUNDARIES = [(0.0, 0), (0.1999, 0), (0.20, 1), (0.2499, 1), (0.25, 2), (0.3999, 2), (0.40, 2), (0.4001, 3), (0.9, 3),
              (-0.3, 0)]


def box(ha, hm, hp, depth=30.0):
    """Six points (sa, sm, sp, ia, im, ip) of a body with the given heights (anterior at x = 0)."""
    return np.array([[0, 0], [depth / 2, 0], [depth, 0], [0, ha], [depth / 2, hm], [depth, hp]], float)


def normal(level, hp=25.0):
    """A body with exactly its level's reference shape."""
    ha_hp, hm_hp = C.reference_for(level)
    return box(hp * ha_hp, hp * hm_hp, hp)


class GenantRuleTest(unittest.TestCase):
    def test_boundaries(self):
        for r, g in BOUNDARIES:
            self.assertEqual(C.grade_of_reduction(r), g, r)

    def test_phantom_generator_uses_the_same_rule(self):
        # the generator's reduction is 1 - h / h0; h0 = 1 and these h give the reductions exactly (1 - 0.6 == 0.4)
        expected = {"anterior": 1.0, "middle": 1.0, "posterior": 1.0}
        for h, g in [(0.8001, 0), (0.8 - 1e-12, 1), (0.7501, 1), (0.75, 2), (0.6, 2), (0.5999, 3)]:
            heights = {"anterior": 1.0, "middle": h, "posterior": 1.0}
            self.assertEqual(spine.genant_grade(heights, expected), g, h)
            self.assertEqual(spine.genant_grade(heights, expected), C.grade_of_reduction(1.0 - h), h)
        self.assertEqual(1.0 - 0.6, 0.40)   # so 40 % is grade 2 in the generator too (it was grade 3)
        self.assertIs(genant.grade_of_reduction, C.grade_of_reduction)

    def test_phantom_class_limits_come_from_the_rule(self):
        self.assertEqual(spine.GRADE_LIMITS, {0: (0.0, 0.20), 1: (0.20, 0.25), 2: (0.25, 0.40), 3: (0.40, 0.65)})
        for g, (lo, hi) in spine.GRADE_RANGES.items():
            self.assertEqual(C.grade_of_reduction(lo), g)
            self.assertEqual(C.grade_of_reduction(hi), g)

    def test_validate_flags_a_wrong_grade(self):
        from phantoms import make_radiograph
        ph = make_radiograph(4321, scale=0.12)
        self.assertEqual(check_phantom(ph), [])
        v = ph.truth["vertebrae"][0]
        v["genant_grade"] = 3 if v["genant_grade"] != 3 else 2
        self.assertTrue(any(f"{v['level']} grade {v['genant_grade']}" in e for e in check_phantom(ph)))


class ReferenceTest(unittest.TestCase):
    def test_published_levels_and_nearest(self):
        self.assertEqual(C.reference_for("L1"), (0.89, 1.0))
        self.assertEqual(C.reference_level("T7"), "T10")       # T1-T9: T10
        self.assertEqual(C.reference_level("T1"), "T10")
        self.assertEqual(C.reference_level("L4"), "L2")        # L3-L5, S1: L2
        self.assertEqual(C.reference_level("S1"), "L2")
        for lv in C.LEVELS:
            ha_hp, hm_hp = C.reference_for(lv)
            self.assertTrue(0.8 <= ha_hp <= 1.2 and 0.8 <= hm_hp <= 1.2, lv)
        self.assertIn("doi:10.1007/s00276-010-0746-x", C.REFERENCE_SOURCE)


class GradeSpineTest(unittest.TestCase):
    def test_physiological_midthoracic_wedging_is_not_a_fracture(self):
        # ha/hp = 0.80 (20 % wedging): grade 1 against a rectangle, grade 0 against the 0.92 reference
        levels = ["T6", "T7", "T8"]
        g = grade_spine(levels, [box(20, 24, 25), box(20, 24, 25), box(20, 24, 25)])
        self.assertEqual([v["genant_grade"] for v in g], [0, 0, 0])
        self.assertAlmostEqual(g[1]["reductions"]["wedge"], 1 - 0.80 / 0.92)

    def test_wedge_fracture_against_reference(self):
        g = grade_spine(["T12", "L1", "L2"], [normal("T12"), box(15, 24, 25), normal("L2")])
        self.assertAlmostEqual(g[1]["reductions"]["wedge"], 1 - 0.6 / 0.89)
        self.assertEqual((g[1]["genant_grade"], g[1]["deformity"]), (2, "wedge"))
        self.assertEqual((g[0]["genant_grade"], g[0]["deformity"]), (0, "none"))

    def test_crush_uses_only_normal_neighbours(self):
        # L1 crushed (hp 18 vs 25 around); L2 is itself a grade-2 wedge, so only T12 is a reference neighbour
        g = grade_spine(["T12", "L1", "L2"], [normal("T12", 25.0), normal("L1", 18.0), box(15, 24, 25)])
        self.assertTrue(g[1]["crush_assessed"])
        self.assertAlmostEqual(g[1]["reductions"]["crush"], 1 - 18.0 / 25.0)
        self.assertEqual((g[1]["genant_grade"], g[1]["deformity"]), (2, "crush"))

    def test_crush_not_assessed_without_reference_neighbour(self):
        g = grade_spine(["L1", "L2"], [normal("L1", 18.0), box(15, 24, 25)])
        self.assertFalse(g[0]["crush_assessed"])
        self.assertEqual(g[0]["reductions"]["crush"], 0.0)
        one = grade_spine(["L1"], [normal("L1")])
        self.assertFalse(one[0]["crush_assessed"])

    def test_s1_is_measured_never_graded_nor_a_reference(self):
        g = grade_spine(["L5", "S1"], [normal("L5", 25.0), box(10, 10, 30)])
        self.assertEqual((g[1]["genant_grade"], g[1]["deformity"]), (0, "none"))
        self.assertGreater(g[1]["reductions"]["wedge"], 0.4)
        self.assertFalse(g[0]["crush_assessed"])               # S1 is not a reference neighbour

    def test_ties_named_wedge_then_biconcave_then_crush(self):
        ha_hp, hm_hp = C.reference_for("L1")
        g = grade_spine(["L1"], [box(ha_hp * 0.5, hm_hp * 0.5, 1.0, depth=1.0)])   # both exactly 0.5
        self.assertEqual(g[0]["reductions"]["wedge"], g[0]["reductions"]["biconcave"])
        self.assertEqual(g[0]["deformity"], "wedge")
        self.assertEqual(C.KIND_TIES, ("wedge", "biconcave", "crush"))


class PreprocessTest(unittest.TestCase):
    def test_percentile_fallback_without_window(self):
        v = np.random.default_rng(3).integers(0, 4096, (50, 40)).astype(np.uint16)
        y, info = pre.display_image_info(v, 2.0, -100.0, None, None, "MONOCHROME1")
        s = np.sort((v.astype(np.float64) * 2.0 - 100.0).ravel())
        n = s.size

        def pct(q):  # linear interpolation between the sorted values, position (n - 1) q / 100
            pos = (n - 1) * q / 100
            i = int(np.floor(pos))
            return s[i] + (s[min(i + 1, n - 1)] - s[i]) * (pos - i)
        lo, hi = pct(0.5), pct(99.5)
        self.assertEqual(info["kind"], "percentiles")
        self.assertAlmostEqual(info["lo"], lo, places=9)
        self.assertAlmostEqual(info["hi"], hi, places=9)
        want = 1.0 - np.clip((v * 2.0 - 100.0 - lo) / (hi - lo), 0, 1)
        self.assertLess(float(np.abs(y - want).max()), 1e-12)

    def test_window_below_min_width_falls_back(self):
        v = np.arange(100, dtype=np.uint16).reshape(10, 10)
        _, info = pre.display_image_info(v, 1.0, 0.0, 50.0, 0.5, "MONOCHROME2")
        self.assertEqual(info["kind"], "percentiles")
        y, info = pre.display_image_info(v, 1.0, 0.0, 50.0, 21.0, "MONOCHROME2")
        self.assertEqual((info["kind"], info["inverted"]), ("window", False))
        self.assertEqual(float(y[3, 0]), 0.0)           # v = 30 < c - 0.5 - (w - 1) / 2 = 39.5
        self.assertAlmostEqual(float(y[5, 0]), (50 - 39.5) / 20)

    def test_spacing_sources_per_modality(self):
        both = {"ImagerPixelSpacing": [0.2, 0.2], "PixelSpacing": [0.3, 0.3]}
        self.assertEqual(pre.pixel_spacing(dict(both, Modality="CR")), (0.2, "ImagerPixelSpacing"))
        self.assertEqual(pre.pixel_spacing(dict(both, Modality="DX")), (0.2, "ImagerPixelSpacing"))
        self.assertEqual(pre.pixel_spacing(dict(both, Modality="MR")), (0.3, "PixelSpacing"))
        self.assertEqual(pre.pixel_spacing(dict(both, Modality="CT")), (0.3, "PixelSpacing"))
        self.assertEqual(pre.pixel_spacing({"Modality": "MR", "ImagerPixelSpacing": [0.2, 0.2]}), (None, None))
        self.assertEqual(pre.pixel_spacing({"Modality": "CR", "ImagerPixelSpacing": [0, 0], "PixelSpacing": [0.3, 0.3]}),
                         (0.3, "PixelSpacing"))

    def test_size_rounding_half_to_even(self):
        # rows * s = 2.5 exactly -> 2 (half to even), cols * s = 3.5 -> 4
        g = pre.grid_geometry(10, 14, 0.25)
        self.assertEqual((g["out_h"], g["out_w"]), (2, 4))
        self.assertEqual((g["s_y"], g["s_x"]), (0.2, 4 / 14))


class DecodeTest(unittest.TestCase):
    def test_peak_ties_first_in_row_major_order(self):
        p = np.zeros((6, 6), np.float32)
        p[2, 2] = p[2, 3] = 0.8          # equal neighbours: only the first is a peak
        p[4, 0] = 0.3                    # exactly the threshold: inclusive
        self.assertEqual([(iy, ix) for _, iy, ix in dec.find_peaks(p)], [(2, 2), (4, 0)])


class ManifestTest(unittest.TestCase):
    MANIFESTS = ["plao-vertebra-landmarks-v1.json", "plao-vertebra-landmarks-v2.json"]

    def test_committed_manifests_match_contract(self):
        import hashlib
        import make_manifest
        for name in self.MANIFESTS:
            with self.subTest(name):
                with open(os.path.join(ROOT, "models", name)) as f:
                    m = json.load(f)
                self.assertEqual(m["schema"], C.SCHEMA)
                self.assertEqual(m["preprocessing"], C.manifest_preprocessing(pre.__doc__.strip()))
                self.assertEqual(m["output_decoding"], C.manifest_output_decoding(dec.__doc__.strip()))
                self.assertEqual(m["grading"], C.manifest_grading(genant.__doc__.strip()),
                                 f"stale manifest: run training/make_manifest.py --update models/{name}")
                for stage in m["stages"].values():
                    with open(os.path.join(ROOT, "models", stage["file"]), "rb") as f:
                        data = f.read()
                    self.assertEqual((stage["sha256"], stage["size_bytes"]), (hashlib.sha256(data).hexdigest(), len(data)))
                if m["architecture"] == "two-stage":
                    self.assertEqual(m["refiner"], C.manifest_refiner(make_manifest.REFINER_DESCRIPTION),
                                     f"stale manifest: run training/make_manifest.py --update models/{name}")
                else:
                    self.assertNotIn("refiner", m)

    def test_refiner_applies_only_to_whole_bodies(self):
        inside = [(0, 0), (10, 5), (99.5, 49.5), (-0.5, -0.5), (50, 20), (60, 20)]
        self.assertTrue(C.refiner_applies(inside, rows=50, columns=100))
        self.assertFalse(C.refiner_applies([(0, -0.51)] + inside[1:], rows=50, columns=100))
        self.assertFalse(C.refiner_applies([(100.0, 5)] + inside[1:], rows=50, columns=100))
        self.assertTrue(C.refiner_applies([(0, -3)] + inside[1:], rows=50, columns=100, applies_to="all"))


class EvaluationReportTests(unittest.TestCase):
    """The evaluation report and the manifest built from it are read by the engine's JSON parser, which refuses NaN."""

    def test_undefined_values_are_written_null(self):
        import evaluate
        report = {"kappa": float("nan"), "groups": [{"kappa": np.float64("nan"), "n": 3}], "ok": 0.5, "inf": float("inf")}
        text = json.dumps(evaluate.json_safe(report), allow_nan=False)
        self.assertEqual(json.loads(text), {"kappa": None, "groups": [{"kappa": None, "n": 3}], "ok": 0.5, "inf": None})

    def test_shipped_manifests_are_strict_json(self):
        for name in ("plao-vertebra-landmarks-v1.json", "plao-vertebra-landmarks-v2.json"):
            with open(os.path.join(ROOT, "models", name)) as f:
                json.load(f, parse_constant=lambda c: self.fail(f"{name}: {c} is not JSON"))


if __name__ == "__main__":
    unittest.main()
