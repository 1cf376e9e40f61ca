using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Analysis.Tests.Selection;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Analysis.Tests.Engine;

/// <summary>The engine's own logic on the sample studies, with the phantom truth standing in for the model.</summary>
public sealed class StudyAnalyzerTests
{
    private static readonly ModelManifest Manifest = ModelManifestReader.Read(SampleStudies.PathOf("../models/plao-vertebra-landmarks-v1.json"));

    private static (StudyResult Result, TruthModel Model) Analyse(string folder)
    {
        var model = new TruthModel();
        var analyzer = new StudyAnalyzer(model, Manifest, DicomCodecRegistry.CreateDefault());
        var (studies, _) = StudyGrouper.Group([SampleStudies.PathOf(folder)]);
        return (analyzer.Analyze(Assert.Single(studies), TestContext.Current.CancellationToken), model);
    }

    [Fact]
    public void PlaoRun_WithTruePoints_IsReportedAsOneRunOfAdjacentFractures()
    {
        var (result, model) = Analyse("03-dx-thoracic-plao-run");
        Assert.Equal(1, model.Calls);
        var truth = SampleStudies.Truth("03-dx-thoracic-plao-run/lateral.dcm").Where(v => v.FullyVisible && v.GenantGrade > 0).Select(v => v.Level).ToList();
        Assert.Equal(["T5", "T6", "T7", "T8", "T9", "T10"], truth);

        // On the true points the grading rule finds T6-T10; T5 (the phantom's 21 % anterior loss against its own normal
        // shape) reads 19.3 % against the level's published normal Ha/Hp, just under grade 1: the rule, not the engine.
        var run = Assert.Single(result.Summary.Runs);
        Assert.Equal(["T6", "T7", "T8", "T9", "T10"], run.Levels);
        Assert.Equal(result.Levels.Where(l => l.GenantGrade > 0).Select(l => l.Level).ToList(), run.Levels);
        Assert.Equal(5, result.Summary.FracturedVertebrae);
        Assert.True(result.Summary.SpinalDeformityIndex.Partial);
    }

    [Fact]
    public void Mr_WithTruePoints_GradesOnTheChosenSlicesAndFlagsOnlyTheAcuteFracture()
    {
        var (result, model) = Analyse("07-mr-sagittal-acute");
        Assert.Equal(1, model.Calls);
        Assert.Equal(StudyStatus.Graded, result.Status);
        var l1 = Assert.Single(result.Levels, l => l.Level == "L1");
        Assert.True(l1.Acute);
        Assert.NotNull(l1.Mr!.OedemaRatio);
        Assert.True(l1.Mr.OedemaRatio >= 1.4);
        Assert.Contains("T1", l1.Mr.Evidence!, StringComparison.Ordinal);
        var t12 = Assert.Single(result.Levels, l => l.Level == "T12");
        Assert.False(t12.Acute);
        Assert.Equal(1, t12.GenantGrade);
        Assert.Equal(["L1"], result.Summary.AcuteLevels);

        // Each level is measured once per series, on one chosen slice; the other slices stay in the result, unmeasured.
        foreach (var series in result.Images.GroupBy(i => i.Source.SeriesInstanceUid))
        {
            var levels = series.Where(i => i.Measured).SelectMany(i => i.Vertebrae).Select(v => v.Level).ToList();
            Assert.Equal(levels.Distinct().Count(), levels.Count);
            Assert.Contains(series, i => !i.Measured && i.Note!.StartsWith("not chosen", StringComparison.Ordinal));
        }

        Assert.DoesNotContain(result.ReviewFlags, f => f.Code == "level-gap");
    }

    [Fact]
    public void FrontalOnly_IsNoMeasurableSeries_AndTheModelIsNotCalled()
    {
        var (result, model) = Analyse("06-cr-frontal-spine-skip");
        Assert.Equal(0, model.Calls);
        Assert.Equal(StudyStatus.NoMeasurableSeries, result.Status);
        Assert.Empty(result.ReviewFlags);
    }

    [Fact]
    public void Result_RoundTripsThroughItsJson()
    {
        var (result, _) = Analyse("02-dx-thoracolumbar-explicit");
        string json = StudyResultJson.Serialize(result);
        var back = StudyResultJson.Deserialize(json);
        Assert.Equal(json, StudyResultJson.Serialize(back));
        Assert.Contains("\"genant_grade\"", json, StringComparison.Ordinal);
        Assert.Contains("\"imager_pixel_spacing_corrected\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelThatThrows_GivesAFailedStudyWithTheError_NotAnException()
    {
        var analyzer = new StudyAnalyzer(new ThrowingModel(), Manifest, DicomCodecRegistry.CreateDefault());
        var (studies, _) = StudyGrouper.Group([SampleStudies.PathOf("02-dx-thoracolumbar-explicit")], TestContext.Current.CancellationToken);
        var result = analyzer.Analyze(Assert.Single(studies), TestContext.Current.CancellationToken);
        Assert.Equal(StudyStatus.Failed, result.Status);
        Assert.Contains("out of device memory", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Inputs);
        Assert.Contains("\"error\": \"the analysis failed", StudyResultJson.Serialize(result), StringComparison.Ordinal);
    }

    private sealed class ThrowingModel : ILandmarkModel
    {
        public ModelIdentity Identity { get; } = new("throwing", "0", new string('0', 64));

        public IReadOnlyList<ImageLandmarks> Locate(IReadOnlyList<SpineImage> images, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("out of device memory");
    }
}
