using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Dicom.Tests.IO;

/// <summary>
/// A file opened with values left in it (<see cref="DicomReadOptions.LargeValueThreshold"/>) and then replaced on disk,
/// as a PACS resend does (a new file renamed over the old path, or the same file rewritten in place, of the same or
/// another length, or removed): reading a value left in the file then throws <see cref="DicomSourceChangedException"/>
/// naming the path and what changed, never returns other bytes. The pixel data paths go through the same check.
/// <para>
/// The files are given a last write time an hour back before they are opened, as a file received earlier has: the
/// replacement then differs in its timestamp even where the kernel's timestamps are coarse (a rewrite of the same
/// length within one timestamp tick is the documented limit of <see cref="DicomFileStamp"/>).
/// </para>
/// </summary>
[Trait("Category", "unit")]
public sealed class SourceChangeTests : IDisposable
{
    private static readonly DicomReadOptions Lazy = new() { LargeValueThreshold = 1024 };

    private readonly string directory = Path.Combine(Path.GetTempPath(), "plao-source-change-" + Guid.NewGuid().ToString("N"));

    public SourceChangeTests() => Directory.CreateDirectory(directory);

    public enum Replacement
    {
        RenameOverSameLength,
        RenameOverOtherLength,
        RenameOverSameLengthAndTimestamp,
        InPlaceSameLength,
        InPlaceShorter,
        InPlaceLonger,
        Deleted,
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [InlineData(Replacement.RenameOverSameLength)]
    [InlineData(Replacement.RenameOverOtherLength)]
    [InlineData(Replacement.InPlaceSameLength)]
    [InlineData(Replacement.InPlaceShorter)]
    [InlineData(Replacement.InPlaceLonger)]
    [InlineData(Replacement.Deleted)]
    public void GetMemory_FileReplacedAfterOpen_ThrowsSourceChanged(Replacement replacement)
    {
        var (path, original) = WriteImage(seed: 1);
        var file = DicomFile.Open(path, Lazy);
        var buffer = PixelBuffer(file);
        Assert.Equal(original, buffer.GetMemory().ToArray());

        Replace(path, replacement);

        var e = Assert.Throws<DicomSourceChangedException>(() => buffer.GetMemory());
        Assert.Equal(Path.GetFullPath(path), e.Path);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(e.Change));
        Assert.Throws<DicomSourceChangedException>(() => buffer.Read(0, new byte[16]));
        Assert.Throws<DicomSourceChangedException>(() => buffer.CopyTo(new MemoryStream()));
    }

    [Theory]
    [InlineData(Replacement.RenameOverSameLength)]
    [InlineData(Replacement.InPlaceSameLength)]
    [InlineData(Replacement.InPlaceShorter)]
    [InlineData(Replacement.Deleted)]
    public void PixelData_FileReplacedAfterOpen_NativeFrameAndDecodeThrowSourceChanged(Replacement replacement)
    {
        var (path, original) = WriteImage(seed: 2);
        var pixels = DicomPixelData.Create(DicomFile.Open(path, Lazy));
        Assert.Equal(original, pixels.GetNativeFrame(0));

        Replace(path, replacement);

        Assert.Throws<DicomSourceChangedException>(() => pixels.GetNativeFrame(0));
        Assert.Throws<DicomSourceChangedException>(() => pixels.DecodeFrame(0, DicomCodecRegistry.CreateDefault()));
    }

    [Fact]
    public void PixelData_EncapsulatedFileRewrittenInPlace_DecodeThrowsSourceChanged()
    {
        var (path, original) = WriteImage(seed: 3);
        string rle = Path.Combine(directory, "rle.dcm");
        var codecs = DicomCodecRegistry.CreateDefault();
        DicomTranscoder.Transcode(DicomFile.Open(path), DicomTransferSyntax.RleLossless, codecs).Save(rle);
        AgeFile(rle);
        var pixels = DicomPixelData.Create(DicomFile.Open(rle, Lazy));
        Assert.True(pixels.IsEncapsulated);
        Assert.Equal(original, pixels.DecodeFrame(0, codecs).Bytes);

        Replace(rle, Replacement.InPlaceSameLength);

        Assert.Throws<DicomSourceChangedException>(() => pixels.DecodeFrame(0, codecs));
        Assert.Throws<DicomSourceChangedException>(() => pixels.GetEncodedFrame(0));
    }

    [Fact]
    public void GetMemory_RenamedOverWithSameLengthAndTimestamps_IsTheDocumentedLimit()
    {
        // A different file of the same length given the old file's creation and write times, renamed over it: .NET
        // shows nothing that differs (no inode number; on Linux the creation time is the older of ctime and mtime), so
        // the new bytes are read. This pins the limit stated on DicomFileStamp; a better check should change it.
        var (path, _) = WriteImage(seed: 4);
        var buffer = PixelBuffer(DicomFile.Open(path, Lazy));

        Replace(path, Replacement.RenameOverSameLengthAndTimestamp);

        Assert.Equal(Pixels(seed: 99), buffer.GetMemory().ToArray());
    }

