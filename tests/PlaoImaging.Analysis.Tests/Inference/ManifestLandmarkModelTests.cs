using PlaoImaging.Analysis.Imaging;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Tests.Imaging;
using PlaoImaging.Analysis.Tests.Models;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Inference;

public sealed class ManifestLandmarkModelTests
{
    private static readonly (double X, double Y)[] Shape =
    [
        (-20, -14), (0, -12), (20, -15), (-21, 13), (1, 11), (19, 14),
    ];

    [Fact]
    public void Locate_SingleStage_MapsDetectorPointsToImagePixels()
    {
        var manifest = TestManifests.ReadSingleStage();
        var runner = new FakeRunner(manifest, (_, input) => OneVertebraPerItem(input.Shape[0]));
        var model = new ManifestLandmarkModel(runner);
        var image = TestImages.Image(960, 800, TestImages.Pattern(960, 800, 4096), window: (2048, 4096), spacing: TestImages.Spacing("ImagerPixelSpacing", 0.375));

        var located = Assert.Single(model.LocateDetailed([image], TestContext.Current.CancellationToken));

        var g = located.Geometry;
        var d = Assert.Single(located.Detections);
        var v = Assert.Single(located.Landmarks.Vertebrae);
        Assert.Equal("L1", v.Level);
        Assert.Null(v.RefinerConfidence);
        Assert.Equal(d.Score, v.Score);
        for (int k = 0; k < 6; k++)
        {
            Assert.Equal(((d.Points[k].X + 0.5) / g.ScaleX) - 0.5, v.Points[k].X, 12);
            Assert.Equal(((d.Points[k].Y + 0.5) / g.ScaleY) - 0.5, v.Points[k].Y, 12);
        }

        Assert.Equal(ModelIdentity.Of(manifest), model.Identity);
    }

    [Fact]
    public void Locate_FiveImagesMaxBatchTwo_RunsThreeBatchesWithPreprocessedInputs()
    {
        var manifest = TestManifests.ReadSingleStage();
        var runner = new FakeRunner(manifest, (_, input) => OneVertebraPerItem(input.Shape[0]));
        var model = new ManifestLandmarkModel(runner, new ManifestLandmarkModelOptions { MaxBatch = 2 });
        var images = Enumerable.Range(0, 5)
            .Select(i => TestImages.Image(200 + (50 * i), 180 + (10 * i), TestImages.Pattern(200 + (50 * i), 180 + (10 * i), 1000 + i), window: (500, 900)))
            .ToList();

        var result = model.Locate(images, TestContext.Current.CancellationToken);

        Assert.Equal(5, result.Count);
        Assert.Equal([[2, 1, 448, 352], [2, 1, 448, 352], [1, 1, 448, 352]], runner.Calls.Select(c => c.Shape));
        Assert.All(runner.Calls, c => Assert.Equal(ManifestLandmarkModel.DetectorStage, c.Stage));
        var preprocessor = new ModelPreprocessor(manifest);
        float[] expected = new float[preprocessor.InputLength];
        preprocessor.Prepare(images[3], expected);
        Assert.Equal(expected, runner.Calls[1].Input.AsSpan(preprocessor.InputLength, preprocessor.InputLength).ToArray());

        // the second call reuses the pooled buffer without leaking the previous batch into a smaller one
        var again = model.Locate(images[..1], TestContext.Current.CancellationToken);
        Assert.Single(again);
        Assert.Equal([1, 1, 448, 352], runner.Calls[^1].Shape);
    }

    [Fact]
    public void Locate_ConcurrentCalls_GiveTheSameAnswers()
    {
        var manifest = TestManifests.ReadSingleStage();
        var runner = new FakeRunner(manifest, (_, input) => OneVertebraPerItem(input.Shape[0]));
        var model = new ManifestLandmarkModel(runner, new ManifestLandmarkModelOptions { MaxBatch = 3, PooledBuffers = 1 });
        var images = Enumerable.Range(0, 4).Select(i => TestImages.Image(300, 200 + (40 * i), TestImages.Pattern(300, 200 + (40 * i), 999), window: (500, 900))).ToList();
        var single = model.Locate(images, TestContext.Current.CancellationToken);

        var parallel = new IReadOnlyList<ImageLandmarks>[8];
        Parallel.For(0, 8, i => parallel[i] = model.Locate(images, TestContext.Current.CancellationToken));

        foreach (var answer in parallel)
        {
            for (int i = 0; i < images.Count; i++)
            {
                Assert.Equal(single[i].Vertebrae[0].Points, answer[i].Vertebrae[0].Points);
            }
        }
    }

