using PlaoImaging.Analysis.Selection;
using PlaoImaging.Dicom;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Selection;

/// <summary>MR rules on synthetic headers: plane from Image Orientation (Patient), weighting from timing and descriptions.</summary>
public sealed class SeriesSelectorMrTests
{
    private static SeriesDecision Decide(DicomDataset dataset, SelectionRules? rules = null) =>
        new SeriesSelector(rules).DecideSeries([dataset]);

    [Fact]
    public void DecideSeries_AxialMr_Skipped()
    {
        var decision = Decide(Headers.Mr(Headers.Axial, description: "T2 TSE"));

        Assert.False(decision.Selected);
        Assert.Equal(["Image Orientation (Patient) 1\\0\\0\\0\\1\\0: axial MR"], decision.Reasons);
        Assert.Equal(MrSequence.T2, decision.MrSequence);
    }

    [Fact]
    public void DecideSeries_CoronalMr_Skipped()
    {
        var decision = Decide(Headers.Mr(Headers.Coronal, description: "STIR"));

        Assert.False(decision.Selected);
        Assert.Equal(["Image Orientation (Patient) 1\\0\\0\\0\\0\\-1: coronal MR"], decision.Reasons);
    }

    [Fact]
    public void DecideSeries_SagittalTiltedWithinTolerance_Selected()
    {
        double a = 15 * Math.PI / 180;
        var decision = Decide(Headers.Mr([Math.Sin(a), Math.Cos(a), 0, 0, 0, -1]));

        Assert.True(decision.Selected);
        Assert.Contains(decision.Reasons, r => r.Contains("sagittal MR (normal 15° from left-right)", StringComparison.Ordinal));
    }

