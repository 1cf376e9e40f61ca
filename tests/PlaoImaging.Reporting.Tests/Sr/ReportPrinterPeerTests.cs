using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Sr;

/// <summary>What <c>plao report</c> prints for reports other tools wrote: highdicom's examples and one pydicom writes here.</summary>
[Trait("Category", "peer")]
public sealed class ReportPrinterPeerTests
{
    [Theory]
    [InlineData("sr_document.dcm")]
    [InlineData("sr_document_with_multiple_groups.dcm")]
    public void HighdicomReport_IsPrintedAsATree(string name)
    {
        string path = Path.Combine(Peers.RequireCorpus(), "highdicom", "data", "test_files", name);
        string text = ReportPrinter.Format(SrDocument.Read(DicomFile.Open(path).Dataset), withCodes: false);
        Assert.Contains("TID 1500", text, StringComparison.Ordinal);
        Assert.Contains("measurement group(s)", text, StringComparison.Ordinal);
        Assert.Contains("<HAS OBS CONTEXT> TEXT Tracking Identifier", text, StringComparison.Ordinal);
        Assert.DoesNotContain("not readable", text, StringComparison.Ordinal);
        Assert.Throws<SrContentException>(() => VertebralReportReader.Read(DicomFile.Open(path).Dataset));
    }

    [Theory]
    [InlineData("reportsi.dcm", "Basic Text SR")]
    [InlineData("test-SR.dcm", "Comprehensive SR")]
    public void PydicomTestFileReports_ArePrintedWhole(string name, string sopClass)
    {
        // test-SR.dcm has CONTAINER items without a concept name: shown as such, their children still printed.
        string path = Path.Combine(Peers.RequireCorpus(), "pydicom", "src", "pydicom", "data", "test_files", name);
        var document = SrDocument.Read(DicomFile.Open(path).Dataset);
        string text = ReportPrinter.Format(document, withCodes: false);
        Assert.Contains(sopClass, text, StringComparison.Ordinal);
        Assert.Equal(document.Content.DescendantsAndSelf().Count(), text.Split('\n').SkipWhile(l => l.Length > 0).Skip(1).Count(l => l.Length > 0));
    }

    [Fact]
    public void PydicomReport_WithUnknownCodes_IsPrinted()
    {
        string path = Path.Combine(Peers.ScratchDirectory("sr-printer-foreign"), "foreign.dcm");
        const string script = """
            import sys, pydicom
            from pydicom.dataset import Dataset, FileMetaDataset
            from pydicom.sequence import Sequence
            from pydicom.uid import ExplicitVRLittleEndian, generate_uid
            def code(v, s, m):
                c = Dataset(); c.CodeValue = v; c.CodingSchemeDesignator = s; c.CodeMeaning = m
                return Sequence([c])
            def item(rel, vt, name, **kw):
                i = Dataset(); i.RelationshipType = rel; i.ValueType = vt; i.ConceptNameCodeSequence = name
                for k, v in kw.items(): setattr(i, k, v)
                return i
            mv = Dataset(); mv.NumericValue = '7'; mv.MeasurementUnitsCodeSequence = code('mm', 'UCUM', 'mm')
            group = item('CONTAINS', 'CONTAINER', code('125007', 'DCM', 'Measurement Group'), ContinuityOfContent='SEPARATE')
            group.ContentSequence = Sequence([
                item('HAS OBS CONTEXT', 'TEXT', code('112039', 'DCM', 'Tracking Identifier'), TextValue='nodule A'),
                item('HAS OBS CONTEXT', 'UIDREF', code('112040', 'DCM', 'Tracking Unique Identifier'), UID=generate_uid()),
                item('CONTAINS', 'NUM', code('QQ1', '99SOMEONE', 'Mystery length'), MeasuredValueSequence=Sequence([mv])),
            ])
            meas = item('CONTAINS', 'CONTAINER', code('126010', 'DCM', 'Imaging Measurements'), ContinuityOfContent='SEPARATE')
            meas.ContentSequence = Sequence([group])
            ds = Dataset()
            ds.SOPClassUID = '1.2.840.10008.5.1.4.1.1.88.33'; ds.SOPInstanceUID = generate_uid()
            ds.StudyInstanceUID = generate_uid(); ds.SeriesInstanceUID = generate_uid(); ds.Modality = 'SR'
            ds.ValueType = 'CONTAINER'; ds.ContinuityOfContent = 'SEPARATE'
            ds.ConceptNameCodeSequence = code('126000', 'DCM', 'Imaging Measurement Report')
            ds.ContentSequence = Sequence([
                item('HAS OBS CONTEXT', 'UIDREF', code('121012', 'DCM', 'Device Observer UID'), UID=generate_uid()),
                item('HAS CONCEPT MOD', 'CODE', code('121058', 'DCM', 'Procedure reported'), ConceptCodeSequence=code('QQP', '99SOMEONE', 'Odd procedure')),
                meas])
            ds.file_meta = FileMetaDataset(); ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID; ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.is_little_endian = True; ds.is_implicit_VR = False
            ds.save_as(sys.argv[1], write_like_original=False)
            """;
        var (code, _, stderr) = Peers.RunProcess(VertebralReportPeerTests.Python, ["-c", script, path]);
        Assert.True(code == 0, stderr);
        string text = ReportPrinter.Format(SrDocument.Read(DicomFile.Open(path).Dataset), withCodes: true);
        Assert.Contains("NUM (QQ1, 99SOMEONE, \"Mystery length\") = 7 mm", text, StringComparison.Ordinal);
        Assert.Contains("1 measurement group(s), 1 measurement(s)", text, StringComparison.Ordinal);
    }
}
