using PlaoImaging.Analysis.Mr;
using PlaoImaging.Analysis.Selection;
using PlaoImaging.Analysis.Tests.Selection;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Mr;

public sealed class OedemaAssessorTests
{
    private static readonly SpineImageReader Reader = new(DicomCodecRegistry.CreateDefault());

    /// <summary>
    /// The sample MR series end to end without a model: the chooser picks the slices from the truth's fully visible
    /// vertebrae, each level is measured on its chosen slice with the truth's points, grades from the truth.
    /// </summary>
    private static IReadOnlyList<OedemaAssessment> AssessSample(string weighting, MrSequence sequence, ITestOutputHelper? output = null)
    {
        var choice = MidSagittalChooser.Choose(MidSagittalChooserTests.SampleSlices(weighting, (k, level) => 0.9 - (0.01 * Math.Abs(k - 5))));
        var files = SampleStudies.MrSeries(weighting);
        var byUid = files.ToDictionary(f => SampleStudies.Header(f).GetString(PlaoImaging.Dicom.DicomTags.SOPInstanceUID));
        var images = new Dictionary<string, SpineImage>();
        var vertebrae = new List<MarrowVertebra>();
        foreach (var source in choice.Levels)
        {
            string file = byUid[source.SopInstanceUid];
            if (!images.TryGetValue(file, out var image))
            {
                images[file] = image = Reader.Read(SampleStudies.PathOf(file));
            }

            var truth = SampleStudies.Truth(file).Single(v => v.Level == source.Level);
            vertebrae.Add(new MarrowVertebra(source.Level, image, source.Vertebra.Points, truth.GenantGrade));
        }

        var result = OedemaAssessor.Assess(sequence, vertebrae);
        foreach (var a in result)
        {
            output?.WriteLine(a.Evidence);
        }

        return result;
    }

    private readonly ITestOutputHelper output;

    public OedemaAssessorTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void Assess_SampleStir_L1AcuteT12AndNormalLevelsNot()
    {
        var result = AssessSample("STIR", MrSequence.Stir, output);

        Assert.Equal(["T11", "T12", "L1", "L2", "L3", "L4", "L5"], result.Select(a => a.Level));
        Assert.All(result, a => Assert.True(a.Assessable, a.Evidence));
        var l1 = result.Single(a => a.Level == "L1");
        Assert.True(l1.Acute, l1.Evidence);
        Assert.InRange(l1.Ratio!.Value, 3.0, 6.0);
        Assert.Equal(["T11", "L2", "L3"], l1.ReferenceLevels);
        Assert.StartsWith("L1: STIR marrow signal ", l1.Evidence, StringComparison.Ordinal);
        Assert.EndsWith("× the median of T11, L2, L3 (grade 0): hyperintense, at or above 1.4: marrow oedema, acute fracture", l1.Evidence, StringComparison.Ordinal);
        var t12 = result.Single(a => a.Level == "T12");
        Assert.False(t12.Acute, t12.Evidence);
        Assert.InRange(t12.Ratio!.Value, 0.8, 1.2);
        Assert.All(result.Where(a => a.Level != "L1"), a => Assert.False(a.Acute, a.Evidence));
        Assert.All(result.Where(a => a.Level != "L1"), a => Assert.InRange(a.Ratio!.Value, 0.85, 1.15));
        Assert.All(result, a => Assert.False(a.HypointenseSupporting));
    }

    [Fact]
    public void Assess_SampleT1_HypointenseL1AsSupportingEvidenceOnly()
    {
        var result = AssessSample("T1", MrSequence.T1, output);

        var l1 = result.Single(a => a.Level == "L1");
        Assert.True(l1.HypointenseSupporting, l1.Evidence);
        Assert.False(l1.Acute);
        Assert.InRange(l1.Ratio!.Value, 0.5, 1 / 1.4);
        Assert.Contains("hypointense marrow (supporting evidence only, not acute on its own)", l1.Evidence, StringComparison.Ordinal);
        Assert.All(result.Where(a => a.Level != "L1"), a => Assert.False(a.HypointenseSupporting, a.Evidence));
        Assert.All(result, a => Assert.False(a.Acute));
    }

    [Fact]
    public void Assess_SampleT2WithoutFatSaturation_NotAssessed()
    {
        var result = AssessSample("T2", MrSequence.T2);

        Assert.All(result, a => Assert.False(a.Assessable));
        Assert.All(result, a => Assert.Null(a.Ratio));
        Assert.Contains("T2 without fat saturation", result[0].Evidence, StringComparison.Ordinal);
    }

