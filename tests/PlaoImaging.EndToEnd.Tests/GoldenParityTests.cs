using System.Text.Json;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests;

/// <summary>
/// Parity with the reference: on every sample image, the C# engine (our DICOM decoding, the manifest's preprocessing,
/// ONNX Runtime, our decoding and grading) gives the points, levels and grades that <c>training/infer.py</c> wrote into
/// the golden files (its own decoding through pydicom/DCMTK, numpy preprocessing, the numpy ONNX runner).
/// </summary>
[Trait("Category", "unit")]
public sealed class GoldenParityTests(Engine engine)
{
    private const double PointTolerancePx = 0.25;

    public static TheoryData<string> GoldenFiles()
    {
        var data = new TheoryData<string>();
        string root = GoldenRoot;
        foreach (string file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(root, file));
        }

        return data;
    }

    private static string GoldenRoot => Path.Combine(Engine.SampleData, "golden", "plao-vertebra-landmarks-v1");

    [Fact]
    public void GoldenFiles_CoverEverySampleImage()
    {
        var images = Directory.EnumerateFiles(Engine.SampleData, "*.dcm", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}minimal{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(p => Path.GetRelativePath(Engine.SampleData, p))
            .ToList();
        Assert.NotEmpty(images);
        foreach (string image in images)
        {
            Assert.True(File.Exists(Path.Combine(GoldenRoot, Path.ChangeExtension(image, ".json"))), $"no golden file for {image}");
        }
    }

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void PointsLevelsAndGrades_EqualTheReference(string golden)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenRoot, golden)));
        var root = document.RootElement;
        Assert.Equal(engine.Manifest.Detector.Sha256, root.GetProperty("model").GetProperty("sha256").GetString());
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

            Assert.Equal(expected[i].GetProperty("genant_grade").GetInt32(), graded[i].GenantGrade);
            Assert.Equal(expected[i].GetProperty("deformity").GetString(), graded[i].Deformity);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{golden}: {expected.Count} vertebrae, largest point difference {worst:0.0000} px");
    }
}
