using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Reporting.Common;
using PlaoImaging.Reporting.Sr;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Sr;

/// <summary>The vertebral report of every sample study, in process: contents, round trip, amendment, bad input.</summary>
public sealed class VertebralReportTests
{
    public static Xunit.TheoryData<string> Reported() => SampleReports.Reported();

    private static StudyResult WriteAndRead(SrDocument document)
    {
        using var stream = new MemoryStream();
        new DicomFile(document.ToDataset()).Write(stream);
        stream.Position = 0;
        return VertebralReportReader.Read(DicomFile.Read(stream).Dataset);
    }

    [Theory]
    [MemberData(nameof(Reported))]
    public void Report_ReadBackFromPart10_EqualsTheCarriedResult(string study)
    {
        var (result, header) = SampleReports.Analyse(study);
        var readBack = WriteAndRead(SampleReports.Report(study));
        var encoding = Reporting.Common.PatientStudyAttributes.Copy(header).TextEncoding;
        Assert.Equal(StudyResultJson.Serialize(VertebralReportReader.Carried(result, encoding)), StudyResultJson.Serialize(readBack));
        Assert.Equal(StudyResultJson.Serialize(readBack), StudyResultJson.Serialize(VertebralReportReader.Carried(readBack, encoding)));
    }

    [Theory]
    [MemberData(nameof(Reported))]
    public void Report_ReadBack_RebuildsTheEnginesPerLevelJoin(string study)
    {
        var (result, _) = SampleReports.Analyse(study);
        var readBack = WriteAndRead(SampleReports.Report(study));
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(result.Levels),
            System.Text.Json.JsonSerializer.Serialize(readBack.Levels));
        Assert.Equal(result.Summary.FracturedVertebrae, readBack.Levels.Count(l => l.GenantGrade > 0));
    }

    [Theory]
    [MemberData(nameof(Reported))]
    public void Report_HasOneGroupPerVertebraPerImage_WithStableTrackingAndSeries(string study)
    {
        var (result, header) = SampleReports.Analyse(study);
        var document = SampleReports.Report(study);
        var report = Tid1500Reader.Read(document.Content);
        Assert.Equal(VertebralReport.MeasuredImages(result).Sum(i => i.Vertebrae.Count), report.Groups.Count);
        foreach (var group in report.Groups)
        {
            string level = group.Tracking.Identifier.Replace(" vertebra", string.Empty, StringComparison.Ordinal);
            Assert.Equal(ReportUids.Tracking(result.StudyInstanceUid, level), group.Tracking.Uid);
            Assert.Equal(3, group.Measurements.Count(m => SrCodes.Height.Is(m.Name)));
            Assert.All(group.Measurements.Where(m => SrCodes.Height.Is(m.Name)), m =>
            {
                var c = Assert.Single(m.Coordinates);
                Assert.Equal(GraphicType.Polyline, c.GraphicType);
                Assert.Equal(4, c.Data.Count);
            });
        }

        // Analysing again gives the same series and instance (same model version, same analysis).
        var again = VertebralReport.Create(result, header).Document!;
        Assert.Equal(document.SeriesInstanceUid, again.SeriesInstanceUid);
        Assert.Equal(document.SopInstanceUid, again.SopInstanceUid);
        Assert.Equal(ReportUids.Series(result.StudyInstanceUid, result.Model.Id, result.Model.Version, ReportObjectKind.StructuredReport), document.SeriesInstanceUid);
        Assert.Equal(SrDocument.Comprehensive3DSrStorage, document.SopClassUid);
        Assert.False(document.Verified);
    }

    [Fact]
    public void PointErrorsAndGradeRange_AreCarried()
    {
        var (result, header) = SampleReports.Analyse("02-dx-thoracolumbar-explicit");
        var withUncertainty = result with
        {
            Images = [.. result.Images.Select(i => i with
            {
                Vertebrae = [.. i.Vertebrae.Select(v => v with
                {
                    PointError = v.Points.Keys.ToDictionary(k => k, k => 0.25 + (k.Length * 0.1)),
                    GradeRange = new GradeRange(0, 1, 0.0625),
                })],
            })],
        };
        var readBack = WriteAndRead(VertebralReport.Create(withUncertainty, header).Document!);
        var encoding = Reporting.Common.PatientStudyAttributes.Copy(header).TextEncoding;
        Assert.Equal(StudyResultJson.Serialize(VertebralReportReader.Carried(withUncertainty, encoding)), StudyResultJson.Serialize(readBack));
        Assert.All(readBack.Images.SelectMany(i => i.Vertebrae), v => Assert.Equal(new GradeRange(0, 1, 0.0625), v.GradeRange));
    }

    [Fact]
    public void VertebraCodes_AreTheCid7603SnomedCodes()
    {
        Assert.Equal(new CodedConcept("66794005", "SCT", "L1 vertebra"), VertebralCodes.Vertebra("L1"));
        Assert.Equal(new CodedConcept("73071006", "SCT", "T4 vertebra"), VertebralCodes.Vertebra("T4"));
        Assert.Equal("T12", VertebralCodes.LevelOf(new CodedConcept("23215003", "SCT", "T12 vertebra")));
        Assert.Equal(VertebralCodes.Scheme, VertebralCodes.Vertebra("S1").Scheme);
    }

    [Fact]
    public void PlaoRun_IsPartial_WithRunAndFractureCount()
    {
        var document = SampleReports.Report("03-dx-thoracic-plao-run");
        Assert.Equal(CompletionFlag.Partial, document.Completion);
        var report = Tid1500Reader.Read(document.Content);
        Assert.Contains(report.QualitativeEvaluations, q => q.Text == "T6, T7, T8, T9, T10" && VertebralCodes.FractureRun.Is(q.Name));
        Assert.Equal(5, report.DerivedMeasurements.Single(m => VertebralCodes.FracturedVertebrae.Is(m.Name)).Value);
        Assert.Equal([SrCodes.XrUnspecifiedBodyRegion], report.ProceduresReported);
    }

    [Fact]
    public void Mr_ReportsAcuteL1_AndTheMrProcedure()
    {
        var document = SampleReports.Report("07-mr-sagittal-acute");
        var report = Tid1500Reader.Read(document.Content);
        Assert.Contains(SrCodes.MriUnspecifiedBodyRegion, report.ProceduresReported);
        Assert.Contains(report.Groups, g => g.Tracking.Identifier == "L1 vertebra" &&
            g.QualitativeEvaluations.Any(q => VertebralCodes.AcuteOedema.Is(q.Name) && SrCodes.Yes.Is(q.Value)));
        Assert.Contains(report.QualitativeEvaluations, q => VertebralCodes.AcuteLevel.Is(q.Name) && q.Text == "L1");
    }

    [Fact]
    public void NoPixelSpacing_HeightsInPixels_WithTheRatiosOnlyNote()
    {
        var report = Tid1500Reader.Read(SampleReports.Report("08-cr-no-pixel-spacing").Content);
        Assert.All(report.Groups, g =>
        {
            Assert.All(g.Measurements.Where(m => SrCodes.Height.Is(m.Name)), m => Assert.Equal(SrCodes.Pixels, m.Unit));
            Assert.Contains(g.QualitativeEvaluations, q => q.Text == VertebralReport.PixelHeightsNote);
        });
    }

    [Fact]
    public void FrontalOnly_NoReport_WithTypedReason()
    {
        var (result, header) = SampleReports.Analyse("06-cr-frontal-spine-skip");
        var outcome = VertebralReport.Create(result, header);
        Assert.False(outcome.HasReport);
        Assert.Equal(NoReportReason.NoMeasurableSeries, outcome.Reason);
    }

    [Fact]
    public void Amendment_IsVerifiedComplete_WithPredecessorPersonObserverAndTheSameTracking()
    {
        var (result, _) = SampleReports.Analyse("03-dx-thoracic-plao-run");
        var prior = SampleReports.Report("03-dx-thoracic-plao-run");
        var corrected = result with
        {
            ReviewFlags = [],
            Images = [.. result.Images.Select(i => i with { Vertebrae = [.. i.Vertebrae.Select(v => v.Level == "T5" ? v with { GenantGrade = 1, Deformity = "wedge" } : v)] })],
        };
        var signer = new ReportSigner(new DicomPersonName("Müller^Anna"), "Klinik Nord", new DateTimeOffset(2026, 3, 15, 10, 0, 0, TimeSpan.FromHours(1)));
        var amended = VertebralReport.Amend(SrDocument.Read(prior.ToDataset()), corrected, signer);

        Assert.True(amended.Verified);
        Assert.Equal(CompletionFlag.Complete, amended.Completion);
        Assert.Equal(prior.SeriesInstanceUid, amended.SeriesInstanceUid);
        Assert.NotEqual(prior.SopInstanceUid, amended.SopInstanceUid);
        Assert.Equal(prior.SopInstanceUid, Assert.Single(amended.PredecessorDocuments).Instance.SopInstanceUid);
        var observer = Assert.Single(amended.VerifyingObservers);
        Assert.Equal("Müller^Anna", observer.Name.ToString());

        var written = SrDocument.Read(ReadBack(amended));
        Assert.Equal("Müller^Anna", written.VerifyingObservers[0].Name.ToString());
        var report = Tid1500Reader.Read(written.Content);
        Assert.Equal("Müller^Anna", report.Person!.Name.ToString());
        Assert.Equal(Tid1500Reader.Read(prior.Content).Device.Uid, report.Device.Uid);
        Assert.Equal(
            Tid1500Reader.Read(prior.Content).Groups.Select(g => g.Tracking.Uid),
            report.Groups.Select(g => g.Tracking.Uid));
        var t5 = VertebralReportReader.Read(written).Images.SelectMany(i => i.Vertebrae).Single(v => v.Level == "T5");
        Assert.Equal(1, t5.GenantGrade);
    }

    [Fact]
    public void VerifiedWithoutComplete_IsRefusedNamingTheFlag()
    {
        var prior = SampleReports.Report("02-dx-thoracolumbar-explicit");
        var bad = prior with { Verified = true, Completion = CompletionFlag.Partial, VerifyingObservers = [new(new DicomPersonName("A^B"), "X", DateTimeOffset.UnixEpoch)] };
        var e = Assert.Throws<DicomWriteException>(() => bad.ToDataset());
        Assert.Equal(DicomTags.VerificationFlag, e.Tag);
    }

    private static DicomDataset ReadBack(SrDocument document)
    {
        using var stream = new MemoryStream();
        new DicomFile(document.ToDataset()).Write(stream);
        stream.Position = 0;
        return DicomFile.Read(stream).Dataset;
    }
}
