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
    def check(self, rel):
        meta = make_golden.model_meta_for(make_golden.DEFAULT_MODEL)
        path = make_golden.golden_path(meta["id"], rel)
        self.assertTrue(os.path.exists(path), f"{path} missing: run training/make_golden.py")
        with open(path) as f:
            want = json.load(f)
        got = json.loads(make_golden.dumps(make_golden.make(make_golden.DEFAULT_MODEL, [rel], write=False)[rel]))
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
        meta = make_golden.model_meta_for(make_golden.DEFAULT_MODEL)
        images = make_golden.sample_images()
        self.assertGreaterEqual(len(images), 41)
        for rel in images:
            self.assertTrue(os.path.exists(make_golden.golden_path(meta["id"], rel)), rel)

    def test_sample_positions_cover_image_edge_and_padding(self):
        pos = make_golden.sample_positions(360, 300)
        self.assertIn((359, 299), pos)      # last image pixel
        self.assertIn((360, 300), pos)      # first padding pixel diagonally
        self.assertIn((180, 150), pos)      # inside
        self.assertEqual(len(pos), len(set(pos)))
        self.assertTrue(all(0 <= y < 448 and 0 <= x < 352 for y, x in pos))


if __name__ == "__main__":
    unittest.main()
