using System.Diagnostics;
using PlaoImaging.Analysis.Imaging;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Tests.Models;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Imaging;

public sealed class ModelPreprocessorTests(ITestOutputHelper output)
{
    private static readonly ModelPreprocessor Preprocessor = new(TestManifests.ReadSingleStage());

    [Fact]
    public void Prepare_DownsampledWindowedMonochrome1_MatchesNumpyReference()
    {
        // Reference: training/plaomodel/preprocess.py on the same pattern (display_image_info, to_model_grid), numpy 1.24.
        var image = TestImages.Image(1000, 900, TestImages.Pattern(1000, 900, 4096), photometric: "MONOCHROME1",
            window: (2000, 3000), spacing: TestImages.Spacing("ImagerPixelSpacing", 0.3));
        float[] x = new float[Preprocessor.InputLength];

        var g = Preprocessor.Prepare(image, x);

        Assert.Equal((300, 270), (g.OutHeight, g.OutWidth));
        Assert.Equal(0.3, g.Scale);
        Assert.Equal(0.3, g.ScaleY);
        Assert.Equal(0.3, g.ScaleX);
        Assert.Equal("ImagerPixelSpacing", g.SpacingAttribute);
        Assert.Equal(IntensitySource.Window, g.Intensity.Source);
        Assert.True(g.Intensity.Inverted);
        Assert.Equal(2.0, x[0]);
        Assert.Equal(-1.5794332027435303, x[(150 * 352) + 100], 1e-6);
        Assert.Equal(1.8235812187194824, x[(299 * 352) + 269], 1e-6);
        Assert.Equal(-2.0, x[(299 * 352) + 270]);
        Assert.Equal(-2.0, x[300 * 352]);
        Assert.Equal(-157187.2590086038, Sum(x), 1e-2);
    }

    [Fact]
    public void Prepare_UpsampledPercentileFallback_MatchesNumpyReference()
    {
        var image = TestImages.Image(300, 250, TestImages.Pattern(300, 250, 1000, 0.37f, 0.01f), modality: "MR",
            spacing: TestImages.Spacing("PixelSpacing", 1.3));
        float[] x = new float[Preprocessor.InputLength];

        var g = Preprocessor.Prepare(image, x);

        Assert.Equal((390, 325), (g.OutHeight, g.OutWidth));
        Assert.Equal(1.3, g.ScaleY, 15);
        Assert.Equal(IntensitySource.Percentiles, g.Intensity.Source);
        Assert.False(g.Intensity.Inverted);
        Assert.Equal(1.4900000095367432, g.Intensity.PercentileLow);
        Assert.Equal(367.7900085449219, g.Intensity.PercentileHigh);
        Assert.Equal(-2.0, x[0]);
        Assert.Equal(-1.54747474193573, x[(200 * 352) + 160], 1e-6);
        Assert.Equal(-1.1595959663391113, x[(389 * 352) + 324], 1e-6);
        Assert.Equal(-2.0, x[(389 * 352) + 325]);
        Assert.Equal(-61772.95653629491, Sum(x), 1e-2);
    }

