"""Smoke tests of the phantom generators (unittest, ~10-20 s):

    /usr/bin/python3 -m unittest discover -s training/tests
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402
import pydicom  # noqa: E402

from phantoms import (check_phantom, make_chest_pa, make_frontal_spine, make_mr_series,  # noqa: E402
                      make_mr_study, make_radiograph, write_dicom)
from phantoms.spine import GRADE_LIMITS, TRUTH_LEVELS  # noqa: E402


class RadiographTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ph = make_radiograph(1234, scale=0.2, scenario="run")

    def test_truth_consistent(self):
        self.assertEqual(check_phantom(self.ph), [])
        t = self.ph.truth
        json.dumps(t)
        self.assertEqual(t["generator"], "plao-phantom")
        self.assertEqual(t["view"], "lateral")
        self.assertFalse(t["skip_expected"])
        self.assertEqual(self.ph.pixels.shape, (t["rows"], t["columns"]))
        levels = [v["level"] for v in t["vertebrae"]]
        idx = [TRUTH_LEVELS.index(x) for x in levels]
        self.assertEqual(idx, list(range(idx[0], idx[0] + len(idx))))
        self.assertGreaterEqual(sum(v["fully_visible"] for v in t["vertebrae"]), 5)
        self.assertGreaterEqual(sum(v["genant_grade"] > 0 for v in t["vertebrae"]), 1)

    def test_points_and_grades(self):
        t = self.ph.truth
        for v in t["vertebrae"]:
            if v["fully_visible"]:
                for x, y in v["points_px"].values():
                    self.assertTrue(0 <= x < t["columns"] and 0 <= y < t["rows"])
            px = v["points_px"]
            sp = t["pixel_spacing_mm"][0]
            h = np.hypot(px["sa"][0] - px["ia"][0], px["sa"][1] - px["ia"][1]) * sp
            self.assertAlmostEqual(h, v["heights_mm"]["anterior"], delta=0.01)
            r = max(1 - v["heights_mm"][k] / v["expected_heights_mm"][k] for k in ("anterior", "middle", "posterior"))
            lo, hi = GRADE_LIMITS[v["genant_grade"]]
            self.assertLess(r, hi)
            if v["genant_grade"] > 0:
                self.assertGreaterEqual(r, lo)

    def test_scale_keeps_anatomy(self):
        small = make_radiograph(1234, scale=0.1, scenario="run")
        a = {v["level"]: v for v in self.ph.truth["vertebrae"]}
        b = {v["level"]: v for v in small.truth["vertebrae"]}
        for lv in set(a) & set(b):
            self.assertAlmostEqual(a[lv]["heights_mm"]["anterior"], b[lv]["heights_mm"]["anterior"], delta=0.02)
            self.assertEqual(a[lv]["genant_grade"], b[lv]["genant_grade"])

    def test_deterministic(self):
        again = make_radiograph(1234, scale=0.2, scenario="run")
        self.assertTrue(np.array_equal(again.pixels, self.ph.pixels))
        self.assertEqual(again.truth, self.ph.truth)

    def test_fracture_override(self):
        ph = make_radiograph(7, scale=0.1, field_of_view="lumbar",
                             fractures={"L2": (3, "wedge"), "L3": (2, "biconcave")})
        g = {v["level"]: (v["genant_grade"], v["deformity"]) for v in ph.truth["vertebrae"]}
        self.assertEqual(g["L2"], (3, "wedge"))
        self.assertEqual(g["L3"], (2, "biconcave"))
        self.assertEqual(check_phantom(ph), [])


class SkipViewsTest(unittest.TestCase):
    def test_skip_views(self):
        for f, view in ((make_chest_pa, "chest-pa"), (make_frontal_spine, "frontal")):
            ph = f(5, scale=0.1)
            self.assertEqual(ph.truth["view"], view)
            self.assertTrue(ph.truth["skip_expected"])
            self.assertEqual(ph.truth["vertebrae"], [])
            self.assertEqual(check_phantom(ph), [])


class MRTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.study = make_mr_study(99, matrix=256, n_slices=11, field_of_view="lumbar",
                                  fractures={"L1": (2, "wedge", True)})

    def test_series(self):
        for w, series in self.study.items():
            self.assertEqual(len(series), 11)
            self.assertEqual(len({p.truth["series_instance_uid"] for p in series}), 1)
            self.assertEqual(len({p.truth["study_instance_uid"] for p in series}), 1)
            for k, p in enumerate(series):
                self.assertEqual(p.truth["slice_index"], k)
                self.assertEqual(p.truth["weighting"], w)
                self.assertEqual(p.dicom["image_orientation"], [0.0, 1.0, 0.0, 0.0, 0.0, -1.0])
                self.assertEqual(check_phantom(p), [])
            mid = series[len(series) // 2].truth["vertebrae"]
            self.assertTrue(any(v["fully_visible"] for v in mid))
            self.assertFalse(any(v["fully_visible"] for v in series[0].truth["vertebrae"]))
            l1 = [v for v in mid if v["level"] == "L1"][0]
            self.assertTrue(l1["acute"])
            self.assertEqual(l1["genant_grade"], 2)

    def test_same_geometry_and_contrast(self):
        pts = [self.study[w][5].truth["vertebrae"][2]["points_px"] for w in ("T1", "T2", "STIR")]
        self.assertEqual(pts[0], pts[1])
        self.assertEqual(pts[1], pts[2])
        single = make_mr_series(99, "T2", matrix=256, n_slices=11, field_of_view="lumbar",
                                fractures={"L1": (2, "wedge", True)})
        self.assertTrue(np.array_equal(single[3].pixels, self.study["T2"][3].pixels))
        # oedema: the acute L1 body is darker than L3 on T1, brighter on STIR
        v = {x["level"]: x for x in self.study["T1"][5].truth["vertebrae"]}

        def mean_in(ph, lv):
            p = v[lv]["points_px"]
            x = int(round((p["sm"][0] + p["sp"][0]) / 2 * 0.3 + p["sm"][0] * 0.7))
            y0, y1 = int(p["sm"][1]) + 2, int(p["im"][1]) - 1
            return float(ph.pixels[y0:y1, x - 3:x + 4].mean())
        t1, stir = self.study["T1"][5], self.study["STIR"][5]
        self.assertLess(mean_in(t1, "L1") / mean_in(t1, "L3"), 0.9)
        self.assertGreater(mean_in(stir, "L1") / mean_in(stir, "L3"), 1.5)


class DicomTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_write_and_read_back(self):
        cases = [
            (make_radiograph(3, scale=0.1, modality="CR", photometric="MONOCHROME1"), "explicit"),
            (make_radiograph(4, scale=0.1, modality="DX", photometric="MONOCHROME2"), "implicit"),
            (make_radiograph(5, scale=0.1, modality="CR", include_spacing=False), "explicit"),
            (make_mr_series(6, "STIR", matrix=256, n_slices=11)[5], "explicit"),
        ]
        for i, (ph, ts) in enumerate(cases):
            path = os.path.join(self.dir, "%d.dcm" % i)
            write_dicom(ph, path, ts)
            ds = pydicom.dcmread(path)
            self.assertEqual(ds.SOPInstanceUID, ph.truth["sop_instance_uid"])
            self.assertEqual(ds.StudyInstanceUID, ph.truth["study_instance_uid"])
            self.assertEqual(ds.Modality, ph.truth["modality"])
            self.assertEqual(ds.PhotometricInterpretation, ph.dicom["photometric"])
            self.assertEqual((ds.Rows, ds.Columns), ph.pixels.shape)
            self.assertTrue(np.array_equal(ds.pixel_array, ph.pixels))
            attr = ph.truth["spacing_attribute"]
            for a in ("ImagerPixelSpacing", "PixelSpacing"):
                self.assertEqual(a in ds, a == attr, a)
            if attr:
                self.assertAlmostEqual(float(getattr(ds, attr)[0]), ph.truth["pixel_spacing_mm"][0], places=4)
            if ds.Modality == "MR":
                self.assertEqual([float(x) for x in ds.ImageOrientationPatient], [0, 1, 0, 0, 0, -1])
                self.assertEqual(ds.SeriesDescription, "STIR SAG")
            if shutil.which("dciodvfy"):
                out = subprocess.run(["dciodvfy", path], capture_output=True, text=True)
                errors = [l for l in (out.stdout + out.stderr).splitlines() if l.startswith("Error")]
                self.assertEqual(errors, [], path)

    @unittest.skipUnless(shutil.which("dcmcjpeg"), "DCMTK dcmcjpeg not installed")
    def test_jpeg_lossless(self):
        ph = make_radiograph(8, scale=0.1, modality="CR", photometric="MONOCHROME1")
        path = os.path.join(self.dir, "j.dcm")
        write_dicom(ph, path, "jpeg-lossless")
        ds = pydicom.dcmread(path)
        self.assertEqual(ds.file_meta.TransferSyntaxUID, "1.2.840.10008.1.2.4.70")


if __name__ == "__main__":
    unittest.main()
