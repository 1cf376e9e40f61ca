using System.Text.Json;
using PlaoImaging.Analysis.Imaging;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Tests.Models;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Golden;

/// <summary>
/// Stage 2 against the Python reference, without the network: for every vertebra of every sample image, the crop frame
/// the engine computes from the reference's stage-1 points, the crop it samples from the image, and the mapping of the
/// reference refiner's crop coordinates back to the image all equal the golden files of the two-stage model.
/// </summary>
public sealed class RefinerCropParityTests
{
    private static readonly Lazy<ModelManifest> Manifest = new(() => ModelManifestReader.Read(RepositoryFiles.Path("models", "plao-vertebra-landmarks-v2.json")));

    // The same sample images as the preprocessing and grading parity tests, whose golden files these are.
    public static TheoryData<string> Images() => GoldenParityTests.Images();

    [Fact]
    public void ShippedManifest_IsTwoStageWithPointUncertainty()
    {
        var m = Manifest.Value;
        Assert.True(m.IsTwoStage);
        Assert.Equal("points", m.Refinement!.PointsOutput);
        Assert.Equal("log_scale", m.Refinement.PointUncertaintyOutput);
        Assert.Equal(64.0, m.Refinement.Crop.SizeMm);
        Assert.Equal("inside", m.Refinement.AppliesTo);
        Assert.Equal(128, m.Refinement.Crop.SizePx);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void CropFrameSamplesAndMapping_EqualTheReference(string imagePath)
    {
        var manifest = Manifest.Value;
        var crop = manifest.Refinement!.Crop;
        var names = manifest.OutputDecoding.PointNames;
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Path("sample-data", "golden", manifest.Id, Path.ChangeExtension(imagePath, ".json"))));
        var root = document.RootElement;
        Assert.Equal(2, root.GetProperty("golden_schema").GetInt32());
        var image = new SpineImageReader(DicomCodecRegistry.CreateDefault()).Read(RepositoryFiles.Path("sample-data", imagePath));
        var preprocessor = new ModelPreprocessor(manifest);
        var geometry = preprocessor.Prepare(image, new float[preprocessor.InputLength]);
        float[] sampled = new float[crop.SizePx * crop.SizePx];
        foreach (var v in root.GetProperty("vertebrae").EnumerateArray())
        {
            string level = v.GetProperty("level").GetString()!;
            var detector = names.Select(n => Point(v.GetProperty(v.GetProperty("refined").GetBoolean() ? "stage1_points_image" : "points_image").GetProperty(n))).ToList();
            Assert.Equal(v.GetProperty("refined").GetBoolean(), manifest.Refinement.AppliesToPoints(detector, image.Rows, image.Columns));
            if (!v.GetProperty("refined").GetBoolean())
            {
                continue;
            }

            var stage1 = names.Select(n => Point(v.GetProperty("stage1_points_image").GetProperty(n))).ToList();
            var frame = RefinerCrop.Frame(stage1, crop, geometry.SpacingMm);
            var want = v.GetProperty("crop");
            AssertClose(Point(want.GetProperty("centre")), frame.Centre, 1e-9, $"{level} centre");
            AssertClose(Point(want.GetProperty("u")), frame.U, 1e-12, $"{level} u");
            AssertClose(Point(want.GetProperty("v")), frame.V, 1e-12, $"{level} v");
            Assert.Equal(want.GetProperty("step").GetDouble(), frame.Step, 1e-12);

            RefinerCrop.Sample(image, geometry.Intensity, frame, crop.Normalisation, sampled);
            foreach (var s in want.GetProperty("samples").EnumerateArray())
            {
                int y = s.GetProperty("y").GetInt32();
                int x = s.GetProperty("x").GetInt32();
                Assert.True(Math.Abs(sampled[(y * crop.SizePx) + x] - s.GetProperty("value").GetDouble()) <= 1e-5, $"{level} crop ({y}, {x}): {sampled[(y * crop.SizePx) + x]} vs {s.GetProperty("value").GetDouble()}");
            }

            double sum = sampled.Sum(f => (double)f);
            Assert.True(Math.Abs(sum - want.GetProperty("sum_float64").GetDouble()) <= 1e-2, $"{level} crop sum {sum} vs {want.GetProperty("sum_float64").GetDouble()}");

            foreach (string n in names)
            {
                var c = v.GetProperty("refiner_points_crop").GetProperty(n);
                var mapped = frame.ToImage(c[0].GetDouble(), c[1].GetDouble());
                AssertClose(Point(v.GetProperty("points_image").GetProperty(n)), mapped, 1e-9, $"{level} {n} mapped back");
            }
        }
    }

    private static ImagePoint Point(JsonElement xy) => new(xy[0].GetDouble(), xy[1].GetDouble());

    private static void AssertClose(ImagePoint expected, ImagePoint actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected.X - actual.X) <= tolerance && Math.Abs(expected.Y - actual.Y) <= tolerance, $"{what}: expected ({expected.X:R}, {expected.Y:R}), found ({actual.X:R}, {actual.Y:R})");
}
