using System.Buffers.Binary;
using PlaoImaging.Dicom.Imaging;
using Xunit;
using static PlaoImaging.Dicom.Tests.Imaging.ImageBuilder;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>
/// Transcoding: native ↔ RLE Lossless bit for bit (Basic Offset Table, one fragment per frame), the attributes a
/// decoder changes (Photometric Interpretation, Planar Configuration), lossy compression recording (PS3.3
/// C.7.6.1.1.5), the Extended Offset Table removed, and the lossless variants of the "lossy allowed" syntaxes.
/// </summary>
[Trait("Category", "unit")]
public class DicomTranscoderTests
{
    private static readonly DicomTag PhotometricTag = new(0x0028, 0x0004);
    private static readonly DicomTag PlanarTag = new(0x0028, 0x0006);
    private static readonly DicomTag LossyTag = new(0x0028, 0x2110);
    private static readonly DicomTag RatioTag = new(0x0028, 0x2112);
    private static readonly DicomTag MethodTag = new(0x0028, 0x2114);
    private static readonly DicomTag ExtendedOffsets = new(0x7FE0, 0x0001);
    private static readonly DicomTag ExtendedLengths = new(0x7FE0, 0x0002);

    [Fact]
    public void NativeToRleAndBack_MultiFrame16Bit_BitExactWithOffsetTable()
    {
        var info = Info(4, 5, 16, 12, 11, false, frames: 3);
        var pixels = new byte[info.TotalNativeBytes];
        new Random(7).NextBytes(pixels);
        var native = Dataset(info, pixels);
        var codecs = DicomCodecRegistry.CreateDefault();

        var rle = DicomTranscoder.ToEncapsulated(native, DicomTransferSyntax.RleLossless, codecs);

        var fragments = Assert.IsType<DicomFragmentSequence>(rle[DicomTag.PixelData]);
        Assert.Equal(3, fragments.Fragments.Count);
        var table = fragments.OffsetTable.GetMemory().ToArray();
        Assert.Equal(12, table.Length);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(table));
        Assert.Equal(8 + fragments.Fragments[0].Length, BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(4)));
        Assert.Equal(16 + fragments.Fragments[0].Length + fragments.Fragments[1].Length, BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(8)));
        Assert.All(fragments.Fragments, f => Assert.Equal(0, f.Length % 2));
        Assert.IsType<DicomValueElement>(native[DicomTag.PixelData]);

        var back = DicomTranscoder.ToNative(rle, DicomTransferSyntax.RleLossless, codecs);
        Assert.Equal(pixels, ((DicomValueElement)back[DicomTag.PixelData]).Buffer.GetMemory().ToArray());
        Assert.Equal(DicomVR.OW, back[DicomTag.PixelData].VR);
        Assert.False(back.Contains(LossyTag));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void RgbThroughRle_KeepsPlanarConfigurationAndBytes(int planar)
    {
        var info = Info(3, 4, 8, 8, 7, false, "RGB", samples: 3, planar: planar);
        var pixels = new byte[info.FrameBytes];
        new Random(planar).NextBytes(pixels);
        var file = new DicomFile(Dataset(info, pixels)
            .AddString(new DicomTag(0x0008, 0x0016), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7")
            .AddString(new DicomTag(0x0008, 0x0018), DicomVR.UI, "1.2.826.0.1.3680043.10.99.7"));
        var codecs = DicomCodecRegistry.CreateDefault();

        var rle = DicomTranscoder.Transcode(file, DicomTransferSyntax.RleLossless, codecs);
        var bytes = new MemoryStream();
        rle.Write(bytes);
        var reread = DicomFile.Read(new MemoryStream(bytes.ToArray()));
        Assert.Equal(DicomTransferSyntax.RleLossless.Uid, reread.TransferSyntax.Uid);

        var back = DicomTranscoder.Transcode(reread, DicomTransferSyntax.ExplicitVRLittleEndian, codecs);
        Assert.Equal(planar, back.Dataset.GetSingleValue<int>(PlanarTag));
        Assert.Equal(pixels, ((DicomValueElement)back.Dataset[DicomTag.PixelData]).Buffer.GetMemory().ToArray());
        Assert.Equal(DicomVR.OB, back.Dataset[DicomTag.PixelData].VR);
    }

    [Fact]
    public void ToNative_LossySource_UpdatesPhotometricPlanarAndRecordsCompression()
    {
        var (dataset, codecs) = FakeJpeg("YBR_FULL_422");

        var native = DicomTranscoder.ToNative(dataset, DicomTransferSyntax.JpegBaseline8Bit, codecs);

        Assert.Equal("RGB", native.GetString(PhotometricTag));
        Assert.Equal(0, native.GetSingleValue<int>(PlanarTag));
        Assert.Equal("01", native.GetString(LossyTag));
        Assert.Equal(["3"], native.GetValues<string>(RatioTag));
        Assert.Equal(["ISO_10918_1"], native.GetValues<string>(MethodTag));
        Assert.False(native.Contains(ExtendedOffsets));
        Assert.False(native.Contains(ExtendedLengths));
        Assert.Equal(FakeLossyCodec.Output, ((DicomValueElement)native[DicomTag.PixelData]).Buffer.GetMemory().ToArray());

        // The source is untouched.
        Assert.IsType<DicomFragmentSequence>(dataset[DicomTag.PixelData]);
        Assert.Equal("YBR_FULL_422", dataset.GetString(PhotometricTag));
    }

    [Fact]
    public void ToNative_CompressionAlreadyRecorded_IsNotRecordedTwice()
    {
        var (dataset, codecs) = FakeJpeg("YBR_FULL_422");
        dataset.AddString(LossyTag, DicomVR.CS, "01").AddString(RatioTag, DicomVR.DS, "10").AddString(MethodTag, DicomVR.CS, "ISO_10918_1");

        var native = DicomTranscoder.ToNative(dataset, DicomTransferSyntax.JpegBaseline8Bit, codecs);

        Assert.Equal(["10"], native.GetValues<string>(RatioTag));
        Assert.Equal(["ISO_10918_1"], native.GetValues<string>(MethodTag));
    }

    [Fact]
    public void ToNative_EarlierDifferentCompression_IsAppendedTo()
    {
        var (dataset, codecs) = FakeJpeg("YBR_FULL_422");
        dataset.AddString(LossyTag, DicomVR.CS, "01").AddString(RatioTag, DicomVR.DS, "2.5").AddString(MethodTag, DicomVR.CS, "ISO_14495_1");

        var native = DicomTranscoder.ToNative(dataset, DicomTransferSyntax.JpegBaseline8Bit, codecs);

        Assert.Equal(["2.5", "3"], native.GetValues<string>(RatioTag));
        Assert.Equal(["ISO_14495_1", "ISO_10918_1"], native.GetValues<string>(MethodTag));
    }

    [Fact]
    public void ToNative_Decoder422NameOnWholeSamples_BecomesYbrFull()
    {
        var (dataset, codecs) = FakeJpeg("YBR_FULL_422", decodedPhotometric: "YBR_FULL_422");

        var native = DicomTranscoder.ToNative(dataset, DicomTransferSyntax.JpegBaseline8Bit, codecs);

        Assert.Equal("YBR_FULL", native.GetString(PhotometricTag));
    }

    [Fact]
    public void ToEncapsulated_Native422_IsRefused()
    {
        var info = Info(1, 2, 8, 8, 7, false, "YBR_FULL_422", samples: 3);
        Assert.Throws<DicomPixelDataException>(() =>
            DicomTranscoder.ToEncapsulated(Dataset(info, [1, 2, 3, 4]), DicomTransferSyntax.RleLossless, DicomCodecRegistry.CreateDefault()));
    }

    [Fact]
    public void ToEncapsulated_FloatPixelData_IsRefused()
    {
        var info = Info(1, 1, 32, 32, 31, true, isFloat: true);
        Assert.Throws<DicomPixelDataException>(() =>
            DicomTranscoder.ToEncapsulated(Dataset(info, new byte[4]), DicomTransferSyntax.RleLossless, DicomCodecRegistry.CreateDefault()));
    }

    [Fact]
    public void Transcode_NoPixelData_OnlyRelabels()
    {
        var ds = new DicomDataset().AddString(new DicomTag(0x0010, 0x0010), DicomVR.PN, "Doe^Jane");
        var result = DicomTranscoder.Transcode(new DicomFile(ds, DicomTransferSyntax.ImplicitVRLittleEndian), DicomTransferSyntax.RleLossless, DicomCodecRegistry.CreateDefault());
        Assert.Equal(DicomTransferSyntax.RleLossless, result.TransferSyntax);
        Assert.Equal("Doe^Jane", result.Dataset.GetString(new DicomTag(0x0010, 0x0010)));
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(0, "ISO_15444_1")]
    public void LossyMethod_Jpeg2000_ReversibleWaveletIsLossless(byte transform, string? expected)
    {
        // SOC, a stub SIZ, then COD: Lcod, Scod, progression, layers(2), MCT, levels, xcb, ycb, style, transform.
        byte[] codestream = [0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x02, 0xFF, 0x52, 0x00, 0x0C, 0, 0, 0, 1, 0, 5, 4, 4, 0, transform];
        Assert.Equal(expected, DicomTranscoder.LossyMethod(DicomTransferSyntax.Jpeg2000, codestream));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(2, "ISO_14495_1")]
    public void LossyMethod_JpegLs_NearZeroIsLossless(byte near, string? expected)
    {
        // SOI, SOF55 (length 11), SOS: length, Ns = 1, C1, Tm1, NEAR, ILV, Al/Ah.
        byte[] stream = [0xFF, 0xD8, 0xFF, 0xF7, 0x00, 0x0B, 8, 0, 1, 0, 1, 1, 1, 0x11, 0, 0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, near, 0, 0];
        Assert.Equal(expected, DicomTranscoder.LossyMethod(DicomTransferSyntax.JpegLSNearLossless, stream));
        Assert.Null(DicomTranscoder.LossyMethod(DicomTransferSyntax.RleLossless, stream));
        Assert.Equal("ISO_10918_1", DicomTranscoder.LossyMethod(DicomTransferSyntax.JpegBaseline8Bit, stream));
    }

    private static (DicomDataset Dataset, DicomCodecRegistry Codecs) FakeJpeg(string photometric, string decodedPhotometric = "RGB")
    {
        // A 2 x 2 colour frame "compressed" to 4 bytes: ratio 12 / 4 = 3.
        var info = Info(2, 2, 8, 8, 7, false, photometric, samples: 3);
        var ds = Dataset(info, []);
        ds.AddOrUpdate(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.Empty, [DicomBuffer.FromMemory(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 })]));
        ds.AddValues(ExtendedOffsets, DicomVR.OV, 0UL);
        ds.AddValues(ExtendedLengths, DicomVR.OV, 4UL);
        var codecs = new DicomCodecRegistry().Register(new FakeLossyCodec(decodedPhotometric));
        return (ds, codecs);
    }

    private sealed class FakeLossyCodec(string photometric) : IDicomCodec
    {
        public static readonly byte[] Output = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

        public DicomTransferSyntax TransferSyntax => DicomTransferSyntax.JpegBaseline8Bit;

        public bool CanEncode => false;

        public DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame) => new([.. Output], photometric, 0);

        public byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int frame) => throw new NotSupportedException();
    }
}
