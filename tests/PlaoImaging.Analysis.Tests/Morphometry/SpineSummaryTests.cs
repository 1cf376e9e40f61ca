using PlaoImaging.Analysis.Morphometry;
using PlaoImaging.Analysis.Tests.Models;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Morphometry;

public sealed class SpineSummaryTests
{
    private static readonly IReadOnlyList<string> Levels = TestManifests.ReadSingleStage().OutputDecoding.LevelNames;

    [Fact]
    public void Of_AllT4ToL4Measured_FullIndex()
    {
        var grades = SpineSummary.DeformityIndexLevels.Select(l => (l, l == "T7" ? 2 : l == "L1" ? 3 : 0)).ToList();
        var s = SpineSummary.Of(grades, Levels);
        Assert.Equal(new DeformityIndex(5, false, []), s.SpinalDeformityIndex with { MissingLevels = [] });
        Assert.False(s.SpinalDeformityIndex.Partial);
        Assert.Empty(s.SpinalDeformityIndex.MissingLevels);
        Assert.Equal(2, s.FracturedVertebrae);
        Assert.Equal(3, s.WorstGrade);
        Assert.Equal(13, s.MeasuredLevels);
        Assert.Empty(s.Runs);
    }

    [Fact]
    public void Of_LumbarOnly_PartialWithMissingLevels()
    {
        var s = SpineSummary.Of([("T12", 1), ("L1", 2), ("L2", 0), ("L3", 0), ("L4", 1), ("L5", 3), ("S1", 0)], Levels);
        Assert.Equal(4, s.SpinalDeformityIndex.Value);     // T12 1 + L1 2 + L4 1; L5 is outside T4–L4
        Assert.True(s.SpinalDeformityIndex.Partial);
        Assert.Equal(["T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11"], s.SpinalDeformityIndex.MissingLevels);
        Assert.Equal(4, s.FracturedVertebrae);
        Assert.Equal(3, s.WorstGrade);
        Assert.Equal([["T12", "L1"], ["L4", "L5"]], s.Runs.Select(r => r.Levels));
    }

    [Fact]
    public void Of_RunAcrossAGradeZero_Splits()
    {
        var s = SpineSummary.Of([("T5", 1), ("T6", 2), ("T7", 3), ("T8", 0), ("T9", 1), ("T10", 2)], Levels);
        Assert.Equal([["T5", "T6", "T7"], ["T9", "T10"]], s.Runs.Select(r => r.Levels));
    }

    [Fact]
    public void Of_UnmeasuredLevelBetweenFractures_NotAdjacent()
    {
        var s = SpineSummary.Of([("T5", 1), ("T7", 2)], Levels);
        Assert.Empty(s.Runs);
        Assert.Equal(2, s.FracturedVertebrae);
    }

    [Fact]
    public void Of_SingleFracture_NoRun()
    {
        Assert.Empty(SpineSummary.Of([("L1", 2), ("L2", 0)], Levels).Runs);
    }

    [Fact]
    public void Of_LevelTwice_HigherGradeCountsOnce()
    {
        var s = SpineSummary.Of([("L1", 1), ("L1", 3), ("L2", 0)], Levels);
        Assert.Equal(2, s.MeasuredLevels);
        Assert.Equal(1, s.FracturedVertebrae);
        Assert.Equal(3, s.WorstGrade);
    }

    [Fact]
    public void Of_Nothing_ZeroPartialAllMissing()
    {
        var s = SpineSummary.Of([], Levels);
        Assert.Equal(0, s.MeasuredLevels);
        Assert.Equal(0, s.WorstGrade);
        Assert.Equal(0, s.SpinalDeformityIndex.Value);
        Assert.Equal(13, s.SpinalDeformityIndex.MissingLevels.Count);
    }
}
