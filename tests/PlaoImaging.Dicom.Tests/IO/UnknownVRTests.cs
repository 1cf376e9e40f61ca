using System.Buffers.Binary;
using PlaoImaging.Dicom.Tests.Support;
using Xunit;

namespace PlaoImaging.Dicom.Tests.IO;

/// <summary>
/// Explicit VR elements whose two VR bytes are no VR, read as DCMTK reads them with its default options
/// (DcmItem::readTagAndLength and DcmVR::setVR in dcmdata): two upper-case letters are a VR of a later edition with a
/// reserved field and a 4-byte length; any other two bytes ("  ", "\0\0", "xx", "??", bytes above 127) have a 2-byte
/// length. The element's VR stays unknown (UN here, "??" in dcmdump, UN in dcm2json), its value the bytes as they are,
/// and the reader names the tag and the element's offset in a warning. The peer comparison is in
/// PlaoImaging.Interop.Tests (Part10/UnknownVRPeerTests).
/// </summary>
[Trait("Category", "unit")]
public class UnknownVRTests
{
    private const string ExplicitLittle = "1.2.840.10008.1.2.1";
    private const string ExplicitBig = "1.2.840.10008.1.2.2";
    private static readonly DicomTag Modality = new(0x0008, 0x0060);
    private static readonly DicomTag PatientId = new(0x0010, 0x0020);
    private static readonly DicomTag Rows = new(0x0028, 0x0010);
    private static readonly DicomTag Columns = new(0x0028, 0x0011);
    private static readonly DicomTag Sequence = new(0x0040, 0x0275);
    private static readonly DicomTag StudyDescription = new(0x0008, 0x1030);

    public static TheoryData<byte, byte> NoVRBytes() => new()
    {
        { 0x20, 0x20 },
        { 0x00, 0x00 },
        { (byte)'x', (byte)'x' },
        { (byte)'?', (byte)'?' },
        { 0xFF, 0xFE },
        { (byte)'A', (byte)'1' },
    };

    [Theory]
    [MemberData(nameof(NoVRBytes))]
    public void Read_NoVRInMainDataset_ReadsTwoByteLengthAsUNWithWarning(byte first, byte second)
    {
        var b = new DicomByteBuilder().Preamble().Meta(ExplicitLittle).Text(0x00080060, "CS", "OT");
        long idAt = b.Position;
        b.Raw(Header(PatientId, first, second, 4, bigEndian: false)).Raw("ID12"u8);
        long rowsAt = b.Position;
        b.Raw(Header(Rows, first, second, 2, bigEndian: false)).Raw([0x00, 0x02]);
        b.Text(0x00081030, "LO", "after");

        var file = DicomFile.Read(new MemoryStream(b.ToArray()));

        AssertUnknown(file, file.Dataset, PatientId, "ID12"u8, idAt);
        AssertUnknown(file, file.Dataset, Rows, [0x00, 0x02], rowsAt);
        Assert.Equal("OT", file.Dataset.GetString(Modality));
        Assert.Equal("after", file.Dataset.GetString(StudyDescription));
    }

    [Theory]
    [MemberData(nameof(NoVRBytes))]
    public void Read_NoVRInSequenceItem_ReadsTwoByteLengthAsUNWithWarning(byte first, byte second)
    {
        foreach (bool definedLengths in new[] { true, false })
        {
            var b = new DicomByteBuilder().Preamble().Meta(ExplicitLittle).Text(0x00080060, "CS", "OT")
                .BeginSequence(0x00400275, definedLengths).BeginItem(definedLengths);
            long idAt = b.Position;
            b.Raw(Header(PatientId, first, second, 4, bigEndian: false)).Raw("ABCD"u8);
            long columnsAt = b.Position;
            b.Raw(Header(Columns, first, second, 2, bigEndian: false)).Raw([0x00, 0x01]);
            b.Text(0x00081030, "LO", "in item").EndItem().EndSequence().Text(0x00081030, "LO", "after");

            var file = DicomFile.Read(new MemoryStream(b.ToArray()));

            var item = Assert.Single(file.Dataset.GetSequence(Sequence).Items);
            AssertUnknown(file, item, PatientId, "ABCD"u8, idAt);
            AssertUnknown(file, item, Columns, [0x00, 0x01], columnsAt);
            Assert.Equal("in item", item.GetString(StudyDescription));
            Assert.Equal("after", file.Dataset.GetString(StudyDescription));
        }
    }

    [Theory]
    [MemberData(nameof(NoVRBytes))]
    public void Read_NoVRInBigEndianDataset_ReadsBigEndianTwoByteLengthAndKeepsBytes(byte first, byte second)
    {
        // Explicit VR big endian: the 2-byte length is big-endian; the value is kept unswapped, as for OB.
        var b = new DicomByteBuilder().Preamble().Meta(ExplicitBig);
        b.Raw([0x00, 0x08, 0x00, 0x60, (byte)'C', (byte)'S', 0x00, 0x02, (byte)'O', (byte)'T']);
        long idAt = b.Position;
        b.Raw(Header(PatientId, first, second, 4, bigEndian: true)).Raw("ID12"u8);
        long rowsAt = b.Position;
        b.Raw(Header(Rows, first, second, 2, bigEndian: true)).Raw([0x02, 0x00]);
        b.Raw([0x00, 0x28, 0x00, 0x11, (byte)'U', (byte)'S', 0x00, 0x02, 0x01, 0x00]);

        var file = DicomFile.Read(new MemoryStream(b.ToArray()));

        AssertUnknown(file, file.Dataset, PatientId, "ID12"u8, idAt);
        AssertUnknown(file, file.Dataset, Rows, [0x02, 0x00], rowsAt);
        Assert.Equal((ushort)256, file.Dataset.GetSingleValue<ushort>(Columns));
    }

