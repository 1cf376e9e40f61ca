using System.Security.Cryptography;
using PlaoImaging.Analysis.Imaging;
using PlaoImaging.Analysis.Morphometry;
using PlaoImaging.Analysis.Tests.Models;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Golden;

/// <summary>
/// The engine against the Python reference's golden files (sample-data/golden/): every sample image read through the
/// library, preprocessed and compared with the reference's input tensor; every reference vertebra graded and compared
/// with the reference's heights, reductions and grades. (Decoding parity needs the network's outputs: that test runs the
/// model, in PlaoImaging.Analysis.OnnxRuntime.Tests, with <see cref="GoldenFile.CompareLandmarks"/>.)
/// </summary>
public sealed class GoldenParityTests(ITestOutputHelper output)
{
    // The shipped two-stage model: its golden files add the refined points (the preprocessing is the detector's, as v1's).
    private static readonly Lazy<ModelManifest> Manifest = new(() => ModelManifestReader.Read(RepositoryFiles.Path("models", "plao-vertebra-landmarks-v2.json")));

    public static TheoryData<string> Images()
    {
        var data = new TheoryData<string>();
        foreach (var (image, _) in GoldenFile.Enumerate(RepositoryFiles.Path("sample-data"), Manifest.Value.Id))
        {
            data.Add(image);
        }

        return data;
    }

