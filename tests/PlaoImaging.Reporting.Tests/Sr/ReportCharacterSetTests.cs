using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Sr;

/// <summary>
/// Patient names in other character sets (the dclunie files of the shared corpus) reach the report byte for byte,
/// with their Specific Character Set, and our own texts still fit: dciodvfy finds no error, dsrdump nothing on stderr,
/// pydicom decodes the same name as we do.
/// </summary>
[Trait("Category", "peer")]
public sealed class ReportCharacterSetTests
{
    [Theory]
    [InlineData("chrJapMulti.dcm")]
    [InlineData("chrH31.dcm")]
    [InlineData("chrX1.dcm")]
    [InlineData("chrRuss.dcm")]
    [InlineData("chrGreek.dcm")]
    [InlineData("chrKoreanMulti.dcm")]
    public void PatientName_InAnotherCharacterSet_IsCarriedIntact(string file)
    {
        var charsetFile = DicomFile.Open(Path.Combine(Peers.RequireCorpus(), "pydicom", "src", "pydicom", "data", "charset_files", file)).Dataset;
        var (result, header) = SampleReports.Analyse("03-dx-thoracic-plao-run");
        var source = header.Clone();
        source.AddOrUpdate(charsetFile[DicomTags.SpecificCharacterSet]);
        source.AddOrUpdate(charsetFile[DicomTags.PatientName]);

        var document = VertebralReport.Create(result, source).Document!;
        string path = SampleReports.Save(document, Peers.ScratchDirectory("sr-charset"));

        var written = DicomFile.Open(path).Dataset;
        var expected = ((DicomValueElement)charsetFile[DicomTags.PatientName]).Buffer.GetMemory().ToArray();
        var actual = ((DicomValueElement)written[DicomTags.PatientName]).Buffer.GetMemory().ToArray();
        Assert.Equal(expected.AsSpan().TrimEnd((byte)' ').ToArray(), actual.AsSpan().TrimEnd((byte)' ').ToArray());
        Assert.Equal(charsetFile.GetString(DicomTags.PatientName), written.GetString(DicomTags.PatientName));
        Assert.Equal(charsetFile.GetString(DicomTags.SpecificCharacterSet), written.GetString(DicomTags.SpecificCharacterSet));
        Assert.Equal(
            Tid1500Reader.Read(document.Content).Groups.Count,
            Tid1500Reader.Read(SrDocument.Read(written).Content).Groups.Count);

        var (_, stdout, stderr) = Peers.Run("dciodvfy", ["-new", path]);
        var errors = (stdout + stderr).Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors));
        // DCMTK's dsrdump checks values only in the character sets its VR checker knows; for the others it says so
        // (the same for any file in that set) and nothing else may appear.
        var dump = Peers.Run("dsrdump", [path]);
        Assert.Equal(0, dump.ExitCode);
        var other = dump.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("W: The VR checker does not support this Specific Character Set", StringComparison.Ordinal) &&
                        !l.StartsWith("W: Reading unknown/unsupported SpecificCharacterSet", StringComparison.Ordinal))
            .ToList();
        Assert.True(other.Count == 0, string.Join('\n', other));

        var (code, name, pyError) = Peers.RunProcess(VertebralReportPeerTests.Python,
            ["-c", "import sys, pydicom; sys.stdout.buffer.write(str(pydicom.dcmread(sys.argv[1]).PatientName).encode('utf-8'))", path]);
        Assert.True(code == 0, pyError);
        // pydicom's str() leaves out empty trailing component groups ("a=b=" prints as "a=b").
        Assert.Equal(written.GetString(DicomTags.PatientName).TrimEnd('='), name);
    }
}