    [Fact]
    public void Open_NoVRValueAboveThreshold_IsLeftInFileAsUN()
    {
        var value = new byte[600];
        Random.Shared.NextBytes(value);
        var b = new DicomByteBuilder().Preamble().Meta(ExplicitLittle).Text(0x00080060, "CS", "OT");
        b.Raw(Header(new DicomTag(0x0009, 0x1010), 0x20, 0x20, (ushort)value.Length, bigEndian: false)).Raw(value);
        b.Text(0x00081030, "LO", "after");
        string path = Path.Combine(Path.GetTempPath(), "plao-unknown-vr-" + Guid.NewGuid().ToString("N") + ".dcm");
        File.WriteAllBytes(path, b.ToArray());
        try
        {
            var file = DicomFile.Open(path, new DicomReadOptions { LargeValueThreshold = 512 });

            var element = (DicomValueElement)file.Dataset[new DicomTag(0x0009, 0x1010)];
            Assert.Equal(DicomVR.UN, element.VR);
            Assert.IsType<FileDicomBuffer>(element.Buffer);
            Assert.Equal(value, element.Buffer.GetMemory().ToArray());
            Assert.Equal("after", file.Dataset.GetString(StudyDescription));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_UpperCaseUnknownVR_KeepsFourByteLength()
    {
        // "ZZ" could be a VR of a later edition: DCMTK reads two reserved bytes and a 4-byte length.
        var b = new DicomByteBuilder().Preamble().Meta(ExplicitLittle).Text(0x00080060, "CS", "OT");
        long at = b.Position;
        b.Raw([0x10, 0x00, 0x20, 0x00, (byte)'Z', (byte)'Z', 0, 0, 4, 0, 0, 0]).Raw("ID12"u8);

        var file = DicomFile.Read(new MemoryStream(b.ToArray()));

        var element = (DicomValueElement)file.Dataset[PatientId];
        Assert.Equal(DicomVR.UN, element.VR);
        Assert.Equal("ID12"u8.ToArray(), element.Buffer.GetMemory().ToArray());
        var warning = Assert.Single(file.Warnings, w => w.Tag == PatientId);
        Assert.Equal(at, warning.Offset);
        Assert.Contains("4-byte length", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PixelDataWithVROX_IsReadAsOW()
    {
        // DCMTK's own workaround (DcmItem::readTagAndLength): "OX" on Pixel Data is OW.
        var b = new DicomByteBuilder().Preamble().Meta(ExplicitLittle).Text(0x00080060, "CS", "OT");
        b.Raw([0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'X', 0, 0, 4, 0, 0, 0, 1, 2, 3, 4]);

        var file = DicomFile.Read(new MemoryStream(b.ToArray()));

        var element = (DicomValueElement)file.Dataset[DicomTag.PixelData];
        Assert.Equal(DicomVR.OW, element.VR);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, element.Buffer.GetMemory().ToArray());
        Assert.Contains(file.Warnings, w => w.Tag == DicomTag.PixelData && w.Message.Contains("OW", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_NoVRElementReadBack_IsWrittenAsUN()
    {
        // What DCMTK's dcmconv does with such a file: the element is written as UN (4-byte length) and reads back so.
        var b = new DicomByteBuilder().Preamble().Meta(ExplicitLittle).Text(0x00080060, "CS", "OT");
        b.Raw(Header(PatientId, 0x20, 0x20, 4, bigEndian: false)).Raw("ID12"u8);
        var file = DicomFile.Read(new MemoryStream(b.ToArray()));

        var output = new MemoryStream();
        file.Write(output);
        var again = DicomFile.Read(new MemoryStream(output.ToArray()));

        Assert.Empty(again.Warnings);
        Assert.Equal(DicomVR.UN, again.Dataset[PatientId].VR);
        Assert.Equal("ID12"u8.ToArray(), ((DicomValueElement)again.Dataset[PatientId]).Buffer.GetMemory().ToArray());
    }

    private static void AssertUnknown(DicomFile file, DicomDataset dataset, DicomTag tag, ReadOnlySpan<byte> value, long offset)
    {
        var element = Assert.IsType<DicomValueElement>(dataset[tag]);
        Assert.Equal(DicomVR.UN, element.VR);
        Assert.Equal(value.ToArray(), element.Buffer.GetMemory().ToArray());
        Assert.Equal(value.ToArray(), dataset.GetSingleValue<byte[]>(tag));
        var warning = Assert.Single(file.Warnings, w => w.Tag == tag && w.Offset == offset);
        Assert.Contains("2-byte length", warning.Message, StringComparison.Ordinal);
        Assert.Contains("UN", warning.Message, StringComparison.Ordinal);
    }

    /// <summary>Tag, the two given VR bytes and a 2-byte length.</summary>
    private static byte[] Header(DicomTag tag, byte first, byte second, ushort length, bool bigEndian)
    {
        var head = new byte[8];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(head, tag.Group);
            BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(2), tag.Element);
            BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(6), length);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(head, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(2), tag.Element);
            BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(6), length);
        }

        head[4] = first;
        head[5] = second;
        return head;
    }
}