    [Fact]
    public void GoldenFiles_ExistForEverySampleImage()
    {
        var golden = GoldenFile.Enumerate(RepositoryFiles.Path("sample-data"), Manifest.Value.Id).Select(g => g.Image).ToHashSet(StringComparer.Ordinal);
        string sampleData = RepositoryFiles.Path("sample-data");
        var images = Directory.EnumerateFiles(sampleData, "*.dcm", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(sampleData, p).Replace('\\', '/'))
            .Where(p => !p.StartsWith("minimal/", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(images);
        Assert.All(images, i => Assert.Contains(i, golden));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Preprocess_SampleImage_MatchesTheReferenceInput(string imagePath)
    {
        var (golden, geometry, x) = Prepare(imagePath);

        Assert.Equal(golden.Rows, geometry.Rows);
        Assert.Equal(golden.Columns, geometry.Columns);
        Assert.Equal(golden.Spacing.Source, geometry.SpacingAttribute);
        Assert.Equal(golden.Spacing.Mm, geometry.SpacingMm);
        Assert.Equal(golden.Window.Inverted, geometry.Intensity.Inverted);
        if (golden.Window.Kind == "window")
        {
            Assert.Equal(IntensitySource.Window, geometry.Intensity.Source);
            Assert.Equal(golden.Window.Center, geometry.Intensity.WindowCenter);
            Assert.Equal(golden.Window.Width, geometry.Intensity.WindowWidth);
        }
        else
        {
            Assert.Equal("percentiles", golden.Window.Kind);
            Assert.Equal(IntensitySource.Percentiles, geometry.Intensity.Source);
            Assert.Equal(golden.Window.Lo!.Value, geometry.Intensity.PercentileLow!.Value, 1e-9);
            Assert.Equal(golden.Window.Hi!.Value, geometry.Intensity.PercentileHigh!.Value, 1e-9);
        }

        Assert.Equal(golden.Scale.S, geometry.Scale);
        Assert.Equal(golden.Scale.OutH, geometry.OutHeight);
        Assert.Equal(golden.Scale.OutW, geometry.OutWidth);
        Assert.Equal(golden.Scale.SY, geometry.ScaleY);
        Assert.Equal(golden.Scale.SX, geometry.ScaleX);

        var d = Differences(golden, x);
        Assert.True(d.Sample <= 1e-5, $"sample difference {d.Sample}");
        Assert.True(d.RowSum <= 1e-3, $"row sum difference {d.RowSum}");
        Assert.True(d.ColumnSum <= 1e-3, $"column sum difference {d.ColumnSum}");
        Assert.True(d.Total <= 1e-2, $"total difference {d.Total}");

        // model → image coordinates: the reference's own detector points map with our geometry (for a two-stage
        // model, to stage 1's points: the refined points come from the crops, RefinerCropParityTests)
        foreach (var v in golden.Vertebrae)
        {
            var stage1 = v.Stage1PointsImage ?? v.PointsImage;
            foreach (string name in Manifest.Value.OutputDecoding.PointNames)
            {
                var p = geometry.ToImage(new ModelPoint(v.PointsModel[name][0], v.PointsModel[name][1]));
                Assert.Equal(stage1[name][0], p.X, 1e-9);
                Assert.Equal(stage1[name][1], p.Y, 1e-9);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Grade_ReferencePoints_MatchTheReferenceGrading(string imagePath)
    {
        var golden = GoldenFile.Load(GoldenPath(imagePath));
        var manifest = Manifest.Value;
        Assert.Equal(manifest.Grading.Rule, golden.GradingRule);
        var grader = new GenantGrader(manifest);
        var names = manifest.OutputDecoding.PointNames;
        var spacing = MeasurementSpacing.FromModelSpacing(golden.Spacing.Mm);

        var graded = grader.Grade(golden.Vertebrae.Select(v => new VertebraPoints(v.Level, v.ImagePoints(names))).ToList(), spacing);

        Assert.Equal(golden.Vertebrae.Length, graded.Count);
        for (int i = 0; i < graded.Count; i++)
        {
            var expected = golden.Vertebrae[i];
            var actual = graded[i];
            Assert.Equal(golden.HeightsUnit == "mm", actual.Heights.InMillimetres);
            AssertRelative(expected.Heights.Anterior, actual.Heights.Anterior, 1e-6);
            AssertRelative(expected.Heights.Middle, actual.Heights.Middle, 1e-6);
            AssertRelative(expected.Heights.Posterior, actual.Heights.Posterior, 1e-6);
            Assert.Equal(expected.Reductions.Wedge, actual.Reductions.Wedge, 1e-9);
            Assert.Equal(expected.Reductions.Biconcave, actual.Reductions.Biconcave, 1e-9);
            Assert.Equal(expected.Reductions.Crush, actual.Reductions.Crush, 1e-9);
            Assert.Equal(expected.CrushAssessed, actual.Reductions.CrushAssessed);
            Assert.Equal(expected.ReferenceLevel, actual.ReferenceLevel);
        }

        Assert.Empty(golden.CompareGrades(graded.Select(v => (v.Level, v.Grade, GenantGrader.NameOf(v.Deformity))).ToList()));
    }

    [Fact]
    public void Preprocess_AllGoldenFiles_Summary()
    {
        var files = GoldenFile.Enumerate(RepositoryFiles.Path("sample-data"), Manifest.Value.Id);
        double sample = 0;
        double rowSum = 0;
        double columnSum = 0;
        double total = 0;
        int sameSha = 0;
        int vertebrae = 0;
        foreach (var (image, _) in files)
        {
            var (golden, _, x) = Prepare(image);
            var d = Differences(golden, x);
            sample = Math.Max(sample, d.Sample);
            rowSum = Math.Max(rowSum, d.RowSum);
            columnSum = Math.Max(columnSum, d.ColumnSum);
            total = Math.Max(total, d.Total);
            byte[] bytes = new byte[x.Length * sizeof(float)];
            Buffer.BlockCopy(x, 0, bytes, 0, bytes.Length);
            sameSha += Convert.ToHexStringLower(SHA256.HashData(bytes)) == golden.Input.Sha256Float32Le ? 1 : 0;
            vertebrae += golden.Vertebrae.Length;
        }

        output.WriteLine($"{files.Count} golden files ({vertebrae} vertebrae): max sample diff {sample:E2}, max row-sum diff {rowSum:E2}, max column-sum diff {columnSum:E2}, max total diff {total:E2}; input sha256 identical for {sameSha} of {files.Count}");
        Assert.True(files.Count >= 41);
        Assert.True(sample <= 1e-5 && rowSum <= 1e-3 && columnSum <= 1e-3 && total <= 1e-2);
    }

    private static string GoldenPath(string imagePath) =>
        RepositoryFiles.Path("sample-data", "golden", Manifest.Value.Id, Path.ChangeExtension(imagePath, ".json"));

    private static (GoldenFile Golden, ModelInputGeometry Geometry, float[] Input) Prepare(string imagePath)
    {
        var golden = GoldenFile.Load(GoldenPath(imagePath));
        var reader = new SpineImageReader(DicomCodecRegistry.CreateDefault());
        var image = reader.Read(RepositoryFiles.Path("sample-data", imagePath));
        Assert.Equal(golden.SopInstanceUid, image.Source.SopInstanceUid);
        var preprocessor = new ModelPreprocessor(Manifest.Value);
        float[] x = new float[preprocessor.InputLength];
        var geometry = preprocessor.Prepare(image, x);
        return (golden, geometry, x);
    }

    private static (double Sample, double RowSum, double ColumnSum, double Total) Differences(GoldenFile golden, float[] x)
    {
        int h = golden.Input.Shape[2];
        int w = golden.Input.Shape[3];
        double sample = golden.Input.Samples.Max(s => Math.Abs(x[(s.Y * w) + s.X] - s.Value));
        double rowSum = 0;
        double total = 0;
        double[] columns = new double[w];
        for (int j = 0; j < h; j++)
        {
            double row = 0;
            for (int k = 0; k < w; k++)
            {
                row += x[(j * w) + k];
                columns[k] += x[(j * w) + k];
            }

            rowSum = Math.Max(rowSum, Math.Abs(row - golden.Input.RowSumsFloat64[j]));
            total += row;
        }

        double columnSum = columns.Select((c, k) => Math.Abs(c - golden.Input.ColumnSumsFloat64[k])).Max();
        return (sample, rowSum, columnSum, Math.Abs(total - golden.Input.SumFloat64));
    }

    private static void AssertRelative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Max(Math.Abs(expected), 1e-12), $"expected {expected:R}, found {actual:R}");
}
