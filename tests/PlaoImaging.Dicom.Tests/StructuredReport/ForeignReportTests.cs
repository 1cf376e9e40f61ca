using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Tests.StructuredReport;

/// <summary>TID 1500 reports written by other toolkits: highdicom's examples in the shared corpus, and one pydicom writes here.</summary>
[Trait("Category", "peer")]
public sealed class ForeignReportTests
{
    [Theory]
    [InlineData("sr_document.dcm")]
    [InlineData("sr_document_with_multiple_groups.dcm")]
    public void HighdicomExample_IsReadAsAMeasurementReport(string name)
    {
        string path = Path.Combine(Peers.RequireCorpus(), "highdicom", "data", "test_files", name);
        var document = SrDocument.Read(DicomFile.Open(path).Dataset);
        var report = Tid1500Reader.Read(document.Content);
        Assert.NotEmpty(report.Groups);
        Assert.All(report.Groups, g => Assert.NotEqual("(no tracking identifier)", g.Tracking.Identifier));
        Assert.NotEmpty(report.ProceduresReported);
        Assert.Contains("Measurement Group", SrTreeText.Format(document.Content), StringComparison.Ordinal);
    }

    [Fact]
    public void PydicomWrittenReport_WithAnUnknownCode_IsRead()
    {
        string directory = Peers.ScratchDirectory("sr-pydicom-foreign");
        string path = Path.Combine(directory, "foreign.dcm");
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Peers.Require("python3 (python3-pydicom, at /usr/bin/python3)");
        }

        var (code, _, stderr) = Peers.RunProcess(python, ["-c", ForeignReport.Script, path]);
        Assert.True(code == 0, stderr);

        var document = SrDocument.Read(DicomFile.Open(path).Dataset);
        var report = Tid1500Reader.Read(document.Content);
        var group = Assert.Single(report.Groups);
        Assert.Equal("lesion 1", group.Tracking.Identifier);
        var measurement = Assert.Single(group.Measurements);
        Assert.Equal(12.5, measurement.Value);
        Assert.Equal("ZZ-UNKNOWN", measurement.Name.Value);
        var evaluation = Assert.Single(group.QualitativeEvaluations);
        Assert.Equal("99ELSEWHERE", evaluation.Value!.Scheme);
        Assert.Single(group.OtherContent, c => c.ValueType == "TCOORD");
    }
}

/// <summary>The pydicom script that writes a small TID 1500 report with codes and a value type we do not know.</summary>
public static class ForeignReport
{
    public const string Script = """
        import sys
        import pydicom
        from pydicom.dataset import Dataset, FileMetaDataset
        from pydicom.sequence import Sequence
        from pydicom.uid import ExplicitVRLittleEndian, generate_uid

        def code(value, scheme, meaning):
            c = Dataset(); c.CodeValue = value; c.CodingSchemeDesignator = scheme; c.CodeMeaning = meaning
            return Sequence([c])

        def item(rel, vt, name, **values):
            i = Dataset(); i.RelationshipType = rel; i.ValueType = vt; i.ConceptNameCodeSequence = name
            for k, v in values.items():
                setattr(i, k, v)
            return i

        image = Dataset(); image.ReferencedSOPClassUID = '1.2.840.10008.5.1.4.1.1.1'; image.ReferencedSOPInstanceUID = '1.2.3.4.5.6'
        measured = Dataset(); measured.NumericValue = '12.5'; measured.MeasurementUnitsCodeSequence = code('mm', 'UCUM', 'mm')
        num = item('CONTAINS', 'NUM', code('ZZ-UNKNOWN', '99ELSEWHERE', 'Something measured'), MeasuredValueSequence=Sequence([measured]))
        group = item('CONTAINS', 'CONTAINER', code('125007', 'DCM', 'Measurement Group'), ContinuityOfContent='SEPARATE')
        group.ContentSequence = Sequence([
            item('HAS OBS CONTEXT', 'TEXT', code('112039', 'DCM', 'Tracking Identifier'), TextValue='lesion 1'),
            item('HAS OBS CONTEXT', 'UIDREF', code('112040', 'DCM', 'Tracking Unique Identifier'), UID=generate_uid()),
            num,
            item('CONTAINS', 'CODE', code('ZZ-Q', '99ELSEWHERE', 'Some evaluation'), ConceptCodeSequence=code('ZZ-V', '99ELSEWHERE', 'Some value')),
            item('CONTAINS', 'TCOORD', code('ZZ-T', '99ELSEWHERE', 'A time point'), TemporalRangeType='POINT', ReferencedSamplePositions=[1]),
        ])
        measurements = item('CONTAINS', 'CONTAINER', code('126010', 'DCM', 'Imaging Measurements'), ContinuityOfContent='SEPARATE')
        measurements.ContentSequence = Sequence([group])
        library_image = item('CONTAINS', 'IMAGE', code('260753009', 'SCT', 'Source'), ReferencedSOPSequence=Sequence([image]))

        ds = Dataset()
        ds.SOPClassUID = '1.2.840.10008.5.1.4.1.1.88.34'; ds.SOPInstanceUID = generate_uid()
        ds.StudyInstanceUID = generate_uid(); ds.SeriesInstanceUID = generate_uid(); ds.Modality = 'SR'
        ds.PatientName = 'Other^Tool'; ds.PatientID = 'X1'
        ds.ValueType = 'CONTAINER'; ds.ContinuityOfContent = 'SEPARATE'
        ds.ConceptNameCodeSequence = code('126000', 'DCM', 'Imaging Measurement Report')
        template = Dataset(); template.MappingResource = 'DCMR'; template.TemplateIdentifier = '1500'
        ds.ContentTemplateSequence = Sequence([template])
        ds.ContentSequence = Sequence([
            item('HAS CONCEPT MOD', 'CODE', code('121049', 'DCM', 'Language of Content Item and Descendants'), ConceptCodeSequence=code('en-US', 'RFC5646', 'English (United States)')),
            item('HAS OBS CONTEXT', 'CODE', code('121005', 'DCM', 'Observer Type'), ConceptCodeSequence=code('121007', 'DCM', 'Device')),
            item('HAS OBS CONTEXT', 'UIDREF', code('121012', 'DCM', 'Device Observer UID'), UID=generate_uid()),
            item('HAS CONCEPT MOD', 'CODE', code('121058', 'DCM', 'Procedure reported'), ConceptCodeSequence=code('ZZ-P', '99ELSEWHERE', 'Some procedure')),
            measurements,
        ])
        ds.file_meta = FileMetaDataset(); ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID; ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        try:
            pydicom.dcmwrite(sys.argv[1], ds, enforce_file_format=True)
        except TypeError:  # pydicom 2
            ds.is_little_endian = True; ds.is_implicit_VR = False
            ds.save_as(sys.argv[1], write_like_original=False)
        """;
}