    [Fact]
    public void DecideSeries_ObliquePlane_Skipped()
    {
        double a = 35 * Math.PI / 180;
        var decision = Decide(Headers.Mr([Math.Sin(a), Math.Cos(a), 0, 0, 0, -1], description: "T2"));

        Assert.False(decision.Selected);
        Assert.Contains("oblique MR plane (normal 35° from left-right, tolerance 20°)", Assert.Single(decision.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void DecideSeries_NoOrientationButSagittalDescription_Selected()
    {
        var decision = Decide(Headers.Mr(null, description: "T2 SAG"));

        Assert.True(decision.Selected);
        Assert.Contains("no Image Orientation (Patient): sagittal by Series Description 'T2 SAG'", decision.Reasons);
    }

    [Fact]
    public void DecideSeries_NoOrientationNoPlane_NotEnoughInformation()
    {
        var decision = Decide(Headers.Mr(null, description: "T2"));

        Assert.False(decision.Selected);
        Assert.Equal(["not enough information: no Image Orientation (Patient) and no plane in the description"], decision.Reasons);
    }

    [Fact]
    public void DecideSeries_DescriptionAxialButOrientationSagittal_ConflictNamesBoth()
    {
        var decision = Decide(Headers.Mr(Headers.Sagittal, description: "T2 TRA"));

        Assert.False(decision.Selected);
        Assert.Equal(["conflicting plane: Image Orientation (Patient) 0\\1\\0\\0\\0\\-1 says sagittal but Series Description 'T2 TRA' says axial"], decision.Reasons);
    }

    [Fact]
    public void DecideSeries_PlaneConflictTrustingStrongest_FollowsOrientation()
    {
        var rules = SelectionRules.Default with { OnConflict = ConflictPolicy.TrustStrongest };

        var decision = Decide(Headers.Mr(Headers.Sagittal, description: "T2 TRA"), rules);

        Assert.True(decision.Selected);
        Assert.Contains(decision.Reasons, r => r.EndsWith("(followed over the conflicting Series Description 'T2 TRA')", StringComparison.Ordinal));
    }

    [Fact]
    public void DecideSeries_SagittalSeriesWithAxialInstances_KeepsTheSagittalOnes()
    {
        var series = new SeriesSelector().DecideSeries(
        [
            Headers.Mr(Headers.Sagittal, description: "T2", instance: 1, x: -4),
            Headers.Mr(Headers.Sagittal, description: "T2", instance: 2, x: 0),
            Headers.Mr(Headers.Axial, description: "T2", instance: 3),
            Headers.Mr(Headers.Sagittal, description: "T2", instance: 4, x: 4),
        ]);

        Assert.True(series.Selected);
        Assert.Equal([true, true, false, true], series.Instances.Select(i => i.Selected));
        Assert.Contains("Image Orientation (Patient) 1\\0\\0\\0\\1\\0: axial MR (1 of 4 instances skipped)", series.Reasons);
    }

    [Fact]
    public void DecideSeries_MrOfTheKnee_SkippedAsNotSpine()
    {
        var decision = Decide(Headers.Mr(Headers.Sagittal, bodyPart: "KNEE"));

        Assert.False(decision.Selected);
        Assert.Equal(["Body Part Examined KNEE: not spine"], decision.Reasons);
        Assert.All(decision.Instances, i => Assert.False(i.Selected));
    }

    [Fact]
    public void DecideSeries_EnhancedMrOrientationInSharedGroups_Sagittal()
    {
        var ds = Headers.Mr(null, description: "T2");
        var orientation = new DicomDataset().AddValues(DicomTags.ImageOrientationPatient, DicomVR.DS, Headers.Sagittal);
        var shared = new DicomDataset().AddSequence(DicomTags.PlaneOrientationSequence, orientation);
        ds.AddSequence(DicomTags.SharedFunctionalGroupsSequence, shared);

        Assert.True(Decide(ds).Selected);
    }

    [Theory]
    [InlineData("IR\\SE", 150.0, 4000.0, 40.0, "T2 SAG", MrSequence.Stir)]
    [InlineData("IR", 220.0, 5000.0, 60.0, null, MrSequence.Stir)]
    [InlineData(null, null, 4000.0, 40.0, "t2_tirm_sag", MrSequence.Stir)]
    [InlineData("IR", 2500.0, 9000.0, 100.0, "T2 FLAIR SAG", MrSequence.T2)]
    [InlineData("SE", null, 550.0, 12.0, "SAG", MrSequence.T1)]
    [InlineData("SE", null, 3500.0, 100.0, "SAG", MrSequence.T2)]
    [InlineData("SE", null, 3000.0, 20.0, "SAG PD", MrSequence.Unknown)]
    [InlineData(null, null, null, null, "t1_tse_sag", MrSequence.T1)]
    [InlineData(null, null, null, null, "T2W SAG", MrSequence.T2)]
    [InlineData(null, null, null, null, "SAG", MrSequence.Unknown)]
    public void DecideSeries_Weighting_FromTimingAndDescription(string? scanning, double? ti, double? tr, double? te, string? description, MrSequence expected)
    {
        var decision = Decide(Headers.Mr(Headers.Sagittal, description: description, tr: tr, te: te, ti: ti, scanning: scanning));

        Assert.Equal(expected, decision.MrSequence);
        Assert.True(decision.Selected);
    }

    [Fact]
    public void DecideSeries_StirNamedButNoInversion_UnknownNamingBoth()
    {
        var decision = Decide(Headers.Mr(Headers.Sagittal, description: "STIR SAG", scanning: "SE"));

        Assert.Equal(MrSequence.Unknown, decision.MrSequence);
        Assert.Contains("MR weighting unknown: the description 'STIR SAG' says STIR but Scanning Sequence SE has no inversion recovery", decision.Reasons);
    }

    [Fact]
    public void DecideSeries_T1TimingButT2Description_UnknownNamingBoth()
    {
        var decision = Decide(Headers.Mr(Headers.Sagittal, description: "T2 SAG", tr: 500, te: 10));

        Assert.Equal(MrSequence.Unknown, decision.MrSequence);
        Assert.Contains("MR weighting unknown: TR 500 ms, TE 10 ms says T1 but the description 'T2 SAG' says T2", decision.Reasons);
    }

    [Theory]
    [InlineData("FS", "T2 SAG")]
    [InlineData(null, "T2 TSE FS SAG")]
    [InlineData(null, "t2_tse_spair_sag")]
    [InlineData(null, "T2 SAG Dixon W")]
    public void DecideSeries_FatSaturatedT2_Recognised(string? scanOptions, string description)
    {
        var decision = Decide(Headers.Mr(Headers.Sagittal, description: description, scanOptions: scanOptions));

        Assert.Equal(MrSequence.T2FatSat, decision.MrSequence);
        Assert.Contains(decision.Reasons, r => r.StartsWith("MR weighting T2 fat-saturated: TR 3000 ms, TE 100 ms, fat saturation from", StringComparison.Ordinal));
    }

    [Fact]
    public void DecideSeries_FatSaturatedT1_UnknownForMarrow()
    {
        var decision = Decide(Headers.Mr(Headers.Sagittal, description: "T1 FS SAG", tr: 500, te: 10));

        Assert.Equal(MrSequence.Unknown, decision.MrSequence);
        Assert.Contains(decision.Reasons, r => r.Contains("fat-saturated T1", StringComparison.Ordinal));
    }

    [Fact]
    public void DecideSeries_InversionTimeOutsideRangeByRules_NotStir()
    {
        var rules = SelectionRules.Default with { StirInversionTimeMinMs = 100, StirInversionTimeMaxMs = 200 };

        var decision = Decide(Headers.Mr(Headers.Sagittal, description: "SAG", scanning: "IR", ti: 230, tr: 4000, te: 70), rules);

        Assert.Equal(MrSequence.T2, decision.MrSequence);
        Assert.Contains(decision.Evidence, e => e.Attribute == "InversionTime" && e.Finding.StartsWith("outside", StringComparison.Ordinal));
    }
}
