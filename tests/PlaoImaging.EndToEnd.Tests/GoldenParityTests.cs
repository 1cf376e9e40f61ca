using System.Text.Json;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests;

/// <summary>
/// Parity with the reference: on every sample image, the C# engine (our DICOM decoding, the manifest's preprocessing,
/// ONNX Runtime, our decoding, crops and grading) gives the points, levels and grades that <c>training/infer.py</c>
/// wrote into the golden files (its own decoding through pydicom/DCMTK, numpy preprocessing and crops, the numpy ONNX
/// runner): for the shipped two-stage model and for model v1 (the single-stage path).
/// </summary>
[Trait("Category", "unit")]
public sealed class GoldenParityTests(Engine shipped, SingleStageEngine singleStage)
{
    private const double PointTolerancePx = 0.25;
    private const string TwoStageId = "plao-vertebra-landmarks-v2";
    private const string SingleStageId = "plao-vertebra-landmarks-v1";

    public static TheoryData<string, string> GoldenFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (string id in new[] { TwoStageId, SingleStageId })
        {
            string root = GoldenRoot(id);
            foreach (string file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                data.Add(id, Path.GetRelativePath(root, file));
            }
        }

        return data;
    }

    private static string GoldenRoot(string modelId) => Path.Combine(Engine.SampleData, "golden", modelId);

    [Theory]
    [InlineData(TwoStageId)]
    [InlineData(SingleStageId)]
    public void GoldenFiles_CoverEverySampleImage(string modelId)
    {
        var images = Directory.EnumerateFiles(Engine.SampleData, "*.dcm", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}minimal{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(p => Path.GetRelativePath(Engine.SampleData, p))
            .ToList();
        Assert.NotEmpty(images);
        foreach (string image in images)
        {
            Assert.True(File.Exists(Path.Combine(GoldenRoot(modelId), Path.ChangeExtension(image, ".json"))), $"no golden file of {modelId} for {image}");
        }
    }

    [Fact]
    public void Fixtures_AreTheShippedTwoStageModelAndTheSingleStageV1()
    {
        Assert.Equal(TwoStageId, shipped.Manifest.Id);
        Assert.True(shipped.Manifest.IsTwoStage);
        Assert.Equal(SingleStageId, singleStage.Manifest.Id);
        Assert.False(singleStage.Manifest.IsTwoStage);
    }

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void PointsLevelsAndGrades_EqualTheReference(string modelId, string golden)
    {
        var engine = modelId == TwoStageId ? shipped : (Engine)singleStage;
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenRoot(modelId), golden)));
        var root = document.RootElement;
        var model = root.GetProperty("model");
        Assert.Equal(engine.Manifest.Id, model.GetProperty("id").GetString());
        Assert.Equal(engine.Manifest.Detector.Sha256, model.GetProperty("sha256").GetString());
        if (engine.Manifest.IsTwoStage)
        {
            Assert.Equal(engine.Manifest.Refiner!.Sha256, model.GetProperty("refiner").GetProperty("sha256").GetString());
        }

        string imagePath = Path.Combine(Engine.SampleData, root.GetProperty("image").GetString()!);
        var image = new SpineImageReader(engine.Codecs).Read(imagePath);

        var landmarks = engine.Model.Locate([image], TestContext.Current.CancellationToken)[0];
        var graded = VertebraGrading.Grade(engine.Manifest, image, landmarks);

        var expected = root.GetProperty("vertebrae").EnumerateArray().ToList();
        Assert.Equal(
            expected.Select(v => v.GetProperty("level").GetString()!).ToList(),
            landmarks.Vertebrae.Select(v => v.Level).ToList());
        var names = engine.Manifest.OutputDecoding.PointNames;
        double worst = 0;
        double worstError = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            var points = expected[i].GetProperty("points_image");
            for (int k = 0; k < names.Count; k++)
            {
                var p = points.GetProperty(names[k]);
                var actual = landmarks.Vertebrae[i].Points[k];
                double distance = Math.Sqrt(Math.Pow(actual.X - p[0].GetDouble(), 2) + Math.Pow(actual.Y - p[1].GetDouble(), 2));
                worst = Math.Max(worst, distance);
                Assert.True(distance <= PointTolerancePx, $"{golden} {landmarks.Vertebrae[i].Level} {names[k]}: {distance:0.000} px from the reference");
            }

            if (engine.Manifest.IsTwoStage && !expected[i].GetProperty("refined").GetBoolean())
            {
                // a body cut by the border: the detector's points, no uncertainty
                Assert.Null(landmarks.Vertebrae[i].PointError);
            }
            else if (engine.Manifest.IsTwoStage)
            {
                var uncertainty = expected[i].GetProperty("point_uncertainty_log");
                var error = landmarks.Vertebrae[i].PointError;
                Assert.NotNull(error);
                for (int k = 0; k < names.Count; k++)
                {
                    double want = Math.Exp(uncertainty.GetProperty(names[k]).GetDouble());
                    worstError = Math.Max(worstError, Math.Abs(error[k] - want) / want);
                    Assert.True(Math.Abs(error[k] - want) <= 1e-3 * want, $"{golden} {landmarks.Vertebrae[i].Level} {names[k]}: point error {error[k]} vs {want}");
                }
            }
            else
            {
                Assert.Null(landmarks.Vertebrae[i].PointError);
            }

            Assert.Equal(expected[i].GetProperty("genant_grade").GetInt32(), graded[i].GenantGrade);
            Assert.Equal(expected[i].GetProperty("deformity").GetString(), graded[i].Deformity);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{modelId} {golden}: {expected.Count} vertebrae, largest point difference {worst:0.0000} px, largest relative point-error difference {worstError:E1}");
    }
}
