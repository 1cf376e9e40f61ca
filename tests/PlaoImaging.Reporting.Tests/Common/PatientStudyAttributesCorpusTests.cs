using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Common;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Reporting.Tests.Common;

/// <summary>The patient name of the dclunie character set files, copied into a derived dataset and written, reads back intact.</summary>
[Trait("Category", "peer")]
public sealed class PatientStudyAttributesCorpusTests
{
    [Theory]
    [InlineData("chrH31.dcm", "Yamada^Tarou=山田^太郎=やまだ^たろう")]
    [InlineData("chrJapMulti.dcm", "やまだ^たろう")]
    [InlineData("chrKoreanMulti.dcm", null)]
    [InlineData("chrRuss.dcm", null)]
    [InlineData("chrX1.dcm", null)]
    public void Copy_CharsetFile_NameSurvivesWriteAndRead(string file, string? expectedName)
    {
        var path = Path.Combine(Peers.RequireCorpus(), "pydicom", "src", "pydicom", "data", "charset_files", file);
        var source = DicomFile.Open(path).Dataset;
        if (!source.Contains(DicomTags.StudyInstanceUID))
        {
            source.AddString(DicomTags.StudyInstanceUID, DicomVR.UI, "1.2.826.0.1.3680043.8.498.2");
        }

        var copy = PatientStudyAttributes.Copy(source);
        using var stream = new MemoryStream();
        DicomFile.WriteDataset(stream, copy, DicomTransferSyntax.ExplicitVRLittleEndian);
        stream.Position = 0;
        var back = DicomFile.ReadDataset(stream, DicomTransferSyntax.ExplicitVRLittleEndian);

        var name = source.GetString(DicomTags.PatientName);
        Assert.Equal(name, back.GetString(DicomTags.PatientName));
        Assert.Equal(
            ((DicomValueElement)source[DicomTags.PatientName]).Buffer.GetMemory().ToArray(),
            ((DicomValueElement)back[DicomTags.PatientName]).Buffer.GetMemory().ToArray());
        if (expectedName is not null)
        {
            Assert.Equal(expectedName, name);
        }
    }
}
