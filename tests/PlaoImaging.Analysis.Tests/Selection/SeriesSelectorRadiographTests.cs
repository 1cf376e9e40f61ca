using PlaoImaging.Analysis.Selection;
using PlaoImaging.Dicom;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Selection;

/// <summary>Radiograph rules on synthetic headers: anatomy, view sources, conflicts, per-instance decisions.</summary>
public sealed class SeriesSelectorRadiographTests
{
    private static SeriesDecision Decide(DicomDataset dataset, SelectionRules? rules = null) =>
        new SeriesSelector(rules).DecideSeries([dataset]);

    [Fact]
    public void DecideSeries_NothingButModality_SkippedForLackOfInformation()
    {
        var decision = Decide(Headers.Radiograph(bodyPart: null, viewPosition: null, orientation: null));

        Assert.False(decision.Selected);
        Assert.Equal(
            ["not enough information: no View Code Sequence, View Position, Patient Orientation or description states the view"],
            decision.Reasons);
    }

    [Fact]
    public void DecideSeries_UnstatedAnatomyButLateral_AcceptedWithTheCaveat()
    {
        var decision = Decide(Headers.Radiograph(bodyPart: null));

        Assert.True(decision.Selected);
        Assert.Contains(decision.Reasons, r => r.StartsWith("anatomy not stated", StringComparison.Ordinal));
    }

