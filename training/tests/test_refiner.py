"""Stage-2 refiner groundwork (plaomodel/refiner.py): the crop geometry of models/MANIFEST.md `refiner` (the engine's
RefinerCrop.cs) against hand-computed numbers, round trips, the network's shape, size and ONNX operators, the losses
and the crop sampling. Fast (a few seconds)."""
from __future__ import annotations

import io
import math
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # training/
from plaomodel import refiner as R  # noqa: E402

# sp, ip at x = 0; sa, ia at x = 6 (8 px higher): u = (6, -8) / 10, v = (0.8, 0.6)
HAND = np.array([[6.0, -8.0], [3.0, -4.0], [0.0, 0.0], [6.0, 2.0], [3.0, 6.0], [0.0, 10.0]])  # sa sm sp ia im ip


class CropGeometry(unittest.TestCase):
    def test_hand_computed_frame(self):
        f = R.crop_frame(HAND, spacing_mm=1.0, size_mm=8.0, size_px=4)
        np.testing.assert_allclose(f.centre, [3.0, 1.0])           # mean of the six points
        np.testing.assert_allclose(f.u, [0.6, -0.8])
        np.testing.assert_allclose(f.v, [0.8, 0.6])
        self.assertEqual(f.step, 2.0)                              # side 8 mm / 1 mm = 8 px over 4 crop px
        # crop pixel (0, 0): a = b = (0 + 0.5 - 2) * 2 = -3 -> centre - 3u - 3v = (3 - 1.8 - 2.4, 1 + 2.4 - 1.8)
        np.testing.assert_allclose(f.to_image([0.0, 0.0]), [-1.2, 1.6], atol=1e-12)
        # crop pixel (row 1, column 3): a = (3.5 - 2) * 2 = 3, b = (1.5 - 2) * 2 = -1
        np.testing.assert_allclose(f.to_image([3.0, 1.0]), [3 + 1.8 - 0.8, 1 - 2.4 - 0.6], atol=1e-12)
        # the crop centre (size/2 - 0.5) is the frame centre
        np.testing.assert_allclose(f.to_image([1.5, 1.5]), f.centre, atol=1e-12)

    def test_hand_computed_samples_of_a_ramp(self):
        # bilinear interpolation is exact on a plane inside the image
        rows, cols = 40, 50
        yy, xx = np.mgrid[0:rows, 0:cols]
        img = (0.01 * xx + 0.005 * yy).astype(np.float64)
        pts = HAND + np.array([20.0, 15.0])
        f = R.crop_frame(pts, spacing_mm=1.0, size_mm=8.0, size_px=4)
        d = R.crop_display(img, f)
        q = f.to_image(np.stack(np.meshgrid(np.arange(4.0), np.arange(4.0)), -1))
        np.testing.assert_allclose(d, 0.01 * q[..., 0] + 0.005 * q[..., 1], atol=1e-12)
        # crop pixel (0, 0) by hand: image point (18.8, 16.6)
        self.assertAlmostEqual(d[0, 0], 0.01 * 18.8 + 0.005 * 16.6, places=12)
        x = R.crop(img, f)
        self.assertEqual(x.dtype, np.float32)
        np.testing.assert_allclose(x, ((d - 0.5) / 0.25).astype(np.float32))

    def test_bilinear_edges_as_the_engine(self):
        img = np.array([[1.0, 2.0], [3.0, 4.0]])
        b = lambda x, y: float(R.bilinear(img, np.array(x), np.array(y)))  # noqa: E731
        self.assertEqual(b(-1.0, 0.0), 0.0)          # x <= -1: 0
        self.assertEqual(b(0.0, -1.0), 0.0)
        self.assertEqual(b(2.0, 0.0), 0.0)           # x >= columns: 0
        self.assertEqual(b(0.0, 2.0), 0.0)
        self.assertEqual(b(float("nan"), 0.0), 0.0)
        self.assertAlmostEqual(b(-0.5, 0.0), 0.5)    # half of pixel (0, 0), the outside neighbour counts 0
        self.assertAlmostEqual(b(1.5, 1.0), 2.0)     # half of pixel (1, 1)
        self.assertAlmostEqual(b(0.5, 0.5), 2.5)
        self.assertAlmostEqual(b(1.0, 0.0), 2.0)

    def test_round_trip_truth_to_crop_and_back(self):
        rng = np.random.default_rng(3)
        for _ in range(50):
            pts = rng.uniform(0, 500, size=(6, 2))
            spacing = float(rng.choice([0.1, 0.35, 1.2])) if rng.random() < 0.8 else None
            f = R.crop_frame(pts, spacing)
            f = R.jittered_frame(f, rng.normal(0, 5, 2), rng.uniform(-0.1, 0.1))
            np.testing.assert_allclose(f.to_image(f.to_crop(pts)), pts, atol=1e-9)
            c = rng.uniform(-10, 140, size=(7, 2))
            np.testing.assert_allclose(f.to_crop(f.to_image(c)), c, atol=1e-9)
            self.assertAlmostEqual(float(np.linalg.norm(f.u)), 1.0, places=12)
            self.assertAlmostEqual(float(f.u @ f.v), 0.0, places=12)
            self.assertGreaterEqual(f.v[1], 0.0)

    def test_canonical_orientation_whichever_way_the_patient_faces(self):
        # facing right (anterior at larger x) and its mirror image: both crops put anterior at the right, cranial up
        right = np.array([[30.0, 0.0], [15.0, 1.0], [0.0, 0.0], [30.0, 25.0], [15.0, 24.0], [0.0, 25.0]])
        left = right * np.array([-1.0, 1.0]) + np.array([100.0, 0.0])
        for pts in (right, left):
            f = R.crop_frame(pts, spacing_mm=0.5)
            c = f.to_crop(pts)
            self.assertGreater(c[0, 0], c[2, 0])      # sa right of sp
            self.assertLess(c[0, 1], c[3, 1])         # sa above ia
        np.testing.assert_allclose(R.crop_frame(right, 0.5).to_crop(right), R.crop_frame(left, 0.5).to_crop(left),
                                   atol=1e-9)

    def test_side_with_and_without_spacing(self):
        self.assertAlmostEqual(R.crop_frame(HAND, 0.5).step, 64 / 0.5 / 128)
        self.assertAlmostEqual(R.crop_frame(HAND, None).step, 64 / 128)              # 64 native px
        self.assertAlmostEqual(R.crop_frame(HAND, None, size_px_without_spacing=256).step, 1.0)
        self.assertAlmostEqual(R.crop_frame(HAND, 0.0).step, 0.5)                    # non-positive: as none
        # degenerate points: image axes
        f = R.crop_frame(np.zeros((6, 2)), 1.0)
        np.testing.assert_allclose(f.u, [1, 0])
        np.testing.assert_allclose(f.v, [0, 1])