    // ---- synthetic bodies: five squares side by side, one value each ----

    private static List<MarrowVertebra> Bodies(float[] values, int[] grades, string[]? levels = null)
    {
        levels ??= ["T12", "L1", "L2", "L3", "L4"];
        var image = MarrowSignalTests.Image(64, 40 * values.Length, (r, c) => values[Math.Min(values.Length - 1, c / 40)]);
        return [.. values.Select((v, i) => new MarrowVertebra(levels[i], image, MarrowSignalTests.Square((40 * i) + 8, 10, 24), grades[i]))];
    }

    [Fact]
    public void Assess_FractureNextToFractures_SkipsThemForReferences()
    {
        var result = OedemaAssessor.Assess(MrSequence.Stir, Bodies([100, 150, 300, 120, 100], [0, 2, 2, 0, 0]));

        var l2 = result.Single(a => a.Level == "L2");
        Assert.Equal(["T12", "L3", "L4"], l2.ReferenceLevels);
        Assert.Equal(300.0 / 100, l2.Ratio!.Value, 9);
        Assert.True(l2.Acute);
        var l1 = result.Single(a => a.Level == "L1");
        Assert.Equal(1.5, l1.Ratio!.Value, 9);
        Assert.True(l1.Acute);
    }

    [Fact]
    public void Assess_InputOrder_DoesNotMatter()
    {
        var bodies = Bodies([100, 150, 300, 120, 100], [0, 2, 2, 0, 0]);
        bodies.Reverse();

        var result = OedemaAssessor.Assess(MrSequence.T2FatSat, bodies);

        Assert.Equal(["T12", "L1", "L2", "L3", "L4"], result.Select(a => a.Level));
        Assert.Contains("fat-saturated T2 marrow signal", result[2].Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_NoNormalNeighbour_NotAssessable()
    {
        var result = OedemaAssessor.Assess(MrSequence.Stir, Bodies([300, 300, 300], [1, 2, 3]));

        Assert.All(result, a => Assert.False(a.Assessable));
        Assert.Equal("L1: no grade 0 neighbour to compare with: marrow signal not assessable", result[1].Evidence);
    }

    [Fact]
    public void Assess_SacrumNeverAReference()
    {
        var result = OedemaAssessor.Assess(MrSequence.Stir, Bodies([100, 300, 1000], [0, 2, 0], ["L4", "L5", "S1"]));

        Assert.Equal(["L4"], result.Single(a => a.Level == "L5").ReferenceLevels);
    }

    [Fact]
    public void Assess_BrightBodyWithoutHeightLoss_FlaggedAsOedemaWithTheCaveat()
    {
        var result = OedemaAssessor.Assess(MrSequence.Stir, Bodies([100, 100, 200, 100, 100], [0, 0, 0, 0, 0]));

        var l2 = result.Single(a => a.Level == "L2");
        Assert.True(l2.Acute);
        Assert.Contains("no height loss: bone bruise or a fracture not yet deformed", l2.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_ThresholdFromOptions_Applied()
    {
        var bodies = Bodies([100, 130, 100], [0, 1, 0]);

        Assert.False(OedemaAssessor.Assess(MrSequence.Stir, bodies)[1].Acute);
        Assert.True(OedemaAssessor.Assess(MrSequence.Stir, bodies, new OedemaOptions { AcuteRatioThreshold = 1.25 })[1].Acute);
    }

    [Theory]
    [InlineData(MrSequence.Unknown, "MR weighting unknown")]
    [InlineData(MrSequence.T2, "T2 without fat saturation")]
    public void Assess_SequenceThatCannotShowOedema_NotAssessed(MrSequence sequence, string words)
    {
        var result = OedemaAssessor.Assess(sequence, Bodies([100, 300, 100], [0, 2, 0]));

        Assert.All(result, a => Assert.False(a.Assessable || a.Acute));
        Assert.Contains(words, result[1].Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_Monochrome1Frame_NotMeasured()
    {
        var image = MarrowSignalTests.Image(64, 64, (r, c) => 100, "MONOCHROME1");

        var result = OedemaAssessor.Assess(MrSequence.Stir, [new MarrowVertebra("L1", image, MarrowSignalTests.Square(10, 10, 20), 0)]);

        Assert.Contains("MONOCHROME1", Assert.Single(result).Evidence, StringComparison.Ordinal);
    }
}
