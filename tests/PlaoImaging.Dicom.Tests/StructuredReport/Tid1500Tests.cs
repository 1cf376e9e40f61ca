using PlaoImaging.Dicom.StructuredReport;
using Xunit;

namespace PlaoImaging.Dicom.Tests.StructuredReport;

/// <summary>The TID 1500 builders, the SR document module and <see cref="Tid1500Reader"/> in process.</summary>
[Trait("Category", "unit")]
public sealed class Tid1500Tests
{
    private const string Study = "1.2.826.0.1.3680043.8.498.1";
    private static readonly SopReference Image = new("1.2.840.10008.5.1.4.1.1.1.1", "1.2.826.0.1.3680043.8.498.2");
    private static readonly CodedConcept Grade = new("g", "99TEST", "Grade");

    internal static MeasurementReport Report(PersonObserver? person = null) =>
        new(new DeviceObserver("2.25.42") { Name = "device" }, [SrCodes.XrUnspecifiedBodyRegion], new ImageLibrary([Image]),
        [
            new MeasurementGroup(new TrackingIdentifier("L1 vertebra", "2.25.7"))
            {
                Finding = SrCodes.Normal,
                FindingSites = [new CodedConcept("66794005", "SCT", "L1 vertebra")],
                Algorithm = new AlgorithmIdentification("model", "1") { Parameters = ["sha256=00"] },
                SourceImages = [Image],
                Measurements =
                [
                    new Measurement(SrCodes.Height, 24.5, SrCodes.Millimetre)
                    {
                        Modifiers = [new(SrCodes.TopographicalModifier, SrCodes.Anterior)],
                        Coordinates = [new MeasurementCoordinates(GraphicType.Polyline, [10.5f, 20.5f, 11.5f, 44.5f], Image)],
                    },
                ],
                QualitativeEvaluations = [new QualitativeEvaluation(Grade, new CodedConcept("g0", "99TEST", "Grade 0")), new QualitativeEvaluation(Grade, "a note")],
            },
        ])
        {
            Person = person,
            DerivedMeasurements = [new Measurement(new CodedConcept("n", "99TEST", "Count"), 3, SrCodes.NoUnits)],
            QualitativeEvaluations = [new QualitativeEvaluation(new CodedConcept("t", "99TEST", "Text"), "study note")],
        };

    internal static SrDocument Document(MeasurementReport report) => new()
    {
        SopInstanceUid = "2.25.100",
        SeriesInstanceUid = "2.25.101",
        PatientStudy = new DicomDataset().AddString(DicomTags.StudyInstanceUID, DicomVR.UI, Study),
        ContentDateTime = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero),
        Evidence = [new SrEvidence(Study, "1.2.826.0.1.3680043.8.498.3", Image)],
        Equipment = new SrEquipment("Maker"),
        CodingSchemes = [new CodingSchemeIdentification("99TEST", "Test codes", "Nobody")],
        Content = report.ToContent(),
    };

    [Fact]
    public void Report_ReadBack_GivesTheSameParts()
    {
        var report = Report(new PersonObserver(new DicomPersonName("Doe^Jane")) { Organization = "Org" });
        using var stream = new MemoryStream();
        new DicomFile(Document(report).ToDataset()).Write(stream);
        stream.Position = 0;
        var document = SrDocument.Read(DicomFile.Read(stream).Dataset);
        var read = Tid1500Reader.Read(document.Content);

        Assert.Equal(SrTreeText.Format(report.ToContent(), true), SrTreeText.Format(document.Content, true));
        Assert.Equal(report.Device, read.Device);
        Assert.Equal(report.Person, read.Person);
        var group = Assert.Single(read.Groups);
        Assert.Equal(report.Groups[0].Measurements[0], group.Measurements[0]);
        Assert.Equal(report.Groups[0].Algorithm, group.Algorithm);
        Assert.Equal(report.Groups[0].QualitativeEvaluations, group.QualitativeEvaluations);
        Assert.Empty(group.OtherContent);
        Assert.Equal(report.DerivedMeasurements[0], read.DerivedMeasurements[0]);
        Assert.Equal(SrDocument.Comprehensive3DSrStorage, document.SopClassUid);
        Assert.Equal(CompletionFlag.Partial, document.Completion);
        Assert.Equal(Image, Assert.Single(document.Evidence).Instance);
    }

    [Fact]
    public void Document_RulesBetweenAttributes_AreCheckedNamingTheAttribute()
    {
        var document = Document(Report());
        Assert.Equal(DicomTags.VerifyingObserverSequence,
            Assert.Throws<DicomWriteException>(() => (document with { Verified = true, Completion = CompletionFlag.Complete }).ToDataset()).Tag);
        Assert.Equal(DicomTags.CodingSchemeIdentificationSequence,
            Assert.Throws<DicomWriteException>(() => (document with { CodingSchemes = [] }).ToDataset()).Tag);
        Assert.Equal(DicomTags.CurrentRequestedProcedureEvidenceSequence,
            Assert.Throws<DicomWriteException>(() => (document with { Evidence = [] }).ToDataset()).Tag);
        Assert.Equal(DicomTags.StudyInstanceUID,
            Assert.Throws<DicomWriteException>(() => (document with { PatientStudy = new DicomDataset() }).ToDataset()).Tag);
    }

    [Fact]
    public void Verified_WritesTheVerifyingObserverAndPredecessor()
    {
        var signedAt = new DateTimeOffset(2026, 5, 2, 8, 30, 0, TimeSpan.FromHours(2));
        var document = Document(Report()) with
        {
            Completion = CompletionFlag.Complete,
            Verified = true,
            Final = true,
            VerifyingObservers = [new VerifyingObserver(new DicomPersonName("Doe^Jane"), "Org", signedAt)],
            PredecessorDocuments = [new SrEvidence(Study, "2.25.101", new SopReference(SrDocument.Comprehensive3DSrStorage, "2.25.99"))],
        };
        var read = SrDocument.Read(document.ToDataset());
        Assert.True(read.Verified);
        Assert.Equal(true, read.Final);
        Assert.Equal(signedAt, Assert.Single(read.VerifyingObservers).VerifiedAt);
        Assert.Equal("2.25.99", Assert.Single(read.PredecessorDocuments).Instance.SopInstanceUid);
        Assert.Equal(document.ContentDateTime, read.ContentDateTime);
    }

    [Fact]
    public void Group_WithoutMeasurementsOrEvaluations_IsRefused()
    {
        var group = new MeasurementGroup(new TrackingIdentifier("x", "2.25.1"));
        Assert.Throws<ArgumentException>(() => group.ToContent());
        Assert.Throws<ArgumentException>(() => new MeasurementReport(new DeviceObserver("2.25.1"), [], new ImageLibrary([]), []));
    }
}
