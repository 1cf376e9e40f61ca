"""Smoke test of the training pipeline: one phantom through preprocessing and targets, one optimiser step, export to
ONNX, the numpy ONNX runner against PyTorch, decoding and grading (unittest, ~20-40 s on 2 cores).

    /usr/bin/python3 -m unittest discover -s training/tests
"""

import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

import onnx_numpy  # noqa: E402
import train  # noqa: E402
from plaomodel.decode import assign_levels, decode  # noqa: E402
from plaomodel.genant import grade_spine  # noqa: E402
from plaomodel.net import LandmarkNet, fold_batch_norm  # noqa: E402
from plaomodel.preprocess import GRID_H, GRID_W, area_weights, to_image_xy, to_model_xy  # noqa: E402
from plaomodel.samples import training_samples  # noqa: E402
from plaomodel.targets import make_targets  # noqa: E402


class PreprocessTest(unittest.TestCase):
    def test_area_weights_rows_sum_to_one_and_preserve_mean(self):
        w = area_weights(1000, 333)
        self.assertTrue(np.allclose(w.sum(axis=1), 1.0))
        x = np.random.default_rng(1).random(1000)
        self.assertAlmostEqual(float((w @ x).mean()), float(x.mean()), places=3)

    def test_coordinates_round_trip(self):
        xy = np.array([[10.0, 20.0], [0.0, 0.0]])
        back = to_image_xy(to_model_xy(xy, 0.37, 0.41), 0.37, 0.41)
        self.assertTrue(np.allclose(back, xy))


class TrainingStepTest(unittest.TestCase):
    def test_one_step_export_and_numpy_runner(self):
        torch.manual_seed(0)
        samples = training_samples(3)
        x, verts, modality, _ = samples[0]
        self.assertEqual(x.shape, (1, 1, GRID_H, GRID_W))
        self.assertGreater(sum(v[2] for v in verts), 3, "a radiograph shows several whole vertebrae")
        t = make_targets(verts)
        self.assertGreater(t["mask"].sum(), 3)
        self.assertEqual(float(t["heat"].max()), 1.0)

        model = LandmarkNet()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        batch_t = {k: torch.from_numpy(np.stack([v])) for k, v in t.items()}
        before = sum(l.item() for l in train.losses(model(torch.from_numpy(x)), batch_t))
        for _ in range(3):
            loss = sum(train.losses(model(torch.from_numpy(x)), batch_t))
            opt.zero_grad()
            loss.backward()
            opt.step()
        after = sum(l.item() for l in train.losses(model(torch.from_numpy(x)), batch_t))
        self.assertLess(after, before, "three steps on one image lower its loss")

        model.eval()
        folded = fold_batch_norm(model).eval()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.onnx")
            torch.onnx.export(folded, torch.from_numpy(x), path, input_names=["image"],
                              output_names=["heatmap", "offsets", "levels"], opset_version=17,
                              dynamic_axes={"image": {0: "batch"}})
            graph = onnx.load(path)
            onnx.checker.check_model(graph)
            got = onnx_numpy.run(graph, {"image": x})
        with torch.no_grad():
            want = [a.numpy() for a in folded(torch.from_numpy(x))]
        for name, w in zip(["heatmap", "offsets", "levels"], want):
            self.assertLess(float(np.abs(got[name] - w).max()), 1e-3, name)
        found = decode(got["heatmap"][0], got["offsets"][0], got["levels"][0])
        self.assertIsInstance(found, list)


class DecodeTest(unittest.TestCase):
    def test_levels_are_increasing_and_follow_evidence(self):
        logp = [np.log(np.full(18, 1e-3)) for _ in range(4)]
        for i, lv in enumerate([12, 13, 14, 15]):     # L1..L4
            logp[i][lv] = 0.0
        self.assertEqual(assign_levels(logp), [12, 13, 14, 15])

    def test_genant_grades_from_heights(self):
        def box(h_a, h_m, h_p):
            return np.array([[0, 0], [15, 0], [30, 0], [0, h_a], [15, h_m], [30, h_p]], float)
        graded = grade_spine(["L1", "L2", "L3"], [box(25, 25, 25), box(15, 24, 25), box(25, 25, 25)])
        # ha/hp 0.60 against L2's normal 0.90: 33 % anterior reduction, grade 2 wedge
        self.assertEqual([g["genant_grade"] for g in graded], [0, 2, 0])
        self.assertEqual(graded[1]["deformity"], "wedge")


if __name__ == "__main__":
    unittest.main()
