using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Morphometry;
using PlaoImaging.Analysis.Tests.Models;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Engine;

/// <summary>The grade interval from the refiner's point errors (<see cref="VertebraGrading.RangeOf"/>).</summary>
public sealed class GradeRangeTests
{
    private static readonly GenantGrader Grader = new(ModelManifestReader.Read(RepositoryFiles.Path("models", "plao-vertebra-landmarks-v2.json")));

    /// <summary>A T5 body (reference Ha/Hp 0.92 by the nearest rule, Hm/Hp 1.0) of posterior height 20 and the given anterior height.</summary>
    private static VertebraMorphometry Wedge(double anterior)
    {
        var points = new List<ImagePoint> { new(0, 0), new(10, 0), new(20, 0), new(0, anterior), new(10, 20), new(20, 20) };
        return Grader.Grade([new VertebraPoints("T5", points)], new MeasurementSpacing(1, 1))[0];
    }

    [Fact]
    public void NoError_GivesOneGrade()
    {
        var m = Wedge(14.0);
        var range = VertebraGrading.RangeOf(Grader, m, [0, 0, 0, 0, 0, 0], 2.0);
        Assert.Equal(m.Grade, range.Low);
        Assert.Equal(m.Grade, range.High);
        Assert.False(range.Straddles);
        Assert.Equal(0, range.HalfWidth);
    }

    [Fact]
    public void ReductionNearTheGradeOneThreshold_WithSmallErrors_Straddles()
    {
        // wedge = 1 - (ha / 20) / 0.92; ha = 14.8 gives 19.6 % (grade 0), within 2 x its propagated error of 20 %.
        var m = Wedge(14.8);
        Assert.Equal(0, m.Grade);
        var range = VertebraGrading.RangeOf(Grader, m, [0.2, 0.2, 0.2, 0.2, 0.2, 0.2], 2.0);
        Assert.Equal(0, range.Low);
        Assert.Equal(1, range.High);
        Assert.True(range.Straddles);

        // Each height's error: 0.2 x sqrt(2). Wedge: (ha / hp) x sqrt((e / ha)^2 + (e / hp)^2) / 0.92; biconcave (hm = hp =
        // 20, reference 1.0): sqrt(2) x e / 20. The half-width is the larger, times 2.
        double e = 0.2 * Math.Sqrt(2);
        double wedge = 0.74 * Math.Sqrt(Math.Pow(e / 14.8, 2) + Math.Pow(e / 20, 2)) / 0.92;
        double biconcave = Math.Sqrt(2) * e / 20;
        Assert.Equal(2 * Math.Max(wedge, biconcave), range.HalfWidth, 1e-12);
    }

    [Fact]
    public void LargerErrors_WidenTheRange()
    {
        var m = Wedge(14.8);
        var range = VertebraGrading.RangeOf(Grader, m, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 2.0);
        Assert.Equal((0, 2), (range.Low, range.High));
    }

    [Fact]
    public void ReductionFarFromAnyThreshold_WithSmallErrors_StaysOneGrade()
    {
        var m = Wedge(12.0);    // 34.8 %: grade 2, thresholds at 25 and 40 %
        var range = VertebraGrading.RangeOf(Grader, m, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 2.0);
        Assert.Equal((2, 2), (range.Low, range.High));
    }

    [Fact]
    public void ZeroHeight_GivesTheWholeScale()
    {
        var m = Wedge(0.0);
        var points = new List<ImagePoint> { new(0, 0), new(10, 0), new(20, 0), new(0, 20), new(10, 20), new(20, 0) };
        var flat = Grader.Grade([new VertebraPoints("T5", points)], new MeasurementSpacing(1, 1))[0];
        var range = VertebraGrading.RangeOf(Grader, flat, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 2.0);
        Assert.Equal((0, 3), (range.Low, range.High));
        Assert.True(m.Grade >= 0);
    }
}