    [Theory]
    [InlineData(517, 433, 0.41, "MONOCHROME2", true)]
    [InlineData(97, 61, 2.7, "MONOCHROME1", false)]
    [InlineData(2000, 64, 0.2, "MONOCHROME2", true)]
    [InlineData(50, 1500, null, "MONOCHROME1", true)]
    public void Prepare_AnyShape_EqualsDenseMatrixReference(int rows, int cols, double? spacing, string photometric, bool windowed)
    {
        var random = new Random(rows * cols);
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 4000) - 500;
        }

        var image = TestImages.Image(rows, cols, values, photometric: photometric, window: windowed ? (1500, 2500) : null,
            spacing: spacing is { } mm ? TestImages.Spacing("PixelSpacing", mm) : null);
        float[] x = new float[Preprocessor.InputLength];
        var g = Preprocessor.Prepare(image, x);
        double[,] reference = TestImages.DenseReference(image, g, Preprocessor.Spec.Normalisation, 448, 352);

        double worst = 0;
        for (int j = 0; j < 448; j++)
        {
            for (int k = 0; k < 352; k++)
            {
                worst = Math.Max(worst, Math.Abs(x[(j * 352) + k] - reference[j, k]));
            }
        }

        Assert.True(worst < 1e-6, $"max difference {worst}");
    }

    [Fact]
    public void Prepare_BatchSlot_WritesOnlyItsOwnItem()
    {
        var image = TestImages.Image(100, 80, TestImages.Pattern(100, 80, 4096), window: (2048, 4096));
        float[] batch = new float[3 * Preprocessor.InputLength];
        batch.AsSpan().Fill(42f);

        Preprocessor.Prepare(image, batch.AsSpan(Preprocessor.InputLength, Preprocessor.InputLength));

        Assert.Equal(42f, batch[Preprocessor.InputLength - 1]);
        Assert.Equal(-2f, batch[(2 * Preprocessor.InputLength) - 1]);
        Assert.Equal(42f, batch[2 * Preprocessor.InputLength]);
    }

    [Fact]
    public void Prepare_DestinationTooSmall_Throws()
    {
        var image = TestImages.Image(10, 10, new float[100]);
        Assert.Throws<ArgumentException>(() => Preprocessor.Prepare(image, new float[100]));
    }

    [Fact]
    public void Prepare_TooFewValues_RejectsImage()
    {
        var image = TestImages.Image(10, 10, new float[99]);
        Assert.Throws<ImageRejectedException>(() => Preprocessor.Prepare(image, new float[Preprocessor.InputLength]));
    }

    [Fact]
    public void Geometry_NoSpacing_FitsTheGrid()
    {
        var g = Preprocessor.Geometry(TestImages.Image(960, 800, new float[960 * 800], window: (1, 2)));
        double fit = Math.Min(448.0 / 960, 352.0 / 800);
        Assert.Equal(fit, g.Scale);
        Assert.Equal((422, 352), (g.OutHeight, g.OutWidth));
        Assert.Null(g.SpacingAttribute);
        Assert.Null(g.SpacingMm);
    }

    [Fact]
    public void Geometry_SpacingCoarserThanFit_UsesFit()
    {
        var g = Preprocessor.Geometry(TestImages.Image(960, 800, new float[960 * 800], window: (1, 2), spacing: TestImages.Spacing("ImagerPixelSpacing", 0.6)));
        Assert.Equal(0.44, g.Scale);
        Assert.Equal((422, 352), (g.OutHeight, g.OutWidth));
        Assert.Equal(422.0 / 960, g.ScaleY);
        Assert.Equal(352.0 / 800, g.ScaleX);
    }

    [Theory]
    [InlineData(5, 0.5, 2)]     // 2.5 → 2
    [InlineData(7, 0.5, 4)]     // 3.5 → 4
    [InlineData(9, 0.5, 4)]     // 4.5 → 4
    [InlineData(3, 0.1, 1)]     // 0.3 → 0, clamped to 1
    public void Geometry_SizeRoundsHalfToEven(int rows, double spacing, int expectedRows)
    {
        var g = Preprocessor.Geometry(TestImages.Image(rows, 1, new float[rows], window: (1, 2), spacing: TestImages.Spacing("PixelSpacing", spacing)));
        Assert.Equal(expectedRows, g.OutHeight);
        Assert.Equal((double)expectedRows / rows, g.ScaleY);
    }

    [Theory]
    [InlineData("CR", "ImagerPixelSpacing", 0.15)]
    [InlineData("DX", "ImagerPixelSpacing", 0.15)]
    [InlineData("MR", "PixelSpacing", 0.2)]
    [InlineData("CT", "PixelSpacing", 0.2)]
    public void SpacingOf_BothAttributes_FollowsTheModalityOrder(string modality, string attribute, double mm)
    {
        var spacing = new Dictionary<string, (double Row, double Column)> { ["ImagerPixelSpacing"] = (0.15, 0.16), ["PixelSpacing"] = (0.2, 0.21) };
        var (used, value) = Preprocessor.SpacingOf(TestImages.Image(1, 1, [0f], modality: modality, spacing: spacing));
        Assert.Equal(attribute, used);
        Assert.Equal(mm, value);
    }

    [Fact]
    public void SpacingOf_MrWithImagerPixelSpacingOnly_HasNone()
    {
        var (used, value) = Preprocessor.SpacingOf(TestImages.Image(1, 1, [0f], modality: "MR", spacing: TestImages.Spacing("ImagerPixelSpacing", 0.3)));
        Assert.Null(used);
        Assert.Null(value);
    }

    [Fact]
    public void SpacingOf_CrWithPixelSpacingOnly_FallsBackToIt()
    {
        var (used, value) = Preprocessor.SpacingOf(TestImages.Image(1, 1, [0f], modality: "CR", spacing: TestImages.Spacing("PixelSpacing", 0.3)));
        Assert.Equal("PixelSpacing", used);
        Assert.Equal(0.3, value);
    }

    [Fact]
    public void Intensity_Window_FollowsPs33LinearFunction()
    {
        var m = Preprocessor.Intensity(TestImages.Image(1, 1, [0f], window: (100, 51)));
        // lower = c − 0.5 − (w − 1)/2 = 74.5; divisor = 50
        Assert.Equal(74.5, m.Lower);
        Assert.Equal(50, m.Divisor);
        Assert.Equal(0.0, m.Apply(74.5));
        Assert.Equal(0.5, m.Apply(99.5));
        Assert.Equal(1.0, m.Apply(124.5));
        Assert.Equal(0.0, m.Apply(-1000));
        Assert.Equal(1.0, m.Apply(1000));
    }

    [Fact]
    public void Intensity_Monochrome1_Inverts()
    {
        var m = Preprocessor.Intensity(TestImages.Image(1, 1, [0f], photometric: "MONOCHROME1", window: (100, 51)));
        Assert.True(m.Inverted);
        Assert.Equal(1.0, m.Apply(0));
        Assert.Equal(0.25, m.Apply(112));
    }

    [Fact]
    public void Intensity_WidthOne_DividesByMinDivisor()
    {
        var m = Preprocessor.Intensity(TestImages.Image(1, 1, [0f], window: (10, 1)));
        Assert.Equal(IntensitySource.Window, m.Source);
        Assert.Equal(9.5, m.Lower);
        Assert.Equal(1.0, m.Divisor);
    }

    [Fact]
    public void Intensity_WidthBelowMinimum_UsesPercentiles()
    {
        var m = Preprocessor.Intensity(TestImages.Image(1, 3, [3f, 1f, 2f], window: (10, 0.5)));
        Assert.Equal(IntensitySource.Percentiles, m.Source);
        Assert.Equal(1.01, m.PercentileLow!.Value, 14);
        Assert.Equal(2.99, m.PercentileHigh!.Value, 14);
    }

    [Fact]
    public void Intensity_ConstantImage_DividesByMinRange()
    {
        var m = Preprocessor.Intensity(TestImages.Image(2, 2, [7f, 7f, 7f, 7f]));
        Assert.Equal(7.0, m.Lower);
        Assert.Equal(1e-6, m.Divisor);
    }

    [Fact]
    public void Percentiles_IntegerValues_EqualNumpy()
    {
        // numpy.percentile(v, [0.5, 99.5]) of the same pattern: 20.0, 4074.0
        var (lo, hi) = ModelPreprocessor.Percentiles(TestImages.Pattern(333, 257, 4096), 0.5, 99.5);
        Assert.Equal(20.0, lo);
        Assert.Equal(4074.0, hi);
    }

    [Fact]
    public void Percentiles_RealValues_EqualNumpy()
    {
        // numpy: -9.576000213623047, 698.031982421875 (values in float32, percentiles in float64)
        var (lo, hi) = ModelPreprocessor.Percentiles(TestImages.Pattern(333, 257, 977, 0.731f, -12.5f), 0.5, 99.5);
        Assert.Equal(-9.576000213623047, lo);
        Assert.Equal(698.031982421875, hi);
    }

    [Fact]
    public void Percentiles_RealAndIntegerPaths_AgreeWithSorting()
    {
        var random = new Random(7);
        foreach (int n in new[] { 1, 2, 3, 10, 199, 1000, 12345 })
        {
            float[] ints = Enumerable.Range(0, n).Select(_ => (float)random.Next(-300, 5000)).ToArray();
            float[] reals = ints.Select(v => v + 0.25f).ToArray();
            foreach (float[] values in new[] { ints, reals })
            {
                foreach (var (p, q) in new[] { (0.5, 99.5), (0.0, 100.0), (10.0, 90.0), (50.0, 50.1) })
                {
                    var (lo, hi) = ModelPreprocessor.Percentiles(values, p, q);
                    Assert.Equal(SortedPercentile(values, p), lo, 9);
                    Assert.Equal(SortedPercentile(values, q), hi, 9);
                }
            }
        }
    }

    [Fact]
    public void AreaWeights_FiveToTwo_AreOverlapFractions()
    {
        var w = ModelPreprocessor.AreaWeightsFor(5, 2);
        var (first0, w0) = w.Of(0);
        var (first1, w1) = w.Of(1);
        Assert.Equal(0, first0);
        Assert.Equal([0.4, 0.4, 0.2], w0.ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(2, first1);
        Assert.Equal([0.2, 0.4, 0.4], w1.ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Fact]
    public void AreaWeights_TwoToFive_RepeatInputs()
    {
        var w = ModelPreprocessor.AreaWeightsFor(2, 5);
        Assert.Equal(5, w.OutputLength);
        var (first2, w2) = w.Of(2);
        Assert.Equal(0, first2);
        Assert.Equal([0.5, 0.5], w2.ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
        var (first4, w4) = w.Of(4);
        Assert.Equal(1, first4);
        Assert.Equal([1.0], w4.ToArray());
    }

    [Fact]
    public void Coordinates_ToModelAndBack_RoundTrip()
    {
        var g = Preprocessor.Geometry(TestImages.Image(960, 800, new float[960 * 800], window: (1, 2), spacing: TestImages.Spacing("ImagerPixelSpacing", 0.375)));
        var p = new ImagePoint(123.25, 456.5);
        var m = g.ToModel(p);
        Assert.Equal(((123.25 + 0.5) * g.ScaleX) - 0.5, m.X);
        Assert.Equal(((456.5 + 0.5) * g.ScaleY) - 0.5, m.Y);
        var back = g.ToImage(m);
        Assert.Equal(p.X, back.X, 10);
        Assert.Equal(p.Y, back.Y, 10);
        Assert.Equal(new ModelPoint(-0.5 + (0.5 * g.ScaleX), -0.5 + (0.5 * g.ScaleY)), g.ToModel(new ImagePoint(0, 0)));
    }

    [Fact]
    public void Prepare_Radiograph2400x2000_IsFast()
    {
        var image = TestImages.Image(2400, 2000, TestImages.Pattern(2400, 2000, 4096), photometric: "MONOCHROME1",
            window: (2048, 4000), spacing: TestImages.Spacing("ImagerPixelSpacing", 0.15));
        float[] x = new float[Preprocessor.InputLength];
        Preprocessor.Prepare(image, x);
        var times = new List<double>();
        for (int i = 0; i < 10; i++)
        {
            var watch = Stopwatch.StartNew();
            Preprocessor.Prepare(image, x);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        var fallback = TestImages.Image(2400, 2000, image.Values, photometric: "MONOCHROME1", spacing: image.SpacingAttributes);
        var fallbackTimes = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            Preprocessor.Prepare(fallback, x);
            fallbackTimes.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        fallbackTimes.Sort();
        output.WriteLine($"2400 x 2000 → 360 x 300: median {times[5]:F1} ms, best {times[0]:F1} ms (window); percentile fallback median {fallbackTimes[2]:F1} ms");
        Assert.True(times[0] < 200, $"best of 10: {times[0]:F1} ms");
    }

    private static double Sum(float[] x) => x.Sum(v => (double)v);

    private static double SortedPercentile(float[] values, double percent)
    {
        double[] sorted = values.Select(v => (double)v).Order().ToArray();
        double vi = (sorted.Length - 1) * (percent / 100);
        int lo = (int)Math.Floor(vi);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (vi - lo));
    }
}
