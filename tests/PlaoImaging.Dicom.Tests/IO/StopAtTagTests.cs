using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Tests.IO;

/// <summary><see cref="DicomReadOptions.StopAtTag"/>: a read of the first top-level elements only.</summary>
[Trait("Category", "unit")]
public class StopAtTagTests
{
    private static string Sample(string folder) => Directory.EnumerateFiles(Path.Combine(Peers.RepositoryRoot, "sample-data", folder), "*.dcm").Order(StringComparer.Ordinal).First();

    [Theory]
    [InlineData("01-cr-lumbar-mono1-jpegll")]
    [InlineData("02-dx-thoracolumbar-explicit")]
    [InlineData("04-cr-normal-implicit")]
    public void Open_StopAtSopInstanceUid_KeepsTheElementsBeforeItAndNothingFromItOn(string folder)
    {
        string path = Sample(folder);
        var whole = DicomFile.Open(path);
        var stop = DicomTags.SOPInstanceUID;

        var part = DicomFile.Open(path, new DicomReadOptions { StopAtTag = stop });

        var expected = whole.Dataset.Where(e => e.Tag.CompareTo(stop) < 0).Select(e => e.Tag).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, part.Dataset.Select(e => e.Tag).ToList());
        Assert.Equal(whole.Dataset.GetStringOrDefault(DicomTags.SOPClassUID), part.Dataset.GetStringOrDefault(DicomTags.SOPClassUID));
        Assert.Equal(whole.TransferSyntax, part.TransferSyntax);
        Assert.Equal(whole.FileMetaInformation.Select(e => e.Tag), part.FileMetaInformation.Select(e => e.Tag));
    }

    [Fact]
    public void Open_StopAtTheFirstPossibleTag_ReadsTheFileMetaInformationOnly()
    {
        string path = Sample("02-dx-thoracolumbar-explicit");
        var whole = DicomFile.Open(path);

        var meta = DicomFile.Open(path, new DicomReadOptions { StopAtTag = new DicomTag(0x0000, 0x0000) });

        Assert.Empty(meta.Dataset);
        Assert.Equal(whole.TransferSyntax, meta.TransferSyntax);
        Assert.Equal(
            whole.FileMetaInformation.GetStringOrDefault(DicomTags.MediaStorageSOPInstanceUID),
            meta.FileMetaInformation.GetStringOrDefault(DicomTags.MediaStorageSOPInstanceUID));
        Assert.Equal(whole.Dataset.GetStringOrDefault(DicomTags.SOPInstanceUID), meta.FileMetaInformation.GetStringOrDefault(DicomTags.MediaStorageSOPInstanceUID));
    }

    [Fact]
    public void Open_StopAtATagInsideASequence_StopsOnlyAtTheTopLevel()
    {
        // (0008,1140) Referenced Image Sequence holds a (0008,1155) Referenced SOP Instance UID: a stop at (0008,1150)
        // keeps the sequence whole and stops at the next top-level element at or after it.
        var dataset = new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7")
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, "1.2.3.4")
            .Add(new DicomSequence(new DicomTag(0x0008, 0x1140), [new DicomDataset()
                .AddString(new DicomTag(0x0008, 0x1150), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1")
                .AddString(new DicomTag(0x0008, 0x1155), DicomVR.UI, "1.2.3.5")]))
            .AddString(DicomTags.PatientID, DicomVR.LO, "P1");
        using var stream = new MemoryStream();
        new DicomFile(dataset).Write(stream);
        stream.Position = 0;

        var part = DicomFile.Read(stream, new DicomReadOptions { StopAtTag = new DicomTag(0x0008, 0x1150) });

        Assert.Equal([DicomTags.SOPClassUID, DicomTags.SOPInstanceUID, new DicomTag(0x0008, 0x1140)], part.Dataset.Select(e => e.Tag).ToList());
        var item = Assert.Single(((DicomSequence)part.Dataset[new DicomTag(0x0008, 0x1140)]).Items);
        Assert.Equal("1.2.3.5", item.GetStringOrDefault(new DicomTag(0x0008, 0x1155)));
    }
}
