using PlaoImaging.Analysis.Selection;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Selection;

/// <summary>The selector on the phantom studies of sample-data/ (README table: expected pipeline behaviour).</summary>
public sealed class SeriesSelectorSampleTests
{
    private readonly SeriesSelector selector = new();

    [Theory]
    [InlineData("01-cr-lumbar-mono1-jpegll/lateral.dcm", "View Position LL: lateral view")]
    [InlineData("02-dx-thoracolumbar-explicit/lateral.dcm", "View Position LL: lateral view")]
    [InlineData("03-dx-thoracic-plao-run/lateral.dcm", "View Position RL: lateral view")]
    [InlineData("04-cr-normal-implicit/lateral.dcm", "View Position LL: lateral view")]
    [InlineData("05-chest-pa-skip-plus-lateral/lateral.dcm", "View Position LL: lateral view")]
    [InlineData("08-cr-no-pixel-spacing/lateral.dcm", "View Position LL: lateral view")]
    public void Select_LateralSample_SelectedAsLateralRadiograph(string file, string reason)
    {
        var decision = Assert.Single(selector.Select([SampleStudies.Header(file)]));

        Assert.True(decision.Selected, decision.ToString());
        Assert.Equal(SeriesKind.LateralRadiograph, decision.Kind);
        Assert.Null(decision.MrSequence);
        Assert.Contains(reason, decision.Reasons);
        Assert.Contains(decision.Evidence, e => e.Attribute == "BodyPartExamined" && e.Finding == "spine");
        Assert.True(Assert.Single(decision.Instances).Selected);
    }

    [Fact]
    public void Select_ChestPaPlusLateral_SkipsTheChestAndKeepsTheLateral()
    {
        var decisions = selector.Select(
        [
            SampleStudies.Header("05-chest-pa-skip-plus-lateral/chest-pa.dcm"),
            SampleStudies.Header("05-chest-pa-skip-plus-lateral/lateral.dcm"),
        ]);

        Assert.Equal(2, decisions.Count);
        var chest = decisions.Single(d => d.SeriesNumber == 1);
        var lateral = decisions.Single(d => d.SeriesNumber == 2);
        Assert.False(chest.Selected);
        Assert.Equal(SeriesKind.None, chest.Kind);
        Assert.Contains("Body Part Examined CHEST: not spine", chest.Reasons);
        Assert.Contains("View Position PA: frontal view", chest.Reasons);
        Assert.True(lateral.Selected);
        Assert.Equal(decisions[0].StudyInstanceUid, decisions[1].StudyInstanceUid);
    }

    [Fact]
    public void Select_FrontalSpine_SkippedAsFrontalView()
    {
        var decision = Assert.Single(selector.Select([SampleStudies.Header("06-cr-frontal-spine-skip/frontal.dcm")]));

        Assert.False(decision.Selected);
        Assert.Equal(["View Position AP: frontal view"], decision.Reasons);
        Assert.Contains(decision.Evidence, e => e is { Attribute: "PatientOrientation", Value: "L\\F", Finding: "frontal" });
        Assert.Contains(decision.Evidence, e => e is { Attribute: "SeriesDescription", Value: "LSPINE AP", Finding: "frontal" });
    }

    [Theory]
    [InlineData("T1", MrSequence.T1, "MR weighting T1: TR 569.816 ms, TE 12.568 ms")]
    [InlineData("T2", MrSequence.T2, "MR weighting T2: TR 3111.56 ms, TE 104.485 ms")]
    [InlineData("STIR", MrSequence.Stir, "MR weighting STIR: Scanning Sequence IR\\SE with Inversion Time 220.22 ms")]
    public void Select_MrSeries_SagittalWithItsWeighting(string weighting, MrSequence expected, string reason)
    {
        var headers = SampleStudies.MrSeries(weighting).Select(SampleStudies.Header).Reverse().ToList();

        var decision = Assert.Single(selector.Select(headers));

        Assert.True(decision.Selected, decision.ToString());
        Assert.Equal(SeriesKind.SagittalMr, decision.Kind);
        Assert.Equal(expected, decision.MrSequence);
        Assert.Contains(reason, decision.Reasons);
        Assert.Contains("Body Part Examined LSPINE: spine", decision.Reasons);
        Assert.Contains(decision.Reasons, r => r.StartsWith("Image Orientation (Patient) 0\\1\\0\\0\\0\\-1: sagittal MR (normal 0° from left-right)", StringComparison.Ordinal));
        Assert.Equal(11, decision.Instances.Count);
        Assert.All(decision.Instances, i => Assert.True(i.Selected));
        Assert.Equal(Enumerable.Range(1, 11).Cast<int?>(), decision.Instances.Select(i => i.InstanceNumber));
    }

    [Fact]
    public void Select_WholeMrStudy_ThreeSeriesInFirstSeenOrder()
    {
        var headers = new[] { "STIR", "T1", "T2" }.SelectMany(SampleStudies.MrSeries).Select(SampleStudies.Header).ToList();

        var decisions = selector.Select(headers);

        Assert.Equal([MrSequence.Stir, MrSequence.T1, MrSequence.T2], decisions.Select(d => d.MrSequence!.Value));
        Assert.All(decisions, d => Assert.True(d.Selected));
    }
}
