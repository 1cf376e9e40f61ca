using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using PlaoImaging.Dicom;
using Xunit;

namespace PlaoImaging.Dicom.Tests.IO;

/// <summary>
/// The Part 10 writer: every path (syntax × defined/undefined sequence lengths) read back element for element, the
/// File Meta Information group byte for byte, padding by VR, and the refusals of strict writing.
/// </summary>
[Trait("Category", "unit")]
public class DicomWriterTests
{
    private static readonly DicomTag SopClassUid = new(0x0008, 0x0016);
    private static readonly DicomTag SopInstanceUid = new(0x0008, 0x0018);
    private static readonly DicomTag Modality = new(0x0008, 0x0060);
    private static readonly DicomTag PatientName = new(0x0010, 0x0010);
    private static readonly DicomTag PatientId = new(0x0010, 0x0020);
    private static readonly DicomTag StudyDate = new(0x0008, 0x0020);
    private static readonly DicomTag ImageComments = new(0x0020, 0x4000);
    private static readonly DicomTag Rows = new(0x0028, 0x0010);
    private static readonly DicomTag ReferencedImageSequence = new(0x0008, 0x1140);
    private static readonly DicomTag ReferencedSopClass = new(0x0008, 0x1150);
    private static readonly DicomTag ReferencedSopInstance = new(0x0008, 0x1155);
    private static readonly DicomTag IconImageSequence = new(0x0088, 0x0200);
    private const string SecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";
    private const string InstanceUid = "1.2.826.0.1.3680043.10.99.1";

    public static TheoryData<string, bool> EveryPath()
    {
        var data = new TheoryData<string, bool>();
        foreach (var uid in new[] { "1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2" })
        {
            data.Add(uid, true);
            data.Add(uid, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPath))]
    public void Write_EverySyntaxAndLengthMode_ReadsBackElementForElement(string syntaxUid, bool explicitLengths)
    {
        var syntax = DicomTransferSyntax.Lookup(syntaxUid);
        var dataset = RichDataset();
        var bytes = WriteToBytes(new DicomFile(dataset), new DicomWriteOptions { TransferSyntax = syntax, ExplicitSequenceLengths = explicitLengths });

        var read = DicomFile.Read(new MemoryStream(bytes));

        Assert.Equal(syntaxUid, read.TransferSyntax.Uid);
        Assert.Empty(read.Warnings);
        AssertSameDataset(dataset, read.Dataset, syntax.IsExplicitVR, "");
    }

    [Theory]
    [MemberData(nameof(EveryPath))]
    public void Write_EverySyntaxAndLengthMode_SequenceEncodingFollowsTheOption(string syntaxUid, bool explicitLengths)
    {
        var syntax = DicomTransferSyntax.Lookup(syntaxUid);
        var bytes = WriteToBytes(new DicomFile(RichDataset()), new DicomWriteOptions { TransferSyntax = syntax, ExplicitSequenceLengths = explicitLengths });
        var body = syntax.IsDeflated ? Inflate(bytes) : bytes.AsSpan(BodyOffset(bytes)).ToArray();

        var delimiter = syntax.IsBigEndian ? new byte[] { 0xFF, 0xFE, 0xE0, 0xDD, 0, 0, 0, 0 } : [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0];
        var undefined = syntax.IsBigEndian ? new byte[] { 0xFF, 0xFE, 0xE0, 0x00, 0xFF, 0xFF, 0xFF, 0xFF } : [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF];
        Assert.Equal(!explicitLengths, body.AsSpan().IndexOf(delimiter) >= 0);
        Assert.Equal(!explicitLengths, body.AsSpan().IndexOf(undefined) >= 0);
    }

    [Fact]
    public void Write_DefaultOptions_WritesExplicitVRLittleEndian()
    {
        var implicitFile = new DicomFile(new DicomDataset(), MinimalDataset(), DicomTransferSyntax.ImplicitVRLittleEndian);
        var read = DicomFile.Read(new MemoryStream(WriteToBytes(implicitFile)));
        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, read.TransferSyntax.Uid);