    [Fact]
    public void GetMemory_FileUnchanged_ReadsEveryTimeWithoutError()
    {
        var (path, original) = WriteImage(seed: 5);
        var buffer = PixelBuffer(DicomFile.Open(path, Lazy));
        File.SetLastAccessTimeUtc(path, DateTime.UtcNow);

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(original, buffer.GetMemory().ToArray());
        }

        var part = new byte[32];
        buffer.Read(64, part);
        Assert.Equal(original.AsSpan(64, 32).ToArray(), part);
        var copy = new MemoryStream();
        buffer.CopyTo(copy);
        Assert.Equal(original, copy.ToArray());
    }

    [Fact]
    public void Open_ValuesLeftInFile_CarryTheStampOfTheFileRead()
    {
        var (path, _) = WriteImage(seed: 6);

        var buffer = PixelBuffer(DicomFile.Open(path, Lazy));

        Assert.NotNull(buffer.Stamp);
        Assert.Equal(new FileInfo(path).Length, buffer.Stamp.Length);
        Assert.Equal(File.GetLastWriteTimeUtc(path), buffer.Stamp.LastWriteTimeUtc);
    }

    [Fact]
    public void GetMemory_HandMadeBufferWithoutStamp_FileTooShortThrowsSourceChanged()
    {
        string path = Path.Combine(directory, "raw.bin");
        File.WriteAllBytes(path, new byte[100]);
        var buffer = new FileDicomBuffer(path, 10, 80);
        Assert.Equal(80, buffer.GetMemory().Length);

        File.WriteAllBytes(path, new byte[50]);

        var e = Assert.Throws<DicomSourceChangedException>(() => buffer.GetMemory());
        Assert.Equal(path, e.Path);
    }

    private static FileDicomBuffer PixelBuffer(DicomFile file) =>
        Assert.IsType<FileDicomBuffer>(((DicomValueElement)file.Dataset[DicomTag.PixelData]).Buffer);

    private static byte[] Pixels(int seed)
    {
        var pixels = new byte[64 * 64 * 2];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    private static DicomFile Image(byte[] pixels)
    {
        var dataset = new DicomDataset()
            .AddString(new DicomTag(0x0008, 0x0016), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7")
            .AddString(new DicomTag(0x0008, 0x0018), DicomVR.UI, "1.2.3.4.5")
            .AddValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)1)
            .AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2")
            .AddValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)64)
            .AddValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)64)
            .AddValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)16)
            .AddValues(new DicomTag(0x0028, 0x0101), DicomVR.US, (ushort)16)
            .AddValues(new DicomTag(0x0028, 0x0102), DicomVR.US, (ushort)15)
            .AddValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)0)
            .AddBytes(DicomTag.PixelData, DicomVR.OW, pixels);
        return new DicomFile(dataset);
    }

    /// <summary>Sets a file's last write time an hour back, as for a file received earlier.</summary>
    private static void AgeFile(string path) => File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));

    private (string Path, byte[] Pixels) WriteImage(int seed)
    {
        string path = Path.Combine(directory, $"image-{seed}.dcm");
        var pixels = Pixels(seed);
        Image(pixels).Save(path);
        AgeFile(path);
        return (path, pixels);
    }

    /// <summary>What a resend does to the file; every replacement holds other pixel values.</summary>
    private void Replace(string path, Replacement replacement)
    {
        var bytes = File.ReadAllBytes(path);
        var other = Pixels(seed: 99);
        var sameLength = bytes.ToArray();
        other.CopyTo(sameLength, bytes.Length - other.Length);
        string temp = Path.Combine(directory, "resend.tmp");
        switch (replacement)
        {
            case Replacement.RenameOverSameLength:
                File.WriteAllBytes(temp, sameLength);
                File.Move(temp, path, overwrite: true);
                break;
            case Replacement.RenameOverOtherLength:
                Image(Pixels(seed: 98)[..4096]).Save(temp);
                File.Move(temp, path, overwrite: true);
                break;
            case Replacement.RenameOverSameLengthAndTimestamp:
                File.WriteAllBytes(temp, sameLength);
                File.SetCreationTimeUtc(temp, File.GetCreationTimeUtc(path));
                File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(path));
                File.Move(temp, path, overwrite: true);
                break;
            case Replacement.InPlaceSameLength:
                RewriteInPlace(path, sameLength);
                break;
            case Replacement.InPlaceShorter:
                RewriteInPlace(path, bytes[..(bytes.Length - 1024)]);
                break;
            case Replacement.InPlaceLonger:
                RewriteInPlace(path, [.. bytes, .. new byte[1024]]);
                break;
            case Replacement.Deleted:
                File.Delete(path);
                break;
        }
    }

    /// <summary>Truncates and rewrites the same file (same inode), as a writer that opens with O_TRUNC does.</summary>
    private static void RewriteInPlace(string path, byte[] content)
    {
        using var stream = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.Read);
        stream.Write(content);
    }
}
