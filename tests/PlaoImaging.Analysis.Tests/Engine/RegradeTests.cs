using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Morphometry;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Analysis.Tests.Selection;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Engine;

/// <summary>
/// <see cref="VertebraGrading.Regrade"/>, the entry point a reader's corrected points are graded by: on the points the
/// engine measured it gives back exactly what the engine reported, and a moved landmark changes the numbers by the rule.
/// </summary>
public sealed class RegradeTests
{
    private static readonly ModelManifest Manifest = ModelManifestReader.Read(SampleStudies.PathOf("../models/plao-vertebra-landmarks-v2.json"));

    private static StudyResult Analyse(string folder)
    {
        var analyzer = new StudyAnalyzer(new TruthModel(), Manifest, DicomCodecRegistry.CreateDefault());
        var (studies, _) = StudyGrouper.Group([SampleStudies.PathOf(folder)]);
        return analyzer.Analyze(Assert.Single(studies), TestContext.Current.CancellationToken);
    }

    private static List<KeyValuePair<string, IReadOnlyDictionary<string, double[]>>> PointsOf(ImageResult image) =>
        [.. image.Vertebrae.Select(v => KeyValuePair.Create(v.Level, v.Points))];

    [Theory]
    [InlineData("03-dx-thoracic-plao-run")]
    [InlineData("02-dx-thoracolumbar-explicit")]
    [InlineData("08-cr-no-pixel-spacing")]
    public void Regrade_TheEnginesOwnPoints_EqualsWhatTheEngineReported(string folder)
    {
        var result = Analyse(folder);
        var images = result.Images.Where(i => i.Measured && i.Error is null && i.Vertebrae.Count > 0).ToList();
        Assert.NotEmpty(images);
        foreach (var image in images)
        {
            var regraded = VertebraGrading.Regrade(Manifest, image.Spacing, PointsOf(image));

            Assert.Equal(image.Vertebrae.Select(v => v.Level), regraded.Select(m => m.Level));
            foreach (var (reported, again) in image.Vertebrae.Zip(regraded))
            {
                Assert.Equal(reported.Heights, new Heights(again.Heights.Anterior, again.Heights.Middle, again.Heights.Posterior, again.Heights.InMillimetres ? "mm" : "px"));
                Assert.Equal(reported.Ratios, new Ratios(again.AnteriorPosteriorRatio, again.MiddlePosteriorRatio, again.PosteriorNeighbourRatio));
                Assert.Equal(reported.Reductions, new Reductions(again.Reductions.Wedge, again.Reductions.Biconcave, again.Reductions.Crush, again.Reductions.CrushAssessed));
                Assert.Equal(reported.GenantGrade, again.Grade);
                Assert.Equal(reported.Deformity, GenantGrader.NameOf(again.Deformity));
                Assert.Equal(reported.Graded, again.Graded);
            }
        }
    }

    [Fact]
    public void Regrade_AnteriorCornersMovedApart_WedgeFractureGoneAndNeighboursReadAgain()
    {
        var result = Analyse("03-dx-thoracic-plao-run");
        var image = result.Images.Single(i => i.Measured && i.Vertebrae.Count > 0);
        var t8 = image.Vertebrae.Single(v => v.Level == "T8");
        Assert.True(t8.GenantGrade > 0);
        var points = PointsOf(image);
        int index = points.FindIndex(p => p.Key == "T8");
        var edited = t8.Points.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);

        // The anterior height as tall as the posterior one: no wedge left.
        double hp = Math.Abs(edited["sp"][1] - edited["ip"][1]);
        edited["sa"] = [edited["sa"][0], edited["ia"][1] - hp];
        edited["sm"] = [edited["sm"][0], edited["im"][1] - hp];
        points[index] = KeyValuePair.Create("T8", (IReadOnlyDictionary<string, double[]>)edited);

        var regraded = VertebraGrading.Regrade(Manifest, image.Spacing, points);

        var again = regraded.Single(m => m.Level == "T8");
        Assert.Equal(0, again.Grade);
        Assert.True(again.AnteriorPosteriorRatio > t8.Ratios.AnteriorPosterior);
        Assert.Equal(image.Vertebrae.Count, regraded.Count);
    }

    [Fact]
    public void Regrade_UnknownLevelOrMissingPoint_IsAnArgumentError()
    {
        var image = Analyse("03-dx-thoracic-plao-run").Images.Single(i => i.Measured && i.Vertebrae.Count > 0);
        var points = PointsOf(image);
        var unknown = points.Append(KeyValuePair.Create("X9", points[0].Value)).ToList();
        Assert.Throws<ArgumentException>(() => VertebraGrading.Regrade(Manifest, image.Spacing, unknown));

        var five = points[0].Value.Where(p => p.Key != "im").ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        points[0] = KeyValuePair.Create(points[0].Key, (IReadOnlyDictionary<string, double[]>)five);
        Assert.Throws<ArgumentException>(() => VertebraGrading.Regrade(Manifest, image.Spacing, points));
    }
}