def synthetic_record(grades=(0, 0, 0, 2, 1, 0)):
    """An image with bright rectangles as vertebral bodies at 0.4 mm per pixel, their corners as points."""
    rows, cols = 700, 300
    img = np.full((rows, cols), 0.2, np.float32)
    pts = []
    for n in range(len(grades)):
        top, bottom = 40 + 100 * n, 40 + 100 * n + 62
        img[top:bottom + 1, 100:191] = 0.8
        pts.append([[188, top + 1], [145, top + 1], [102, top + 1], [188, bottom - 1], [145, bottom - 1], [102, bottom - 1]])
    return R.PhantomRecord(img, 0.4, np.array(pts, np.float64), np.array(grades, np.int64),
                           [f"T{n + 1}" for n in range(len(grades))], "DX", 0)


class RefinerData(unittest.TestCase):
    def test_crop_sample_without_jitter(self):
        rec = synthetic_record()
        x, t, mm, g = R.make_crop_sample(rec, 3, None)
        self.assertEqual(x.shape, (128, 128))
        self.assertEqual(g, 2)
        self.assertAlmostEqual(mm, 0.5)                           # 64 mm over 128 px
        np.testing.assert_allclose(t.reshape(6, 2).mean(axis=0), [63.5, 63.5], atol=1e-4)
        # the body is bright in the middle of the crop, the disc above dark
        self.assertAlmostEqual(float(x[64, 64]), (0.8 - 0.5) / 0.25, places=5)
        self.assertAlmostEqual(float(x[24, 64]), (0.2 - 0.5) / 0.25, places=5)   # 19.75 mm up: the disc above

    def test_jitter_stays_within_limits_and_targets_follow(self):
        rec = synthetic_record()
        rng = np.random.default_rng(0)
        for _ in range(30):
            x, t, mm, g = R.make_crop_sample(rec, 2, rng)
            c = t.reshape(6, 2)
            shift_mm = np.linalg.norm(c.mean(axis=0) - 63.5) * mm
            self.assertLessEqual(shift_mm, R.JITTER_SHIFT_MM + 1e-6)
            u = (c[0] + c[3]) / 2 - (c[2] + c[5]) / 2
            self.assertLessEqual(abs(math.degrees(math.atan2(u[1], u[0]))), R.JITTER_ANGLE_DEG + 1e-6)

    def test_fractured_share(self):
        recs = [synthetic_record(), synthetic_record((0, 0, 0, 0, 0, 0))]
        items = R.draw_items(recs, 4000, np.random.default_rng(1))
        share = np.mean([recs[r].grades[v] > 0 for r, v in items])
        self.assertAlmostEqual(share, R.FRACTURED_SHARE, delta=0.03)
        # no fractured vertebra in the pool: all normal, no failure
        items = R.draw_items(recs[1:], 10, np.random.default_rng(1))
        self.assertEqual(len(items), 10)