        var bigEndianFile = new DicomFile(new DicomDataset(), MinimalDataset(), DicomTransferSyntax.ExplicitVRBigEndian);
        Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian.Uid, DicomFile.Read(new MemoryStream(WriteToBytes(bigEndianFile))).TransferSyntax.Uid);
    }

    [Fact]
    public void Write_DefaultOptionsWithEncapsulatedPixelData_KeepsTheFilesSyntax()
    {
        var file = new DicomFile(new DicomDataset(), EncapsulatedDataset(), DicomTransferSyntax.RleLossless);
        var read = DicomFile.Read(new MemoryStream(WriteToBytes(file)));
        Assert.Equal(DicomTransferSyntax.RleLossless.Uid, read.TransferSyntax.Uid);
    }

    [Fact]
    public void Write_MetaGroup_IsPs310Conformant()
    {
        var oldMeta = new DicomDataset()
            .AddString(new DicomTag(0x0002, 0x0002), DicomVR.UI, "1.2.3.999")
            .AddString(new DicomTag(0x0002, 0x0003), DicomVR.UI, "1.2.3.999.1")
            .AddString(new DicomTag(0x0002, 0x0012), DicomVR.UI, "1.2.3.4")
            .AddString(new DicomTag(0x0002, 0x0013), DicomVR.SH, "OTHER_TOOL")
            .AddString(new DicomTag(0x0002, 0x0016), DicomVR.AE, "SENDER");
        var file = new DicomFile(oldMeta, MinimalDataset(), DicomTransferSyntax.ImplicitVRLittleEndian);
        var bytes = WriteToBytes(file, new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.ImplicitVRLittleEndian });

        Assert.True(bytes.AsSpan(0, 128).IndexOfAnyExcept((byte)0) < 0, "the preamble is 128 zero bytes");
        Assert.Equal("DICM"u8.ToArray(), bytes[128..132]);
        var meta = ParseMeta(bytes, out int end);
        Assert.Equal(end, BodyOffset(bytes));
        Assert.Equal(0x0008, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(end)));

        Assert.Equal([0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x0012, 0x0013, 0x0016], meta.Select(m => (int)m.Tag.Element));
        Assert.Equal("UL", meta[0].VR);
        Assert.Equal((uint)(end - 144), BinaryPrimitives.ReadUInt32LittleEndian(meta[0].Value));
        Assert.Equal("OB", meta[1].VR);
        Assert.Equal(new byte[] { 0x00, 0x01 }, meta[1].Value);
        Assert.Equal(SecondaryCapture + "\0", Encoding.ASCII.GetString(meta[2].Value));
        Assert.Equal(InstanceUid + "\0", Encoding.ASCII.GetString(meta[3].Value));
        Assert.Equal("1.2.840.10008.1.2\0", Encoding.ASCII.GetString(meta[4].Value));
        Assert.Equal(DicomImplementation.ClassUid, Encoding.ASCII.GetString(meta[5].Value).TrimEnd('\0'));
        Assert.Equal(DicomImplementation.VersionName + " ", Encoding.ASCII.GetString(meta[6].Value));
        Assert.Equal("SENDER", Encoding.ASCII.GetString(meta[7].Value));
        Assert.All(meta, m => Assert.True(m.Value.Length % 2 == 0, $"{m.Tag} has odd length {m.Value.Length}"));

        var read = DicomFile.Read(new MemoryStream(bytes));
        Assert.Empty(read.Warnings);
        Assert.DoesNotContain(read.Dataset, e => e.Tag.Group == 0x0002);
    }

    [Fact]
    public void Write_SourceAeOption_ReplacesTheOneRead()
    {
        var oldMeta = new DicomDataset().AddString(new DicomTag(0x0002, 0x0016), DicomVR.AE, "SENDER");
        var bytes = WriteToBytes(new DicomFile(oldMeta, MinimalDataset(), DicomTransferSyntax.ExplicitVRLittleEndian),
            new DicomWriteOptions { SourceApplicationEntityTitle = "PLAO" });
        var meta = ParseMeta(bytes, out _);
        Assert.Equal("PLAO", Encoding.ASCII.GetString(meta.Single(m => m.Tag.Element == 0x0016).Value));
    }

    [Fact]
    public void Write_DatasetWithoutSopClass_TakesItFromTheMetaGroup()
    {
        // A DICOMDIR keeps its SOP Class and Instance only in the meta group.
        var oldMeta = new DicomDataset()
            .AddString(new DicomTag(0x0002, 0x0002), DicomVR.UI, "1.2.840.10008.1.3.10")
            .AddString(new DicomTag(0x0002, 0x0003), DicomVR.UI, "1.2.3.4.5");
        var dataset = new DicomDataset().AddString(new DicomTag(0x0004, 0x1130), DicomVR.CS, "FILESET");
        var meta = ParseMeta(WriteToBytes(new DicomFile(oldMeta, dataset, DicomTransferSyntax.ExplicitVRLittleEndian)), out _);
        Assert.Equal("1.2.840.10008.1.3.10", Encoding.ASCII.GetString(meta.Single(m => m.Tag.Element == 0x0002).Value));
        Assert.Equal("1.2.3.4.5\0", Encoding.ASCII.GetString(meta.Single(m => m.Tag.Element == 0x0003).Value));
    }

    [Fact]
    public void Write_NoSopClassAnywhere_ThrowsNamingSopClassUid()
    {
        var dataset = new DicomDataset().AddString(SopInstanceUid, DicomVR.UI, InstanceUid);
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(new DicomFile(dataset)));
        Assert.Equal(SopClassUid, e.Tag);
    }

    [Theory]
    [InlineData(DicomVR.UI, "1.2.3", (byte)0x00)]
    [InlineData(DicomVR.CS, "ABC", (byte)' ')]
    [InlineData(DicomVR.LO, "odd", (byte)' ')]
    [InlineData(DicomVR.PN, "Doe^J", (byte)' ')]
    [InlineData(DicomVR.UT, "x", (byte)' ')]
    [InlineData(DicomVR.UR, "http://a/bc", (byte)' ')]
    public void Write_OddLengthText_IsPaddedWithTheVRsPaddingByte(DicomVR vr, string text, byte padding)
    {
        var tag = new DicomTag(0x0011, 0x1001);
        var dataset = MinimalDataset().AddString(new DicomTag(0x0011, 0x0010), DicomVR.LO, "PLAO").AddString(tag, vr, text);
        var value = FindExplicitValue(WriteToBytes(new DicomFile(dataset)), tag, vr);
        Assert.Equal([.. Encoding.ASCII.GetBytes(text), padding], value);
    }

    [Theory]
    [InlineData(DicomVR.OB)]
    [InlineData(DicomVR.UN)]
    public void Write_OddLengthBinary_IsPaddedWithZero(DicomVR vr)
    {
        var tag = new DicomTag(0x0011, 0x1001);
        var dataset = MinimalDataset().AddString(new DicomTag(0x0011, 0x0010), DicomVR.LO, "PLAO")
            .AddBytes(tag, vr, new byte[] { 0xAA, 0xBB, 0xCC });
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC, 0x00 }, FindExplicitValue(WriteToBytes(new DicomFile(dataset)), tag, vr));
    }

    [Fact]
    public void Write_ShortLengthVROver64KiBInExplicitVR_ThrowsNamingTheTag()
    {
        var dataset = MinimalDataset().AddBytes(ImageComments, DicomVR.LT, Encoding.ASCII.GetBytes(new string('x', 70_000)));
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(new DicomFile(dataset)));
        Assert.Equal(ImageComments, e.Tag);
        Assert.Contains("16-bit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ShortLengthVROver64KiBInImplicitVR_IsWritten()
    {
        var dataset = MinimalDataset().AddBytes(ImageComments, DicomVR.LT, Encoding.ASCII.GetBytes(new string('x', 70_000)));
        var read = DicomFile.Read(new MemoryStream(WriteToBytes(new DicomFile(dataset),
            new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.ImplicitVRLittleEndian })));
        Assert.Equal(70_000, ((DicomValueElement)read.Dataset[ImageComments]).Length);
    }

    [Fact]
    public void Write_ShortLengthVROver64KiBInsideASequence_ThrowsNamingTheInnerTag()
    {
        var item = new DicomDataset().AddBytes(ImageComments, DicomVR.LT, Encoding.ASCII.GetBytes(new string('x', 70_000)));
        var dataset = MinimalDataset().AddSequence(ReferencedImageSequence, item);
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(new DicomFile(dataset)));
        Assert.Equal(ImageComments, e.Tag);
    }

    [Fact]
    public void Write_GroupLengths_AreDroppedExceptTheMetaGroups()
    {
        var item = new DicomDataset()
            .AddValues(new DicomTag(0x0008, 0x0000), DicomVR.UL, 999u)
            .AddString(ReferencedSopInstance, DicomVR.UI, "1.2.3");
        var dataset = MinimalDataset()
            .AddValues(new DicomTag(0x0008, 0x0000), DicomVR.UL, 12345u)
            .AddValues(new DicomTag(0x0010, 0x0000), DicomVR.UL, 1u)
            .AddSequence(ReferencedImageSequence, item);

        var read = DicomFile.Read(new MemoryStream(WriteToBytes(new DicomFile(dataset))));

        Assert.DoesNotContain(read.Dataset, e => e.Tag.IsGroupLength);
        Assert.DoesNotContain(read.Dataset.GetSequence(ReferencedImageSequence).Items[0], e => e.Tag.IsGroupLength);
        Assert.True(read.FileMetaInformation.Contains(new DicomTag(0x0002, 0x0000)));
        Assert.Empty(read.Warnings);
    }

    [Fact]
    public void Write_EncapsulatedPixelDataInItsOwnSyntax_FragmentsAreUnchanged()
    {
        var dataset = EncapsulatedDataset();
        var file = new DicomFile(new DicomDataset(), dataset, DicomTransferSyntax.JpegBaseline8Bit);
        var bytes = WriteToBytes(file, new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.JpegBaseline8Bit });

        var read = DicomFile.Read(new MemoryStream(bytes));

        var fragments = Assert.IsType<DicomFragmentSequence>(read.Dataset[DicomTag.PixelData]);
        Assert.Equal(DicomVR.OB, fragments.VR);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 12, 0, 0, 0 }, fragments.OffsetTable.GetMemory().ToArray());
        Assert.Equal(2, fragments.Fragments.Count);
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0x01, 0xFF, 0xD9, 0x00 }, fragments.Fragments[0].GetMemory().ToArray());
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0x02, 0x03, 0xFF, 0xD9 }, fragments.Fragments[1].GetMemory().ToArray());

        // Encapsulated pixel data is written with undefined length and VR OB (PS3.5 A.4).
        var header = new byte[] { 0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF };
        Assert.True(bytes.AsSpan().IndexOf(header) > 0);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2")]
    [InlineData("1.2.840.10008.1.2.1.99")]
    [InlineData("1.2.840.10008.1.2.2")]
    public void Write_EncapsulatedPixelDataInANativeSyntax_ThrowsNamingPixelData(string syntaxUid)
    {
        var file = new DicomFile(new DicomDataset(), EncapsulatedDataset(), DicomTransferSyntax.JpegBaseline8Bit);
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(file, new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.Lookup(syntaxUid) }));
        Assert.Equal(DicomTag.PixelData, e.Tag);
    }

    [Fact]
    public void Write_FragmentsRelabelledAsAnotherEncapsulatedSyntax_ThrowsNamingPixelData()
    {
        var file = new DicomFile(new DicomDataset(), EncapsulatedDataset(), DicomTransferSyntax.JpegBaseline8Bit);
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(file, new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.Jpeg2000 }));
        Assert.Equal(DicomTag.PixelData, e.Tag);
    }

    [Fact]
    public void Write_FragmentsNestedInASequenceInANativeSyntax_ThrowsNamingTheNestedTag()
    {
        var icon = new DicomDataset().Add(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.Empty,
            [DicomBuffer.FromMemory(new byte[] { 1, 2 })]));
        var dataset = MinimalDataset().AddSequence(IconImageSequence, icon);
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(new DicomFile(dataset)));
        Assert.Equal(DicomTag.PixelData, e.Tag);
    }

    [Fact]
    public void Write_NativePixelDataInAnEncapsulatedSyntax_ThrowsNamingPixelData()
    {
        var dataset = MinimalDataset().AddBytes(DicomTag.PixelData, DicomVR.OB, new byte[] { 1, 2, 3, 4 });
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(new DicomFile(dataset),
            new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.RleLossless }));
        Assert.Equal(DicomTag.PixelData, e.Tag);
    }

    [Fact]
    public void Write_UnknownTransferSyntax_Throws() =>
        Assert.Throws<DicomWriteException>(() => WriteToBytes(new DicomFile(MinimalDataset()),
            new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.Lookup("1.2.3.4.5.6") }));

    [Fact]
    public void Write_MetaElementInTheDataset_ThrowsNamingIt()
    {
        var dataset = MinimalDataset().AddString(DicomTag.TransferSyntaxUid, DicomVR.UI, "1.2.840.10008.1.2");
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(new DicomFile(dataset)));
        Assert.Equal(DicomTag.TransferSyntaxUid, e.Tag);
    }

    public static TheoryData<uint, DicomVR, byte[]> InvalidValues() => new()
    {
        { 0x00081155, DicomVR.UI, Encoding.ASCII.GetBytes("1.2.abc") },
        { 0x00081155, DicomVR.UI, Encoding.ASCII.GetBytes("1..2") },
        { 0x00081155, DicomVR.UI, Encoding.ASCII.GetBytes("1.2.") },
        { 0x00081155, DicomVR.UI, Encoding.ASCII.GetBytes("1." + new string('2', 70)) },
        { 0x00080020, DicomVR.DA, Encoding.ASCII.GetBytes("1994.11.05") },
        { 0x00080060, DicomVR.CS, Encoding.ASCII.GetBytes("A\tB ") },
        { 0x00080060, DicomVR.CS, Encoding.ASCII.GetBytes("WAY TOO LONG FOR CS") },
        { 0x00200013, DicomVR.IS, Encoding.ASCII.GetBytes("1234567890123") },
        { 0x00280010, DicomVR.US, new byte[] { 1, 2, 3 } },
        { 0x00186020, DicomVR.SL, new byte[] { 1, 2 } },
        { 0x00189087, DicomVR.FD, new byte[] { 1, 2, 3, 4 } },
        { 0x00209165, DicomVR.AT, new byte[] { 0x10, 0x00 } },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void Write_InvalidValue_ThrowsNamingTheTag(uint tagValue, DicomVR vr, byte[] value)
    {
        var tag = new DicomTag(tagValue);
        var dataset = MinimalDataset().AddBytes(tag, vr, value);
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(new DicomFile(dataset)));
        Assert.Equal(tag, e.Tag);
        Assert.Contains(tag.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_InvalidValueInsideASequence_ThrowsNamingTheInnerTag()
    {
        var item = new DicomDataset().AddBytes(ReferencedSopInstance, DicomVR.UI, Encoding.ASCII.GetBytes("1.2.x"));
        var dataset = MinimalDataset().AddSequence(ReferencedImageSequence, item);
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(new DicomFile(dataset)));
        Assert.Equal(ReferencedSopInstance, e.Tag);
    }

    [Fact]
    public void Write_InvalidValueWithValidationOff_IsWrittenAsIs()
    {
        var dataset = MinimalDataset().AddBytes(StudyDate, DicomVR.DA, Encoding.ASCII.GetBytes("1994.11.05"));
        var read = DicomFile.Read(new MemoryStream(WriteToBytes(new DicomFile(dataset), new DicomWriteOptions { ValidateValues = false })));
        Assert.Equal("1994.11.05", read.Dataset.GetString(StudyDate));
    }

    [Fact]
    public void Write_ElementWithoutVR_ThrowsNamingTheTag()
    {
        var dataset = MinimalDataset().Add(new DicomValueElement(Rows, DicomVR.None, DicomBuffer.FromMemory(new byte[] { 1, 0 })));
        var e = Assert.Throws<DicomWriteException>(() => WriteToBytes(new DicomFile(dataset)));
        Assert.Equal(Rows, e.Tag);
    }

    [Fact]
    public void Write_Deflated_IsRawDeflateOfTheExplicitEncodingPaddedToEvenLength()
    {
        var dataset = RichDataset();
        var bytes = WriteToBytes(new DicomFile(dataset), new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.DeflatedExplicitVRLittleEndian });
        var plain = new MemoryStream();
        DicomFile.WriteDataset(plain, dataset, DicomTransferSyntax.ExplicitVRLittleEndian);

        int body = BodyOffset(bytes);
        Assert.False(bytes[body] == 0x78 && ((bytes[body] << 8) | bytes[body + 1]) % 31 == 0, "no zlib header (PS3.5 A.5: raw deflate)");
        Assert.Equal(0, bytes.Length % 2);
        Assert.Equal(plain.ToArray(), Inflate(bytes));
    }

    [Fact]
    public void Write_BigEndian_SwapsNumbersButNotBytesOrText()
    {
        var dataset = MinimalDataset()
            .AddValues(Rows, DicomVR.US, (ushort)0x0102)
            .AddBytes(new DicomTag(0x0011, 0x1001), DicomVR.OB, new byte[] { 0x01, 0x02 })
            .AddString(new DicomTag(0x0011, 0x0010), DicomVR.LO, "AB");
        var bytes = WriteToBytes(new DicomFile(dataset), new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.ExplicitVRBigEndian });
        Assert.True(bytes.AsSpan().IndexOf(new byte[] { 0x00, 0x28, 0x00, 0x10, (byte)'U', (byte)'S', 0x00, 0x02, 0x01, 0x02 }) > 0);
        Assert.True(bytes.AsSpan().IndexOf(new byte[] { 0x00, 0x11, 0x10, 0x01, (byte)'O', (byte)'B', 0, 0, 0, 0, 0, 2, 0x01, 0x02 }) > 0);
        Assert.True(bytes.AsSpan().IndexOf(new byte[] { 0x00, 0x11, 0x00, 0x10, (byte)'L', (byte)'O', 0x00, 0x02, (byte)'A', (byte)'B' }) > 0);
    }

    [Fact]
    public void Write_ValuesLeftInTheSourceFile_AreCopiedInEverySyntax()
    {
        // Values at or above LargeValueThreshold stay in the file (FileDicomBuffer), swapped on reading when big-endian.
        var pixels = new byte[4096];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 7);
        }

        var dataset = MinimalDataset().AddBytes(DicomTag.PixelData, DicomVR.OW, pixels);
        string directory = Path.Combine(Path.GetTempPath(), "plao-writer-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var lazy = new DicomReadOptions { LargeValueThreshold = 1024 };
            string source = Path.Combine(directory, "be.dcm");
            new DicomFile(dataset).Save(source, new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.ExplicitVRBigEndian });
            var opened = DicomFile.Open(source, lazy);
            Assert.IsType<FileDicomBuffer>(((DicomValueElement)opened.Dataset[DicomTag.PixelData]).Buffer);

            foreach (var syntax in new[] { DicomTransferSyntax.ExplicitVRLittleEndian, DicomTransferSyntax.ExplicitVRBigEndian, DicomTransferSyntax.ImplicitVRLittleEndian, DicomTransferSyntax.DeflatedExplicitVRLittleEndian })
            {
                string copy = Path.Combine(directory, "copy.dcm");
                opened.Save(copy, new DicomWriteOptions { TransferSyntax = syntax });
                var again = DicomFile.Open(copy, lazy);
                Assert.Equal(pixels, ((DicomValueElement)again.Dataset[DicomTag.PixelData]).Buffer.GetMemory().ToArray());
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void WriteDataset_Bare_HasNoPreambleAndReadsBack()
    {
        var dataset = RichDataset();
        var stream = new MemoryStream();
        DicomFile.WriteDataset(stream, dataset, DicomTransferSyntax.ExplicitVRLittleEndian);
        var bytes = stream.ToArray();
        Assert.Equal(0x0008, BinaryPrimitives.ReadUInt16LittleEndian(bytes));
        AssertSameDataset(dataset, DicomFile.ReadDataset(new MemoryStream(bytes), DicomTransferSyntax.ExplicitVRLittleEndian), true, "");
    }

    [Fact]
    public void WriteDataset_FragmentsInANativeSyntax_ThrowsNamingPixelData()
    {
        var e = Assert.Throws<DicomWriteException>(() =>
            DicomFile.WriteDataset(new MemoryStream(), EncapsulatedDataset(), DicomTransferSyntax.ExplicitVRLittleEndian));
        Assert.Equal(DicomTag.PixelData, e.Tag);
    }

    [Fact]
    public void Save_WritesThroughATemporaryFileAndLeavesNoneBehind()
    {
        string directory = Path.Combine(Path.GetTempPath(), "plao-writer-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "out.dcm");
            new DicomFile(MinimalDataset()).Save(path);
            Assert.Throws<DicomWriteException>(() => new DicomFile(new DicomDataset()).Save(path));
            Assert.Equal([path], Directory.GetFiles(directory));
            Assert.Equal(InstanceUid, DicomFile.Open(path).Dataset.GetString(SopInstanceUid));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static DicomDataset MinimalDataset() => new DicomDataset()
        .AddString(SopClassUid, DicomVR.UI, SecondaryCapture)
        .AddString(SopInstanceUid, DicomVR.UI, InstanceUid)
        .AddString(Modality, DicomVR.CS, "OT");

    private static DicomDataset EncapsulatedDataset()
    {
        var dataset = MinimalDataset().AddValues(Rows, DicomVR.US, (ushort)1);
        dataset.Add(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB,
            DicomBuffer.FromMemory(new byte[] { 0, 0, 0, 0, 12, 0, 0, 0 }),
            [DicomBuffer.FromMemory(new byte[] { 0xFF, 0xD8, 0x01, 0xFF, 0xD9 }), DicomBuffer.FromMemory(new byte[] { 0xFF, 0xD8, 0x02, 0x03, 0xFF, 0xD9 })]));
        return dataset;
    }

    /// <summary>Every VR, odd and even lengths, empty values, private blocks, nested, empty and zero-item sequences.</summary>
    private static DicomDataset RichDataset()
    {
        var nested = new DicomDataset()
            .AddString(new DicomTag(0x0040, 0xA040), DicomVR.CS, "TEXT")
            .AddSequence(new DicomTag(0x0040, 0xA730), new DicomDataset().AddString(new DicomTag(0x0040, 0xA160), DicomVR.UT, "deep"));
        var item1 = new DicomDataset()
            .AddString(ReferencedSopClass, DicomVR.UI, SecondaryCapture)
            .AddString(ReferencedSopInstance, DicomVR.UI, "1.2.3.4.5")
            .AddSequence(new DicomTag(0x0040, 0xA730), nested);
        var item2 = new DicomDataset();
        var privateItem = new DicomDataset()
            .AddString(new DicomTag(0x0029, 0x0010), DicomVR.LO, "PLAO NESTED")
            .AddValues(new DicomTag(0x0029, 0x1001), DicomVR.FD, 2.5, -1.0);

        var ds = new DicomDataset()
            .AddString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192")
            .AddString(new DicomTag(0x0008, 0x0008), DicomVR.CS, "DERIVED", "SECONDARY")
            .AddString(SopClassUid, DicomVR.UI, SecondaryCapture)
            .AddString(SopInstanceUid, DicomVR.UI, InstanceUid)
            .AddString(StudyDate, DicomVR.DA, "20260131")
            .AddString(new DicomTag(0x0008, 0x002A), DicomVR.DT, "20260131101502.25+0100")
            .AddString(new DicomTag(0x0008, 0x0030), DicomVR.TM, "101502.25")
            .AddString(new DicomTag(0x0008, 0x0050), DicomVR.SH, "")
            .AddString(new DicomTag(0x0008, 0x0054), DicomVR.AE, "AE_ONE", "AE2")
            .AddString(Modality, DicomVR.CS, "OT")
            .AddString(new DicomTag(0x0008, 0x0081), DicomVR.ST, "1 Main St\\Springfield")
            .AddString(new DicomTag(0x0008, 0x0119), DicomVR.UC, new string('c', 99))
            .AddString(new DicomTag(0x0008, 0x0120), DicomVR.UR, "http://example.org/a?b=1")
            .AddSequence(new DicomTag(0x0008, 0x1110))
            .AddSequence(ReferencedImageSequence, item1, item2)
            .AddString(new DicomTag(0x0009, 0x0010), DicomVR.LO, "PLAO TEST")
            .AddString(new DicomTag(0x0009, 0x1001), DicomVR.LO, "private text")
            .AddValues(new DicomTag(0x0009, 0x1002), DicomVR.US, (ushort)7, (ushort)65535)
            .AddSequence(new DicomTag(0x0009, 0x1003), privateItem)
            .AddBytes(new DicomTag(0x0009, 0x1004), DicomVR.UN, new byte[] { 1, 2, 3 })
            .AddString(PatientName, DicomVR.PN, "Yamada^Tarou=山田^太郎")
            .AddString(PatientId, DicomVR.LO, "ID1")
            .AddString(new DicomTag(0x0010, 0x1010), DicomVR.AS, "045Y")
            .AddValues(new DicomTag(0x0018, 0x0013), DicomVR.FL, 1.5f)
            .AddBytes(new DicomTag(0x0018, 0x1638), DicomVR.OF, new byte[] { 0, 0, 0xC0, 0x3F, 0, 0, 0x20, 0x40 })
            .AddValues(new DicomTag(0x0018, 0x6020), DicomVR.SL, -12)
            .AddValues(new DicomTag(0x0018, 0x9087), DicomVR.FD, 1000.25)
            .AddValues(new DicomTag(0x0018, 0x9219), DicomVR.SS, (short)-3)
            .AddString(new DicomTag(0x0020, 0x0013), DicomVR.IS, "7")
            .AddString(new DicomTag(0x0020, 0x0032), DicomVR.DS, "-1.5", "2", "3e2")
            .AddString(ImageComments, DicomVR.LT, "odd")
            .AddValues(new DicomTag(0x0020, 0x9165), DicomVR.AT, new DicomTag(0x0010, 0x0010), new DicomTag(0x0028, 0x0030))
            .AddValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)1)
            .AddValues(Rows, DicomVR.US, (ushort)3)
            .AddValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)3)
            .AddValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)8)
            .AddString(new DicomTag(0x0040, 0xA160), DicomVR.UT, "text with \\ backslash")
            .AddBytes(new DicomTag(0x0066, 0x0022), DicomVR.OD, BitConverter.GetBytes(1.25))
            .AddBytes(new DicomTag(0x0066, 0x0040), DicomVR.OL, new byte[] { 1, 0, 0, 0, 2, 0, 0, 0 })
            .AddBytes(new DicomTag(0x0072, 0x0081), DicomVR.OV, BitConverter.GetBytes(42UL))
            .AddValues(new DicomTag(0x0072, 0x0082), DicomVR.SV, -5L, 6L)
            .AddValues(new DicomTag(0x0072, 0x0083), DicomVR.UV, ulong.MaxValue)
            .AddBytes(new DicomTag(0x7FE0, 0x0010), DicomVR.OB, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 });
        ds.AddBytes(new DicomTag(0x0028, 0x1201), DicomVR.OW, new byte[] { 0x10, 0x00, 0x20, 0x00 });
        return ds;
    }

    /// <summary>
    /// Compares the dataset read back with the one written. Values must match after the writer's padding; in implicit VR the
    /// VR comes from the dictionary, so only the bytes are compared, and a sequence the dictionary could not name
    /// (read as UN) is parsed from its bytes as the implicit VR sequence it is.
    /// </summary>
    private static void AssertSameDataset(DicomDataset expected, DicomDataset actual, bool compareVR, string path)
    {
        var wanted = expected.Where(e => !e.Tag.IsGroupLength).ToList();
        Assert.True(wanted.Select(e => e.Tag).SequenceEqual(actual.Select(e => e.Tag)),
            $"{path}: tags differ: [{string.Join(' ', wanted.Select(e => e.Tag))}] vs [{string.Join(' ', actual.Select(e => e.Tag))}]");
        foreach (var (e, a) in wanted.Zip(actual))
        {
            string where = path + e.Tag;
            if (compareVR)
            {
                Assert.True(e.VR == a.VR, $"{where}: VR {e.VR.Code()} written, {a.VR.Code()} read");
            }

            switch (e)
            {
                case DicomValueElement ev:
                    var av = Assert.IsType<DicomValueElement>(a);
                    var bytes = ev.Buffer.GetMemory().ToArray();
                    byte[] padded = (bytes.Length & 1) == 0 ? bytes : [.. bytes, ev.VR.PaddingByte()];
                    Assert.True(padded.AsSpan().SequenceEqual(av.Buffer.GetMemory().Span), $"{where}: value differs");
                    break;
                case DicomSequence es:
                    var items = a switch
                    {
                        DicomSequence s => s.Items,
                        DicomValueElement { VR: DicomVR.UN } un when !compareVR => ParseImplicitSequence(un).Items,
                        _ => Fail<List<DicomDataset>>($"{where}: a sequence was written, {a.GetType().Name} {a.VR.Code()} read"),
                    };
                    Assert.True(es.Items.Count == items.Count, $"{where}: {es.Items.Count} items written, {items.Count} read");
                    for (int i = 0; i < items.Count; i++)
                    {
                        AssertSameDataset(es.Items[i], items[i], compareVR, $"{where}[{i}].");
                    }

                    break;
                case DicomFragmentSequence ef:
                    var af = Assert.IsType<DicomFragmentSequence>(a);
                    Assert.Equal(ef.OffsetTable.GetMemory().ToArray(), af.OffsetTable.GetMemory().ToArray());
                    Assert.Equal(ef.Fragments.Select(f => f.GetMemory().ToArray()), af.Fragments.Select(f => f.GetMemory().ToArray()));
                    break;
            }
        }
    }

    private static T Fail<T>(string message)
    {
        Assert.Fail(message);
        return default!;
    }

    /// <summary>Reads a UN value holding an implicit VR sequence's items by wrapping it as an undefined-length element.</summary>
    private static DicomSequence ParseImplicitSequence(DicomValueElement element)
    {
        var stream = new MemoryStream();
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(head, element.Tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(head[2..], element.Tag.Element);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], 0xFFFFFFFF);
        stream.Write(head);
        stream.Write(element.Buffer.GetMemory().Span);
        stream.Write(new byte[] { 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0 });
        stream.Position = 0;
        var dataset = DicomFile.ReadDataset(stream, DicomTransferSyntax.ImplicitVRLittleEndian);
        return Assert.IsType<DicomSequence>(dataset[element.Tag]);
    }

    private static byte[] WriteToBytes(DicomFile file, DicomWriteOptions? options = null)
    {
        var stream = new MemoryStream();
        file.Write(stream, options);
        return stream.ToArray();
    }

    private static int BodyOffset(byte[] bytes) => 144 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(140));

    private static byte[] Inflate(byte[] file)
    {
        using var inflate = new DeflateStream(new MemoryStream(file, BodyOffset(file), file.Length - BodyOffset(file)), CompressionMode.Decompress);
        var output = new MemoryStream();
        inflate.CopyTo(output);
        return output.ToArray();
    }

    private sealed record MetaElement(DicomTag Tag, string VR, byte[] Value);

    /// <summary>Parses the meta group independently of the reader: explicit VR little endian from offset 132.</summary>
    private static List<MetaElement> ParseMeta(byte[] bytes, out int end)
    {
        var list = new List<MetaElement>();
        int pos = 132;
        end = int.MaxValue;
        while (pos < end)
        {
            var tag = new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos)), BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos + 2)));
            Assert.Equal(0x0002, tag.Group);
            string vr = Encoding.ASCII.GetString(bytes, pos + 4, 2);
            bool longForm = vr is "OB" or "OW" or "UN" or "SQ" or "UT" or "UC" or "UR";
            int length = longForm ? (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8)) : BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos + 6));
            int valueStart = pos + (longForm ? 12 : 8);
            list.Add(new MetaElement(tag, vr, bytes[valueStart..(valueStart + length)]));
            pos = valueStart + length;
            if (tag.Element == 0)
            {
                end = pos + (int)BinaryPrimitives.ReadUInt32LittleEndian(list[^1].Value);
            }
        }

        Assert.Equal(end, pos);
        return list;
    }

    /// <summary>The value of an element in an explicit VR little endian file, found by its header bytes.</summary>
    private static byte[] FindExplicitValue(byte[] bytes, DicomTag tag, DicomVR vr)
    {
        var head = new byte[6];
        BinaryPrimitives.WriteUInt16LittleEndian(head, tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(2), tag.Element);
        head[4] = (byte)vr.Code()[0];
        head[5] = (byte)vr.Code()[1];
        int at = bytes.AsSpan().IndexOf(head);
        Assert.True(at > 0, $"{tag} {vr.Code()} not found");
        if (vr.HasLongExplicitLength())
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8));
            return bytes[(at + 12)..(at + 12 + length)];
        }

        int shortLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 6));
        return bytes[(at + 8)..(at + 8 + shortLength)];
    }
}