    [Fact]
    public void Locate_Cancelled_Throws()
    {
        var manifest = TestManifests.ReadSingleStage();
        var model = new ManifestLandmarkModel(new FakeRunner(manifest, (_, input) => OneVertebraPerItem(input.Shape[0])));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => model.Locate([TestImages.Image(10, 10, new float[100])], cts.Token));
    }

    [Fact]
    public void Locate_NoImages_RunsNothing()
    {
        var manifest = TestManifests.ReadSingleStage();
        var runner = new FakeRunner(manifest, (_, input) => OneVertebraPerItem(input.Shape[0]));
        Assert.Empty(new ManifestLandmarkModel(runner).Locate([], TestContext.Current.CancellationToken));
        Assert.Empty(runner.Calls);
    }

    [Theory]
    [InlineData(0.375, "ImagerPixelSpacing")]
    [InlineData(null, null)]
    public void Locate_TwoStageRefinerEchoingTheDetector_ReturnsTheDetectorPoints(double? spacing, string? attribute)
    {
        // The fake refiner answers each crop with the crop coordinates of the detector's own points, computed here from
        // MANIFEST.md's crop definition independently of the engine: the engine's mapping back must give them again.
        var manifest = TestManifests.ReadTwoStage();
        var image = TestImages.Image(960, 800, TestImages.Pattern(960, 800, 4096), photometric: "MONOCHROME1", window: (2048, 4096),
            spacing: attribute is null ? null : TestImages.Spacing(attribute, spacing!.Value));
        var single = new ManifestLandmarkModel(new FakeRunner(TestManifests.ReadSingleStage(), (_, input) => TwoVertebraePerItem(input.Shape[0])));
        var expected = single.Locate([image, image], TestContext.Current.CancellationToken)[0];

        var crop = manifest.Refinement!.Crop;
        var queue = new Queue<IReadOnlyList<ImagePoint>>();
        var returned = new List<(IReadOnlyList<ImagePoint> Detector, float[] Coordinates)>();
        var runner = new FakeRunner(manifest, (stage, input) =>
        {
            if (stage == ManifestLandmarkModel.DetectorStage)
            {
                return TwoVertebraePerItem(input.Shape[0]);
            }

            int n = input.Shape[0];
            var points = Tensor.Allocate(n, 12);
            var logits = Tensor.Allocate(n, 1);
            for (int b = 0; b < n; b++)
            {
                var detector = queue.Dequeue();
                var coords = CropCoordinates(detector, crop.SizeMm, crop.SizePx, spacing);
                for (int k = 0; k < 6; k++)
                {
                    points.Data[(b * 12) + (2 * k)] = (float)coords[k].X;
                    points.Data[(b * 12) + (2 * k) + 1] = (float)coords[k].Y;
                }

                returned.Add((detector, points.Data.AsSpan(b * 12, 12).ToArray()));

                logits.Data[b] = 2f;
            }

            return new Dictionary<string, Tensor> { ["points"] = points, ["confidence"] = logits };
        });
        for (int i = 0; i < 2; i++)
        {
            foreach (var v in expected.Vertebrae)
            {
                queue.Enqueue(v.Points);
            }
        }

        var model = new ManifestLandmarkModel(runner, new ManifestLandmarkModelOptions { MaxRefinerBatch = 3 });
        var result = model.Locate([image, image], TestContext.Current.CancellationToken);

        Assert.Equal(["detector", "refiner", "refiner"], runner.Calls.Select(c => c.Stage));
        Assert.Equal([[3, 1, 128, 128], [1, 1, 128, 128]], runner.Calls.Skip(1).Select(c => c.Shape));
        int job = 0;
        foreach (var located in result)
        {
            Assert.Equal(expected.Vertebrae.Count, located.Vertebrae.Count);
            for (int v = 0; v < expected.Vertebrae.Count; v++)
            {
                var got = located.Vertebrae[v];
                Assert.Equal(expected.Vertebrae[v].Level, got.Level);
                Assert.Equal(1.0 / (1.0 + Math.Exp(-2.0)), got.RefinerConfidence!.Value, 12);
                var (detector, coordinates) = returned[job++];
                for (int k = 0; k < 6; k++)
                {
                    // exactly the inverse of the crop coordinates the refiner returned (float32 in the tensor) ...
                    var back = FromCrop(detector, crop.SizeMm, crop.SizePx, spacing, coordinates[2 * k], coordinates[(2 * k) + 1]);
                    Assert.Equal(back.X, got.Points[k].X, 1e-6);
                    Assert.Equal(back.Y, got.Points[k].Y, 1e-6);

                    // ... which are the detector's points up to the float32 rounding of those coordinates
                    Assert.Equal(expected.Vertebrae[v].Points[k].X, got.Points[k].X, 1e-4);
                    Assert.Equal(expected.Vertebrae[v].Points[k].Y, got.Points[k].Y, 1e-4);
                }
            }
        }
    }

    [Fact]
    public void CropFrame_ToCropAndBack_RoundTripsWithin1e6()
    {
        ImagePoint[] points = [new(300, 400), new(280, 402), new(260, 399), new(303, 430), new(281, 428), new(262, 431)];
        var crop = TestManifests.ReadTwoStage().Refinement!.Crop;
        var frame = RefinerCrop.Frame(points, crop, 0.375);
        foreach (var p in points)
        {
            var (x, y) = frame.ToCrop(p);
            var back = frame.ToImage(x, y);
            Assert.Equal(p.X, back.X, 1e-6);
            Assert.Equal(p.Y, back.Y, 1e-6);
        }
    }

    [Fact]
    public void CropFrame_AnteriorOnTheLeft_UPointsLeftAndVDown()
    {
        // anterior (sa, ia) at x ≈ 100, posterior (sp, ip) at x ≈ 140: u = (−1, 0); v must point down the image
        ImagePoint[] points = [new(100, 100), new(120, 100), new(140, 100), new(100, 130), new(120, 130), new(140, 130)];
        var crop = TestManifests.ReadTwoStage().Refinement!.Crop;

        var frame = RefinerCrop.Frame(points, crop, 0.25);

        Assert.Equal(new ImagePoint(120, 115), frame.Centre);
        Assert.Equal(new ImagePoint(-1, 0), frame.U);
        Assert.Equal(0.0, frame.V.X, 15);
        Assert.Equal(1.0, frame.V.Y);
        Assert.Equal(64 / 0.25 / 128, frame.Step);
    }

    [Fact]
    public void CropFrame_NoSpacing_UsesSizePxWithoutSpacing()
    {
        ImagePoint[] points = [new(100, 100), new(120, 100), new(140, 100), new(100, 130), new(120, 130), new(140, 130)];
        var crop = TestManifests.ReadTwoStage().Refinement!.Crop with { SizePxWithoutSpacing = 256 };
        Assert.Equal(64.0 * 256 / 128 / 128, RefinerCrop.Frame(points, crop, null).Step);
        Assert.Equal(64.0 / 128, RefinerCrop.Frame(points, crop with { SizePxWithoutSpacing = null }, null).Step);
    }

    [Fact]
    public void Sample_BrightPixel_LandsOnItsCropPixel()
    {
        float[] values = new float[50 * 60];
        values[(20 * 60) + 30] = 100f;
        var image = TestImages.Image(50, 60, values, window: (50.5, 100)); // v=100 → y=1, v=0 → y=0
        var mapping = new ModelPreprocessor(TestManifests.ReadSingleStage()).Intensity(image);
        var frame = new CropFrame(new ImagePoint(30, 20), new ImagePoint(1, 0), new ImagePoint(0, 1), 1.0, 8);
        float[] crop = new float[64];

        RefinerCrop.Sample(image, mapping, frame, new NormalisationSpec(0.5, 0.25, -2), crop);

        // crop pixel (i, j) samples centre + (j + 0.5 − 4, i + 0.5 − 4): the pixel (20, 30) is halfway between 4 crop pixels
        Assert.Equal(((0.25 - 0.5) / 0.25), crop[(3 * 8) + 3], 6);
        Assert.Equal(((0.25 - 0.5) / 0.25), crop[(4 * 8) + 4], 6);
        Assert.Equal(-2.0, crop[0], 6);

        var outside = new CropFrame(new ImagePoint(-100, -100), new ImagePoint(1, 0), new ImagePoint(0, 1), 1.0, 8);
        RefinerCrop.Sample(image, mapping, outside, new NormalisationSpec(0.5, 0.25, -2), crop);
        Assert.All(crop, v => Assert.Equal(-2f, v));
    }

    [Fact]
    public void Bilinear_InsideAndAtTheBorder_WeightsNeighbours()
    {
        float[] values = [0f, 10f, 20f, 30f]; // 2 × 2
        var image = TestImages.Image(2, 2, values, window: (15.5, 31)); // y = v / 30
        var mapping = new ModelPreprocessor(TestManifests.ReadSingleStage()).Intensity(image);

        Assert.Equal(0.5, RefinerCrop.Bilinear(image, mapping, 0.5, 0.5), 12);
        Assert.Equal(1.0, RefinerCrop.Bilinear(image, mapping, 1, 1), 12);
        Assert.Equal(0.5, RefinerCrop.Bilinear(image, mapping, 1.5, 1), 12);   // half outside: (1 + 0) / 2
        Assert.Equal(0.0, RefinerCrop.Bilinear(image, mapping, -1, 0), 12);
    }

    /// <summary>Crop coordinates per MANIFEST.md's refiner.crop, written out independently of the engine.</summary>
    private static (double X, double Y)[] CropCoordinates(IReadOnlyList<ImagePoint> p, double sizeMm, int sizePx, double? spacing)
    {
        var (cx, cy, ux, uy, vx, vy, step) = Axes(p, sizeMm, sizePx, spacing);
        return p.Select(q =>
        {
            double a = ((q.X - cx) * ux) + ((q.Y - cy) * uy);
            double b = ((q.X - cx) * vx) + ((q.Y - cy) * vy);
            return ((a / step) + (sizePx / 2.0) - 0.5, (b / step) + (sizePx / 2.0) - 0.5);
        }).ToArray();
    }

    /// <summary>The image point of crop coordinates (x, y): centre + (x + 0.5 − size/2) step u + (y + 0.5 − size/2) step v.</summary>
    private static ImagePoint FromCrop(IReadOnlyList<ImagePoint> p, double sizeMm, int sizePx, double? spacing, double x, double y)
    {
        var (cx, cy, ux, uy, vx, vy, step) = Axes(p, sizeMm, sizePx, spacing);
        double a = (x + 0.5 - (sizePx / 2.0)) * step;
        double b = (y + 0.5 - (sizePx / 2.0)) * step;
        return new ImagePoint(cx + (a * ux) + (b * vx), cy + (a * uy) + (b * vy));
    }

    private static (double Cx, double Cy, double Ux, double Uy, double Vx, double Vy, double Step) Axes(IReadOnlyList<ImagePoint> p, double sizeMm, int sizePx, double? spacing)
    {
        double cx = p.Average(q => q.X);
        double cy = p.Average(q => q.Y);
        double ax = (p[0].X + p[3].X) / 2;
        double ay = (p[0].Y + p[3].Y) / 2;
        double px = (p[2].X + p[5].X) / 2;
        double py = (p[2].Y + p[5].Y) / 2;
        double len = Math.Sqrt(((ax - px) * (ax - px)) + ((ay - py) * (ay - py)));
        double ux = (ax - px) / len;
        double uy = (ay - py) / len;
        (double vx, double vy) = ux >= 0 ? (-uy, ux) : (uy, -ux); // the perpendicular with a positive y
        double step = (spacing is { } mm ? sizeMm / mm : sizeMm) / sizePx;
        return (cx, cy, ux, uy, vx, vy, step);
    }

    private static Dictionary<string, Tensor> OneVertebraPerItem(int batch)
    {
        var o = new DetectorOutputs(batch);
        for (int b = 0; b < batch; b++)
        {
            o.AddVertebra(b, 50, 40, 4f, 12, (161.3, 201.7), Shape.Select(s => (161.3 + s.X, 201.7 + s.Y)).ToArray());
        }

        return o.ToDictionary();
    }

    private static Dictionary<string, Tensor> TwoVertebraePerItem(int batch)
    {
        var o = new DetectorOutputs(batch);
        for (int b = 0; b < batch; b++)
        {
            o.AddVertebra(b, 40, 38, 4f, 11, (152.2, 160.9), Shape.Select(s => (152.2 + s.X, 160.9 + s.Y)).ToArray());
            // a tilted one, anterior on the right
            o.AddVertebra(b, 50, 42, 3f, 12, (170.6, 201.1), Shape.Select(s => (170.6 - s.X + (0.3 * s.Y), 201.1 + s.Y + (0.2 * s.X))).ToArray());
        }

        return o.ToDictionary();
    }
}