    [Fact]
    public void DecideSeries_UnstatedAnatomyWhenRulesRequireIt_Skipped()
    {
        var decision = Decide(Headers.Radiograph(bodyPart: null), SelectionRules.Default with { AcceptUnknownAnatomy = false });

        Assert.False(decision.Selected);
        Assert.Contains(decision.Reasons, r => r.StartsWith("not enough information: anatomy not stated", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("CHEST", "Body Part Examined CHEST: not spine")]
    [InlineData("CSPINE", "Body Part Examined CSPINE: not the thoracic or lumbar spine")]
    [InlineData("SSPINE", "Body Part Examined SSPINE: not the thoracic or lumbar spine")]
    [InlineData("KNEE", "Body Part Examined KNEE: not spine")]
    public void DecideSeries_OtherBodyPart_SkippedAsNotSpine(string bodyPart, string reason)
    {
        var decision = Decide(Headers.Radiograph(bodyPart: bodyPart));

        Assert.False(decision.Selected);
        Assert.Equal([reason], decision.Reasons);
    }

    [Theory]
    [InlineData("L-SPINE")]
    [InlineData("t spine")]
    [InlineData("TLSPINE")]
    [InlineData("LSSPINE")]
    [InlineData("WHOLESPINE")]
    public void DecideSeries_SpineBodyPartSpellings_Accepted(string bodyPart)
    {
        Assert.True(Decide(Headers.Radiograph(bodyPart: bodyPart)).Selected);
    }

    [Fact]
    public void DecideSeries_AnatomicRegionCodeOnly_ReadAsSpine()
    {
        var ds = Headers.Radiograph(bodyPart: null);
        ds.AddSequence(DicomTags.AnatomicRegionSequence, Headers.Code("122496007", "SCT", "Lumbar spine"));

        var decision = Decide(ds);

        Assert.True(decision.Selected);
        Assert.Contains("Anatomic Region Sequence SCT:122496007 (Lumbar spine): spine", decision.Reasons);
    }

    [Fact]
    public void DecideSeries_StudyDescriptionOnly_NamesTheSpine()
    {
        var ds = Headers.Radiograph(bodyPart: null);
        ds.AddString(DicomTags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100");
        ds.AddString(DicomTags.StudyDescription, DicomVR.LO, "XR Wirbelsäule");

        Assert.Contains("Study Description 'XR Wirbelsäule' names the spine", Decide(ds).Reasons);
    }

    [Fact]
    public void DecideSeries_BodyPartChestButDescriptionSpine_ConflictSkipped()
    {
        var decision = Decide(Headers.Radiograph(bodyPart: "CHEST", description: "T-SPINE LAT"));

        Assert.False(decision.Selected);
        Assert.Contains("conflicting anatomy: Body Part Examined CHEST says not spine but Series Description 'T-SPINE LAT' says spine", decision.Reasons);
    }

    [Fact]
    public void DecideSeries_AnatomyConflictTrustingStrongest_FollowsBodyPart()
    {
        var rules = SelectionRules.Default with { OnConflict = ConflictPolicy.TrustStrongest };

        var decision = Decide(Headers.Radiograph(bodyPart: "CHEST", description: "T-SPINE LAT"), rules);

        Assert.False(decision.Selected);
        Assert.Contains("Body Part Examined CHEST: not spine (followed over the conflicting Series Description 'T-SPINE LAT')", decision.Reasons);
    }

    [Fact]
    public void DecideSeries_SeriesDescriptionNamesAnotherRegion_NotSpineEvenIfTheStudyNamesTheSpine()
    {
        var ds = Headers.Radiograph(bodyPart: null, description: "CHEST LAT");
        ds.AddString(DicomTags.StudyDescription, DicomVR.LO, "XR CHEST AND SPINE");

        var decision = Decide(ds);

        Assert.False(decision.Selected);
        Assert.Equal(["Series Description 'CHEST LAT' names another region: not spine"], decision.Reasons);
    }

    [Fact]
    public void DecideSeries_DescriptionNamingSpineAndAnotherRegion_NotUsed()
    {
        var decision = Decide(Headers.Radiograph(bodyPart: null, description: "Thorax + BWS seitlich"));

        Assert.True(decision.Selected);
        Assert.Contains(decision.Evidence, e => e.Finding == "names the spine and another region: not used");
        Assert.Contains(decision.Reasons, r => r.StartsWith("anatomy not stated", StringComparison.Ordinal));
    }

    [Fact]
    public void DecideSeries_SpineBodyPartButKneeDescription_ConflictSkipped()
    {
        var decision = Decide(Headers.Radiograph(bodyPart: "LSPINE", description: "KNEE LAT"));

        Assert.Equal(["conflicting anatomy: Series Description 'KNEE LAT' says not spine but Body Part Examined LSPINE says spine"], decision.Reasons);
    }

    [Theory]
    [InlineData("LL", true, "View Position LL: lateral view")]
    [InlineData("RL", true, "View Position RL: lateral view")]
    [InlineData("LATERAL", true, "View Position LATERAL: lateral view")]
    [InlineData("AP", false, "View Position AP: frontal view")]
    [InlineData("PA", false, "View Position PA: frontal view")]
    [InlineData("RLO", false, "View Position RLO: oblique or decubitus view, not lateral")]
    [InlineData("LLD", false, "View Position LLD: oblique or decubitus view, not lateral")]
    public void DecideSeries_ViewPosition_Decides(string position, bool selected, string reason)
    {
        var decision = Decide(Headers.Radiograph(viewPosition: position, orientation: null));

        Assert.Equal(selected, decision.Selected);
        Assert.Contains(reason, decision.Reasons);
    }

    [Fact]
    public void DecideSeries_UnknownViewPosition_RecordedButNotDeciding()
    {
        var decision = Decide(Headers.Radiograph(viewPosition: "XYZ", orientation: "A\\F"));

        Assert.True(decision.Selected);
        Assert.Contains("Patient Orientation A\\F: lateral view", decision.Reasons);
        Assert.Contains(decision.Evidence, e => e is { Attribute: "ViewPosition", Value: "XYZ", Finding: "not recognised" });
    }

    [Theory]
    [InlineData("P\\F", true, "Patient Orientation P\\F: lateral view")]
    [InlineData("F\\A", true, "Patient Orientation F\\A: lateral view")]
    [InlineData("L\\F", false, "Patient Orientation L\\F: frontal view")]
    [InlineData("R\\H", false, "Patient Orientation R\\H: frontal view")]
    [InlineData("PL\\F", false, "Patient Orientation PL\\F: oblique or decubitus view, not lateral")]
    public void DecideSeries_PatientOrientationAlone_Decides(string orientation, bool selected, string reason)
    {
        var decision = Decide(Headers.Radiograph(viewPosition: null, orientation: orientation));

        Assert.Equal(selected, decision.Selected);
        Assert.Contains(reason, decision.Reasons);
    }

    [Theory]
    [InlineData("399067008", "SCT", "Lateral", true)]
    [InlineData("399173006", "SCT", "left lateral", true)]
    [InlineData("R-10232", "SRT", "right lateral", true)]
    [InlineData("R-10236", "SNM3", "left lateral", true)]
    [InlineData("399348003", "SCT", "antero-posterior", false)]
    [InlineData("R-10214", "SRT", "postero-anterior", false)]
    [InlineData("399182000", "SCT", "oblique", false)]
    public void DecideSeries_ViewCodeSequenceAlone_Decides(string value, string scheme, string meaning, bool selected)
    {
        var ds = Headers.Radiograph(viewPosition: null, orientation: null);
        ds.AddSequence(DicomTags.ViewCodeSequence, Headers.Code(value, scheme, meaning));

        var decision = Decide(ds);

        Assert.Equal(selected, decision.Selected);
        Assert.Contains(decision.Reasons, r => r.StartsWith($"View Code Sequence {(scheme == "SNM3" ? "SRT" : scheme)}:{value} ({meaning})", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("LWS seitlich", true)]
    [InlineData("L-SPINE LAT", true)]
    [InlineData("lspine_lat", true)]
    [InlineData("BWS a.p.", false)]
    [InlineData("T SPINE AP", false)]
    public void DecideSeries_DescriptionAlone_Decides(string description, bool selected)
    {
        var decision = Decide(Headers.Radiograph(viewPosition: null, orientation: null, description: description));

        Assert.Equal(selected, decision.Selected);
    }

    [Fact]
    public void DecideSeries_DescriptionNamingBothViews_NotUsed()
    {
        var decision = Decide(Headers.Radiograph(viewPosition: null, orientation: null, description: "LSPINE AP + LAT"));

        Assert.False(decision.Selected);
        Assert.Contains(decision.Evidence, e => e.Finding == "names both a lateral and a frontal view: not used");
        Assert.StartsWith("not enough information", Assert.Single(decision.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void DecideSeries_DescriptionLateralButViewPositionAp_ConflictNamesBoth()
    {
        var decision = Decide(Headers.Radiograph(viewPosition: "AP", orientation: null, description: "LSPINE LAT"));

        Assert.False(decision.Selected);
        Assert.Equal(["conflicting view: View Position AP says frontal but Series Description 'LSPINE LAT' says lateral"], decision.Reasons);
    }

    [Fact]
    public void DecideSeries_ViewCodeLateralButOrientationFrontal_ConflictNamesBoth()
    {
        var ds = Headers.Radiograph(viewPosition: null, orientation: "L\\F");
        ds.AddSequence(DicomTags.ViewCodeSequence, Headers.Code("399067008", "SCT", "Lateral"));

        var decision = Decide(ds);

        Assert.Equal(["conflicting view: View Code Sequence SCT:399067008 (Lateral) says lateral but Patient Orientation L\\F says frontal"], decision.Reasons);
    }

    [Fact]
    public void DecideSeries_ViewConflictTrustingStrongest_FollowsViewPosition()
    {
        var rules = SelectionRules.Default with { OnConflict = ConflictPolicy.TrustStrongest };

        var lateral = Decide(Headers.Radiograph(viewPosition: "LL", orientation: "L\\F"), rules);
        var frontal = Decide(Headers.Radiograph(viewPosition: "AP", orientation: null, description: "LSPINE LAT"), rules);

        Assert.True(lateral.Selected);
        Assert.Contains("View Position LL: lateral view (followed over the conflicting Patient Orientation L\\F)", lateral.Reasons);
        Assert.False(frontal.Selected);
        Assert.Contains("View Position AP: frontal view (followed over the conflicting Series Description 'LSPINE LAT')", frontal.Reasons);
    }

    [Fact]
    public void DecideSeries_ImageLaterality_RecordedNeverDeciding()
    {
        var ds = Headers.Radiograph();
        ds.AddString(DicomTags.ImageLaterality, DicomVR.CS, "R");

        var decision = Decide(ds);

        Assert.True(decision.Selected);
        Assert.Contains(decision.Evidence, e => e.Attribute == "ImageLaterality" && e.Value == "R");
    }

    [Fact]
    public void DecideSeries_MixedViewsInOneSeries_DecidedPerInstance()
    {
        var series = new SeriesSelector().DecideSeries(
        [
            Headers.Radiograph(viewPosition: "AP", orientation: "L\\F", instance: 1),
            Headers.Radiograph(viewPosition: "LL", orientation: "P\\F", instance: 2),
            Headers.Radiograph(viewPosition: "PA", orientation: "R\\F", instance: 3),
        ]);

        Assert.True(series.Selected);
        Assert.Equal(SeriesKind.LateralRadiograph, series.Kind);
        Assert.Equal([false, true, false], series.Instances.Select(i => i.Selected));
        Assert.Equal(["1.2.826.0.1.3680043.10.1234.2.2"], series.SelectedInstances);
        Assert.Contains("View Position LL: lateral view", series.Reasons);
        Assert.Contains("View Position AP: frontal view (1 of 3 instances skipped)", series.Reasons);
        Assert.Contains("View Position PA: frontal view (1 of 3 instances skipped)", series.Reasons);
    }

    [Fact]
    public void DecideSeries_LocalizerImageType_Skipped()
    {
        var ds = Headers.Radiograph();
        ds.AddString(DicomTags.ImageType, DicomVR.CS, "ORIGINAL", "PRIMARY", "LOCALIZER");

        var decision = Decide(ds);

        Assert.False(decision.Selected);
        Assert.Contains("Image Type LOCALIZER: localizer or scout image", decision.Reasons);
    }

    [Theory]
    [InlineData("CT", "Modality CT: not measured (only CR, DX, MR)")]
    [InlineData("", "Modality absent: not enough information")]
    public void DecideSeries_OtherModality_Skipped(string modality, string reason)
    {
        var ds = Headers.Radiograph(modality: modality.Length == 0 ? "DX" : modality);
        if (modality.Length == 0)
        {
            ds.Remove(DicomTags.Modality);
        }

        var decision = Decide(ds);

        Assert.False(decision.Selected);
        Assert.Equal(SeriesKind.None, decision.Kind);
        Assert.Equal([reason], decision.Reasons);
        Assert.All(decision.Instances, i => Assert.Equal([reason], i.Reasons));
    }

    [Fact]
    public void DecideSeries_ChestAddedToSpineBodyParts_LateralChestSelected()
    {
        var rules = SelectionRules.Default with { SpineBodyParts = [.. SelectionRules.Default.SpineBodyParts, "CHEST"] };

        Assert.True(Decide(Headers.Radiograph(bodyPart: "CHEST"), rules).Selected);
        Assert.False(Decide(Headers.Radiograph(bodyPart: "CHEST")).Selected);
    }

    [Fact]
    public void Select_GroupsBySeries_InFirstSeenOrder()
    {
        var decisions = new SeriesSelector().Select(
        [
            Headers.Radiograph(series: "1.2.3.9", instance: 1),
            Headers.Radiograph(series: "1.2.3.4", viewPosition: "AP", orientation: null, instance: 1),
            Headers.Radiograph(series: "1.2.3.9", instance: 2),
        ]);

        Assert.Equal(["1.2.3.9", "1.2.3.4"], decisions.Select(d => d.SeriesInstanceUid));
        Assert.Equal(2, decisions[0].Instances.Count);
        Assert.Equal([true, false], decisions.Select(d => d.Selected));
    }
}
