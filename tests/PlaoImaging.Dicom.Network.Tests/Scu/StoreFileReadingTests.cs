using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Scu;

/// <summary>What the SCU reads of a file before it sends it (<see cref="DicomStoreFileReading"/>).</summary>
[Trait("Category", "unit")]
public sealed class StoreFileReadingTests
{
    private const string ComprehensiveSr = "1.2.840.10008.5.1.4.1.1.88.33";

    /// <summary>A report written by the library, its data set after the meta group replaced by <paramref name="dataSet"/> when given.</summary>
    private static (string Path, string SopInstanceUid, long DataSetStart) Report(string name, byte[]? dataSet = null)
    {
        string uid = DicomUidGenerator.NewUid();
        var dataset = new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, ComprehensiveSr)
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, uid)
            .AddString(DicomTags.Modality, DicomVR.CS, "SR");
        string path = Path.Combine(Peers.ScratchDirectory("store-file-reading-" + name), uid + ".dcm");
        var file = new DicomFile(dataset, DicomTransferSyntax.ExplicitVRLittleEndian);
        using (var stream = File.Create(path))
        {
            file.WriteHeader(stream, DicomTransferSyntax.ExplicitVRLittleEndian);
        }

        long start = new FileInfo(path).Length;
        if (dataSet is null)
        {
            file.Save(path);
        }
        else
        {
            using var stream = new FileStream(path, FileMode.Append);
            stream.Write(dataSet);
        }

        return (path, uid, start);
    }

    [Fact]
    public void TryRead_FileMetaInformation_NamesTheFileFromItsMetaGroupWithoutReadingTheDataSet()
    {
        // Not a data set at all after the meta group: the header reading refuses the file, the meta reading never
        // looks (the file's writer vouches for it) and sends those bytes as they are.
        byte[] garbage = [0x08, 0x00, 0x16, 0x00, (byte)'U', (byte)'I', 0xFF, 0x7F, 1, 2, 3, 4];
        var (path, uid, start) = Report("garbage", garbage);

        Assert.False(DicomClient.FileEntry.TryRead(path, DicomStoreFileReading.Header, out _, out string? problem));
        Assert.StartsWith("not readable as DICOM", problem, StringComparison.Ordinal);

        Assert.True(DicomClient.FileEntry.TryRead(path, DicomStoreFileReading.FileMetaInformation, out var entry, out _));
        Assert.Equal((ComprehensiveSr, uid, DicomTransferSyntax.ExplicitVRLittleEndian, start), (entry.SopClassUid, entry.SopInstanceUid, entry.Syntax, entry.DataSetOffset));
    }

    [Fact]
    public void TryRead_FileMetaInformation_AgreesWithTheHeaderReadingOnAWellFormedFile()
    {
        var (path, _, start) = Report("well-formed");

        Assert.True(DicomClient.FileEntry.TryRead(path, DicomStoreFileReading.Header, out var header, out _));
        Assert.True(DicomClient.FileEntry.TryRead(path, DicomStoreFileReading.FileMetaInformation, out var meta, out _));

        Assert.Equal(header, meta);
        Assert.Equal(start, meta.DataSetOffset);
    }

    [Fact]
    public void TryRead_FileMetaInformation_ReadsAFileWithoutAMetaGroupAsTheHeaderReadingDoes()
    {
        string uid = DicomUidGenerator.NewUid();
        string path = Path.Combine(Peers.ScratchDirectory("store-file-reading-bare"), uid + ".dcm");
        using (var stream = File.Create(path))
        {
            DicomFile.WriteDataset(stream, new DicomDataset()
                .AddString(DicomTags.SOPClassUID, DicomVR.UI, ComprehensiveSr)
                .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, uid), DicomTransferSyntax.ExplicitVRLittleEndian);
        }

        Assert.True(DicomClient.FileEntry.TryRead(path, DicomStoreFileReading.FileMetaInformation, out var entry, out _));
        Assert.Equal((uid, -1L), (entry.SopInstanceUid, entry.DataSetOffset));
    }
}