class RefinerNetAndLosses(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import torch
        torch.manual_seed(0)
        cls.torch = torch
        cls.model = R.build_net().eval()

    def test_size_and_shapes(self):
        self.assertLessEqual(R.parameter_count(self.model), 1_000_000)
        with self.torch.no_grad():
            p, s = self.model(self.torch.zeros(3, 1, 128, 128))
        self.assertEqual(tuple(p.shape), (3, 12))
        self.assertEqual(tuple(s.shape), (3, 6))
        self.assertTrue(bool(((p >= 0) & (p <= 127)).all()))

    def test_softargmax_of_a_peak_is_its_cell_centre(self):
        sa = self.model.softargmax
        heat = self.torch.full((1, 6, 64, 64), -1e4)
        heat[0, 2, 10, 20] = 0.0                                   # point 2 at cell (row 10, column 20)
        heat[0, [0, 1, 3, 4, 5], 0, 0] = 0.0
        out = sa(heat)[0].numpy()
        np.testing.assert_allclose(out[4:6], [2 * 20 + 0.5, 2 * 10 + 0.5])   # crop px: cell covers 40..41, 20..21
        np.testing.assert_allclose(out[0:2], [0.5, 0.5])

    def test_onnx_export_standard_operators(self):
        import onnx
        f = io.BytesIO()
        R.export_onnx(self.model, f)
        m = onnx.load_from_string(f.getvalue())
        onnx.checker.check_model(m)
        self.assertEqual(m.opset_import[0].version, 17)
        ops = {n.op_type for n in m.graph.node}
        # (Identity: the exporter shares equal initialisers, e.g. the zero biases of an untrained model)
        self.assertLessEqual(ops, {"Conv", "Relu", "Add", "Concat", "Resize", "GlobalAveragePool", "Reshape",
                                   "Softmax", "MatMul", "Flatten", "Constant", "Identity"})
        self.assertNotIn("BatchNormalization", ops)
        self.assertEqual([o.name for o in m.graph.output], ["points", "log_scale"])

    def test_losses(self):
        torch = self.torch
        rec = synthetic_record()
        x, t, mm, g = R.make_batch([rec], [(0, 3), (0, 0)], None)
        t = torch.from_numpy(t)
        mm = torch.from_numpy(mm)
        g = torch.from_numpy(g)
        zero = R.refiner_losses(t.clone(), torch.zeros(2, 6), t, mm, g)
        for k in ("points", "heights", "ratios", "error_mm"):
            self.assertAlmostEqual(float(zero[k]), 0.0, places=5)
        # the same 2 px shift of sa upwards (anterior height +1 mm): the fractured vertebra (grade 2) weighs 3x
        moved = t.clone()
        moved[:, 1] -= 2.0
        both = R.refiner_losses(moved, torch.zeros(2, 6), t, mm, g)
        self.assertAlmostEqual(float(both["points"]), 1.0 / 12, places=5)            # 1 mm on 1 of 12 values
        self.assertAlmostEqual(float(both["heights"]), 1.0 / 3, places=4)             # 1 mm on 1 of 3 heights
        only_frac = R.refiner_losses(moved[:1], torch.zeros(1, 6), t[:1], mm[:1], g[:1])
        self.assertAlmostEqual(float(only_frac["points"]), float(both["points"]), places=5)
        moved2 = t.clone()
        moved2[0, 1] -= 2.0                                        # only the fractured one wrong
        w = R.refiner_losses(moved2, torch.zeros(2, 6), t, mm, g)
        self.assertAlmostEqual(float(w["points"]), (3 / 4) / 12, places=5)            # weights 3 : 1
        # gradients reach the points
        p = moved.clone().requires_grad_(True)
        R.refiner_losses(p, torch.zeros(2, 6), t, mm, g)["total"].backward()
        self.assertGreater(float(p.grad.abs().sum()), 0.0)


if __name__ == "__main__":
    unittest.main()


class ResumableTraining(unittest.TestCase):
    def test_resumed_run_equals_uninterrupted_run(self):
        import argparse
        import tempfile
        import torch
        import train_refiner as T
        recs = [synthetic_record()]

        def args(ckpt, stop):
            return argparse.Namespace(seed=5, threads=1, width=4, lr=1e-3, warmup=2, steps=4, batch=2, log_every=100,
                                      val_every=100, val_crops=4, save_every=1, stop_after=stop, checkpoint=ckpt)

        with tempfile.TemporaryDirectory() as d:
            whole, _ = T.train(recs, [], args(os.path.join(d, "a", "c.pt"), 0), log=lambda s: None)
            T.train(recs, [], args(os.path.join(d, "b", "c.pt"), 2), log=lambda s: None)
            self.assertEqual(torch.load(os.path.join(d, "b", "c.pt"))["step"], 2)
            resumed, _ = T.train(recs, [], args(os.path.join(d, "b", "c.pt"), 0), log=lambda s: None)
            self.assertEqual(torch.load(os.path.join(d, "b", "c.pt"))["step"], 4)
        for (k, p), q in zip(whole.state_dict().items(), resumed.state_dict().values()):
            self.assertTrue(torch.equal(p, q), k)
