"""The golden files in sample-data/golden/ must be what the reference inference computes today: re-runs it on a
radiograph and an MR slice (and on a JPEG Lossless MONOCHROME1 radiograph when DCMTK's dcmdjpeg is installed) and
compares exactly: input tensor sha256 equal, every number equal to 1e-9 (unittest, about 10 s).

If this fails after an intended change of preprocessing, decoding or grading, regenerate them
(/usr/bin/python3 training/make_golden.py), say so in the commit and tell the engine side: its golden checks change too.
"""

import json
import os
import shutil
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import make_golden  # noqa: E402

IMAGES = ["02-dx-thoracolumbar-explicit/lateral.dcm", "07-mr-sagittal-acute/T2/T2-06.dcm"]
JPEG_IMAGE = "01-cr-lumbar-mono1-jpegll/lateral.dcm"
TOL = 1e-9


def compare(test, want, got, path="$"):
    if isinstance(want, dict):
        test.assertIsInstance(got, dict, path)
        test.assertEqual(sorted(want), sorted(got), path)
        for k in want:
            compare(test, want[k], got[k], f"{path}.{k}")
    elif isinstance(want, list):
        test.assertIsInstance(got, list, path)
        test.assertEqual(len(want), len(got), path)
        for i, (a, b) in enumerate(zip(want, got)):
            compare(test, a, b, f"{path}[{i}]")
    elif isinstance(want, float) and not isinstance(got, bool):
        test.assertIsInstance(got, (int, float), path)
        test.assertLessEqual(abs(want - got), TOL * max(1.0, abs(want)), path)
    else:
        test.assertEqual(want, got, path)


class GoldenTest(unittest.TestCase):
    """The shipped two-stage model (v2); SingleStageGoldenTest below repeats the radiograph for v1."""
    MODEL = make_golden.DEFAULT_MODEL

    def check(self, rel):
        meta = make_golden.model_meta_for(self.MODEL)
        path = make_golden.golden_path(meta["id"], rel)
        self.assertTrue(os.path.exists(path), f"{path} missing: run training/make_golden.py")
        with open(path) as f:
            want = json.load(f)
        got = json.loads(make_golden.dumps(make_golden.make(self.MODEL, [rel], write=False)[rel]))
        self.assertEqual(want["input"]["sha256_float32_le"], got["input"]["sha256_float32_le"],
                         f"{rel}: the model input tensor changed (preprocessing)")
        compare(self, want, got)
        self.assertGreater(len(got["vertebrae"]), 3)

    def test_radiograph(self):
        self.check(IMAGES[0])

    def test_mr_slice(self):
        self.check(IMAGES[1])

    @unittest.skipUnless(shutil.which("dcmdjpeg"), "DCMTK dcmdjpeg not installed")
    def test_jpeg_monochrome1_radiograph(self):
        self.check(JPEG_IMAGE)

    def test_every_sample_image_has_a_golden_file(self):
        images = make_golden.sample_images()
        self.assertGreaterEqual(len(images), 41)
        for model in make_golden.MODELS:
            meta = make_golden.model_meta_for(model)
            for rel in images:
                self.assertTrue(os.path.exists(make_golden.golden_path(meta["id"], rel)), f"{meta['id']}: {rel}")

    def test_two_stage_documents_carry_the_refinement(self):
        meta = make_golden.model_meta_for(self.MODEL)
        with open(make_golden.golden_path(meta["id"], IMAGES[0])) as f:
            doc = json.load(f)
        self.assertEqual(make_golden.GOLDEN_SCHEMA_TWO_STAGE, doc["golden_schema"])
        self.assertIn("refiner", doc["model"])
        refined = [v for v in doc["vertebrae"] if v["refined"]]
        self.assertGreater(len(refined), 5)
        for v in refined:
            moved = max(abs(v["points_image"][k][i] - v["stage1_points_image"][k][i]) for k in v["points_image"]
                        for i in (0, 1))
            self.assertLess(moved * doc["spacing"]["mm"], 16.0,
                            "the refiner moved a point by more than a quarter of its crop: crop frame or mapping broken")
            self.assertEqual(len(v["crop"]["samples"]), len(make_golden.CROP_SAMPLES))
        for v in doc["vertebrae"]:
            if not v["refined"]:       # a body cut by the border: the detector's points, no stage-2 record
                self.assertNotIn("crop", v)
                self.assertTrue(any(not (-0.5 <= x <= doc["columns"] - 0.5 and -0.5 <= y <= doc["rows"] - 0.5)
                                    for x, y in v["points_image"].values()))

    def test_sample_positions_cover_image_edge_and_padding(self):
        pos = make_golden.sample_positions(360, 300)
        self.assertIn((359, 299), pos)      # last image pixel
        self.assertIn((360, 300), pos)      # first padding pixel diagonally
        self.assertIn((180, 150), pos)      # inside
        self.assertEqual(len(pos), len(set(pos)))
        self.assertTrue(all(0 <= y < 448 and 0 <= x < 352 for y, x in pos))


if __name__ == "__main__":
    unittest.main()


class SingleStageGoldenTest(unittest.TestCase):
    """Model v1 (single stage) stays reproducible: its golden files are what the engine's single-stage path is
    checked against."""

    def test_radiograph(self):
        model = make_golden.MODELS[1]
        meta = make_golden.model_meta_for(model)
        rel = IMAGES[0]
        with open(make_golden.golden_path(meta["id"], rel)) as f:
            want = json.load(f)
        got = json.loads(make_golden.dumps(make_golden.make(model, [rel], write=False)[rel]))
        self.assertEqual(make_golden.GOLDEN_SCHEMA, got["golden_schema"])
        compare(self, want, got)
