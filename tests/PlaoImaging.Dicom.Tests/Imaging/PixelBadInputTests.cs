using System.Buffers.Binary;
using System.Globalization;
using PlaoImaging.Dicom.Imaging;
using Xunit;
using static PlaoImaging.Dicom.Tests.Imaging.ImageBuilder;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>
/// Pixel data that lies: offset tables past the end, off item boundaries, decreasing or of the wrong length; Number of
/// Frames larger than what is present or not a positive integer; 65535 × 65535 × 16-bit declared sizes; damaged RLE
/// frames. Every failure is a <see cref="DicomPixelDataException"/> naming the frame, before any large allocation.
/// </summary>
[Trait("Category", "unit")]
public class PixelBadInputTests
{
    private const long OneMegabyte = 1 << 20;

    private static readonly DicomTag ExtendedOffsets = new(0x7FE0, 0x0001);
    private static readonly DicomTag ExtendedLengths = new(0x7FE0, 0x0002);

    // ---- (a) Basic and Extended Offset Tables ----------------------------------------------------------------------

    [Fact]
    public void DecodeFrame_ValidBasicOffsetTable_DecodesEveryFrame()
    {
        var (info, natives, fragments) = RleFrames(3);
        var pixels = Encapsulated(info, fragments, Bot(ItemOffsets(fragments)));
        for (int f = 0; f < 3; f++)
        {
            Assert.Equal(natives[f], pixels.DecodeFrame(f, DicomCodecRegistry.CreateDefault()).Bytes);
        }
    }

    [Fact]
    public void DecodeFrame_ValidExtendedOffsetTable_DecodesEveryFrame()
    {
        var (info, natives, fragments) = RleFrames(3);
        var pixels = Encapsulated(info, fragments, [], eot: ItemOffsets(fragments), eotLengths: [.. fragments.Select(f => (ulong)f.Length)]);
        for (int f = 0; f < 3; f++)
        {
            Assert.Equal(natives[f], pixels.DecodeFrame(f, DicomCodecRegistry.CreateDefault()).Bytes);
        }
    }

    public static TheoryData<string, bool> OffsetTableLies()
    {
        var data = new TheoryData<string, bool>();
        foreach (var lie in new[] { "past-end", "huge", "mid-item", "decreasing", "repeated", "first-not-zero", "too-few", "too-many" })
        {
            data.Add(lie, false);
            data.Add(lie, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OffsetTableLies))]
    public void DecodeFrame_OffsetTableLies_ThrowsPixelDataExceptionNamingFrame(string lie, bool extended)
    {
        var (info, _, fragments) = RleFrames(3);
        var good = ItemOffsets(fragments);
        ulong end = good[^1] + 8 + (ulong)fragments[^1].Length;
        (ulong[] Offsets, int Frame) expected = lie switch
        {
            "past-end" => ([good[0], good[1], end + 8], 2),
            "huge" => ([good[0], good[1], extended ? ulong.MaxValue : uint.MaxValue], 2),
            "mid-item" => ([good[0], good[1] + 4, good[2]], 1),
            "decreasing" => ([good[0], good[2], good[1]], 2),
            "repeated" => ([good[0], good[1], good[1]], 2),
            "first-not-zero" => ([good[1], good[2], end], 0),
            "too-few" => ([good[0], good[1]], 2),
            "too-many" => ((ulong[])[.. good, end], 2),
            _ => throw new ArgumentOutOfRangeException(nameof(lie)),
        };

        var (offsets, frame) = expected;
        var pixels = extended
            ? Encapsulated(info, fragments, [], eot: offsets)
            : Encapsulated(info, fragments, Bot(offsets));
        for (int f = 0; f < 3; f++)
        {
            // Every frame is refused: the table is mapped once, and a lie anywhere in it makes the mapping untrustworthy.
            var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(f, DicomCodecRegistry.CreateDefault()));
            Assert.Equal(frame, e.Frame);
            Assert.StartsWith($"Frame {frame}: ", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DecodeFrame_BasicOffsetTableNotWholeOffsets_ThrowsPixelDataException()
    {
        var (info, _, fragments) = RleFrames(2);
        var pixels = Encapsulated(info, fragments, [0, 0, 0, 0, 1, 2]);
        var e = Assert.Throws<DicomPixelDataException>(() => pixels.GetEncodedFrame(0));
        Assert.Contains("Basic Offset Table", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeFrame_ExtendedOffsetTableLengthsCountDiffers_ThrowsPixelDataExceptionNamingFrame()
    {
        var (info, _, fragments) = RleFrames(3);
        var pixels = Encapsulated(info, fragments, [], eot: ItemOffsets(fragments), eotLengths: [(ulong)fragments[0].Length, (ulong)fragments[1].Length]);
        var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(0, DicomCodecRegistry.CreateDefault()));
        Assert.Equal(2, e.Frame);
    }

    [Fact]
    public void DecodeFrame_ExtendedOffsetTableNotEightByteValues_ThrowsPixelDataException()
    {
        var (info, _, fragments) = RleFrames(2);
        var ds = EncapsulatedDataset(info, fragments, []);
        ds.AddBytes(ExtendedOffsets, DicomVR.OB, new byte[] { 0, 0, 0, 0, 0, 0 });
        var pixels = DicomPixelData.Create(ds, DicomTransferSyntax.RleLossless);
        Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(0, DicomCodecRegistry.CreateDefault()));
    }

    // ---- (b) Number of Frames that lies ----------------------------------------------------------------------------

    [Fact]
    public void DecodeFrame_NativeFramesMoreThanDataHolds_PresentFramesDecodeFirstMissingThrows()
    {
        var info = Info(3, 5, 16, 12, 11, false, frames: 6);
        var data = new byte[(int)(info.FrameBytes * 2) + 7]; // two whole frames and part of a third
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)i;
        }

        var pixels = DicomPixelData.Create(Dataset(info, data), DicomTransferSyntax.ExplicitVRLittleEndian);
        var codecs = DicomCodecRegistry.CreateDefault();
        Assert.Equal(data[..30], pixels.DecodeFrame(0, codecs).Bytes);
        Assert.Equal(data[30..60], pixels.DecodeFrame(1, codecs).Bytes);
        for (int f = 2; f < 6; f++)
        {
            var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(f, codecs));
            Assert.Equal(f, e.Frame);
        }

        Assert.Equal(6, Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(6, codecs)).Frame);
    }

    [Fact]
    public void DecodeFrame_NativeBitFramesMoreThanDataHolds_FirstMissingThrows()
    {
        var info = Info(3, 3, 1, 1, 0, false, frames: 3);
        var pixels = DicomPixelData.Create(Dataset(info, new byte[3]), DicomTransferSyntax.ExplicitVRLittleEndian); // 24 bits: two 9-bit frames
        var codecs = DicomCodecRegistry.CreateDefault();
        Assert.Equal(2, pixels.DecodeFrame(0, codecs).Bytes.Length);
        Assert.Equal(2, pixels.DecodeFrame(1, codecs).Bytes.Length);
        Assert.Equal(2, Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(2, codecs)).Frame);
    }

    [Fact]
    public void DecodeFrame_FramesMoreThanFragmentsWithoutOffsetTable_ThrowsNamingFirstMissingFrame()
    {
        var (_, _, fragments) = RleFrames(3);
        var info = Info(4, 5, 8, 8, 7, false, frames: 5);
        var pixels = Encapsulated(info, fragments, []);
        var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(0, DicomCodecRegistry.CreateDefault()));
        Assert.Equal(3, e.Frame);
    }

    [Fact]
    public void DecodeFrame_FramesMoreThanJpegCodestreamsInFragments_ThrowsPixelDataException()
    {
        // Four fragments, two of them starting a codestream (SOI), but three frames declared.
        var info = Info(2, 2, 8, 8, 7, false, frames: 3);
        byte[][] fragments = [[0xFF, 0xD8, 1, 2], [3, 4, 5, 6], [0xFF, 0xD8, 7, 8], [0xFF, 0xD9]];
        var ds = EncapsulatedDataset(info, fragments, []);
        var pixels = DicomPixelData.Create(ds, DicomTransferSyntax.JpegLosslessSV1);
        var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(1, DicomCodecRegistry.CreateDefault()));
        Assert.Equal(2, e.Frame);
    }

    [Fact]
    public void DecodeFrame_FramesFewerThanRleFragmentsWithoutOffsetTable_ThrowsPixelDataException()
    {
        // RLE frames have no start marker: five fragments for two frames cannot be split.
        var (_, _, fragments) = RleFrames(5);
        var info = Info(4, 5, 8, 8, 7, false, frames: 2);
        var pixels = Encapsulated(info, fragments, []);
        Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(0, DicomCodecRegistry.CreateDefault()));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void Create_NumberOfFramesNotPositiveInteger_ThrowsPixelDataException(string frames)
    {
        var info = Info(2, 2, 8, 8, 7, false);
        var ds = Dataset(info, new byte[4]);
        ds.AddString(new DicomTag(0x0028, 0x0008), DicomVR.IS, frames);
        var e = Assert.Throws<DicomPixelDataException>(() => DicomPixelData.Create(ds, DicomTransferSyntax.ExplicitVRLittleEndian));
        Assert.Contains("Number of Frames", e.Message, StringComparison.Ordinal);
    }

    // ---- (c) Declared sizes far beyond the data ---------------------------------------------------------------------

    [Theory]
    [InlineData(16, 1)]
    [InlineData(16, 3)]
    [InlineData(32, 1)]
    [InlineData(8, 3)]
    public void Create_65535x65535Declared_ThrowsBeforeAnyLargeAllocation(int bitsAllocated, int samples)
    {
        var info = Info(65535, 65535, bitsAllocated, bitsAllocated, bitsAllocated - 1, false, samples == 3 ? "RGB" : "MONOCHROME2", samples);
        Assert.Throws<DicomPixelDataException>(info.Validate);
        var native = Dataset(info, new byte[64]);
        var encapsulated = EncapsulatedDataset(info, [new byte[64]], []);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DicomPixelDataException>(() => DicomPixelData.Create(native, DicomTransferSyntax.ExplicitVRLittleEndian));
        Assert.Contains("65535 × 65535", e.Message, StringComparison.Ordinal);
        Assert.Throws<DicomPixelDataException>(() => DicomPixelData.Create(encapsulated, DicomTransferSyntax.RleLossless));
        Assert.Equal(3, Assert.Throws<DicomPixelDataException>(() => new RleCodec().Decode(new byte[64], info, 3)).Frame);
        Assert.Equal(3, Assert.Throws<DicomPixelDataException>(() => new JpegLosslessSV1Codec().Decode(new byte[64], info, 3)).Frame);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < OneMegabyte);
    }

    [Fact]
    public void DecodeFrame_LargeValidSizeTinyData_ThrowsNamingFrameBeforeAllocatingTheFrame()
    {
        // 16384 × 16384 × 8 bits passes the 1 GiB limit, but 256 MB must not be allocated for a few bytes of input.
        var info = Info(16384, 16384, 8, 8, 7, false, frames: 2);
        var (_, _, fragments) = RleFrames(2);
        var rle = Encapsulated(info, fragments, []);
        var native = DicomPixelData.Create(Dataset(info, new byte[100]), DicomTransferSyntax.ExplicitVRLittleEndian);
        var jpegInfo = Info(16384, 16384, 16, 12, 11, false, frames: 2);
        var jpegNative = new byte[8 * 8 * 2];
        var jpeg = new JpegLosslessSV1Codec().Encode(jpegNative, Info(8, 8, 16, 12, 11, false), 0);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(FindSof(jpeg) + 5), 16384);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(FindSof(jpeg) + 7), 16384);
        var jpegPixels = DicomPixelData.Create(EncapsulatedDataset(jpegInfo, [Even(jpeg), Even(jpeg)], []), DicomTransferSyntax.JpegLosslessSV1);
        var codecs = DicomCodecRegistry.CreateDefault();

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(1, Assert.Throws<DicomPixelDataException>(() => rle.DecodeFrame(1, codecs)).Frame);
        Assert.Equal(1, Assert.Throws<DicomPixelDataException>(() => native.DecodeFrame(1, codecs)).Frame);
        Assert.Equal(1, Assert.Throws<DicomPixelDataException>(() => jpegPixels.DecodeFrame(1, codecs)).Frame);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < OneMegabyte);
    }

    // ---- (d) RLE ---------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0u)]
    [InlineData(2u)]
    [InlineData(16u)]
    [InlineData(uint.MaxValue)]
    public void RleDecode_SegmentCountWrong_ThrowsNamingFrame(uint segments)
    {
        var (info, _, fragments) = RleFrames(1);
        var frame = (byte[])fragments[0].Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(frame, segments);
        Assert.Equal(4, Assert.Throws<DicomPixelDataException>(() => new RleCodec().Decode(frame, info, 4)).Frame);
    }

    [Fact]
    public void RleDecode_SixteenPlanesDeclared_ThrowsNamingFrame()
    {
        // 32-bit samples, four of them: 16 segments, more than the header can hold.
        var info = Info(2, 2, 32, 32, 31, false, "ARGB", samples: 4);
        var frame = new byte[200];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, 16);
        Assert.Equal(4, Assert.Throws<DicomPixelDataException>(() => new RleCodec().Decode(frame, info, 4)).Frame);
    }

    [Theory]
    [InlineData(1, 0u)]
    [InlineData(1, 63u)]
    [InlineData(1, 100_000u)]
    [InlineData(1, uint.MaxValue)]
    [InlineData(2, 64u)] // second segment starting before the first
    [InlineData(3, 100_000u)]
    public void RleDecode_SegmentOffsetOutsideFrame_ThrowsNamingFrame(int segment, uint offset)
    {
        var info = Info(3, 4, 16, 16, 15, false, "RGB", samples: 3);
        var frame = RleEncode(info, Native(info, 0));
        if (segment == 2)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(12)));
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4 * segment), offset);
        }

        Assert.Equal(7, Assert.Throws<DicomPixelDataException>(() => new RleCodec().Decode(frame, info, 7)).Frame);
    }

    [Fact]
    public void RleDecode_SegmentsTooShort_ThrowsNamingFrame()
    {
        // Each segment a single literal byte: a valid header, but planes of 1 byte where 12 are needed.
        var info = Info(3, 4, 8, 8, 7, false, "RGB", samples: 3);
        var frame = new byte[64 + 6];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, 3);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), 64);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(8), 66);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(12), 68);
        var e = Assert.Throws<DicomPixelDataException>(() => new RleCodec().Decode(frame, info, 2));
        Assert.Equal(2, e.Frame);
        Assert.Contains("segment 1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, 1, 0)]
    [InlineData(16, 1, 0)]
    [InlineData(16, 3, 0)]
    [InlineData(8, 3, 1)]
    [InlineData(32, 1, 0)]
    public void RleDecode_TruncatedAtEveryByte_ThrowsPixelDataExceptionNamingFrameOnly(int bitsAllocated, int samples, int planar)
    {
        var info = Info(5, 7, bitsAllocated, bitsAllocated, bitsAllocated - 1, false, samples == 3 ? "RGB" : "MONOCHROME2", samples, planar);
        var native = Native(info, 1);
        var frame = RleEncode(info, native);
        var codec = new RleCodec();
        Assert.Equal(native, codec.Decode(frame, info, 9).Bytes);
        for (int cut = 0; cut < frame.Length; cut++)
        {
            try
            {
                // Only the encoder's pad byte after the last segment may go without loss.
                var decoded = codec.Decode(frame.AsSpan(0, cut), info, 9);
                Assert.True(cut == frame.Length - 1 && frame[^1] == 0, $"a frame cut to {cut} of {frame.Length} bytes decoded");
                Assert.Equal(native, decoded.Bytes);
            }
            catch (DicomPixelDataException e)
            {
                Assert.Equal(9, e.Frame);
                Assert.StartsWith("Frame 9: ", e.Message, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(8, 1, 0)]
    [InlineData(16, 3, 0)]
    [InlineData(16, 3, 1)]
    [InlineData(32, 1, 0)]
    public void RleDecode_BitFlippedAtEveryBit_DecodesOrThrowsPixelDataExceptionNamingFrameOnly(int bitsAllocated, int samples, int planar)
    {
        var info = Info(5, 7, bitsAllocated, bitsAllocated, bitsAllocated - 1, false, samples == 3 ? "RGB" : "MONOCHROME2", samples, planar);
        var frame = RleEncode(info, Native(info, 2));
        var codec = new RleCodec();
        int refused = 0;
        for (int bit = 0; bit < frame.Length * 8; bit++)
        {
            var damaged = (byte[])frame.Clone();
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            try
            {
                Assert.Equal(info.FrameBytes, codec.Decode(damaged, info, 11).Bytes.Length);
            }
            catch (DicomPixelDataException e)
            {
                Assert.Equal(11, e.Frame);
                refused++;
            }
        }

        Assert.True(refused > 0, "no flipped frame was refused");
    }

    [Fact]
    public void DecodeFrame_RleFragmentDamagedEverywhere_ThrowsPixelDataExceptionNamingThatFrame()
    {
        // The same damage through DicomPixelData: truncating or overwriting frame 1's fragment names frame 1, frame 0 still decodes.
        var (info, natives, fragments) = RleFrames(2);
        var codecs = DicomCodecRegistry.CreateDefault();
        for (int cut = 0; cut < fragments[1].Length - 1; cut += 2)
        {
            var damaged = Even(fragments[1][..cut]);
            var pixels = Encapsulated(info, [fragments[0], damaged], Bot([0, 8 + (ulong)fragments[0].Length]));
            Assert.Equal(natives[0], pixels.DecodeFrame(0, codecs).Bytes);
            Assert.Equal(1, Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(1, codecs)).Frame);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static (DicomImageInfo Info, byte[][] Natives, byte[][] Fragments) RleFrames(int frames)
    {
        var info = Info(4, 5, 8, 8, 7, false, frames: frames);
        var natives = Enumerable.Range(0, frames).Select(f => Native(info, f)).ToArray();
        return (info, natives, [.. natives.Select(n => RleEncode(info, n))]);
    }

    private static byte[] Native(DicomImageInfo info, int seed)
    {
        var random = new Random(seed);
        var native = new byte[info.FrameBytes];
        for (int i = 0; i < native.Length; i++)
        {
            native[i] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)(i / 5 * 3);
        }

        return native;
    }

    private static byte[] RleEncode(DicomImageInfo info, byte[] native) => Even(new RleCodec().Encode(native, info, 0));

    private static byte[] Even(byte[] bytes) => bytes.Length % 2 == 0 ? bytes : [.. bytes, 0];

    private static int FindSof(byte[] jpeg)
    {
        for (int i = 0; i + 1 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC3 or 0xC7 or 0xC0 or 0xC1)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no SOF");
    }

    private static ulong[] ItemOffsets(byte[][] fragments)
    {
        var offsets = new ulong[fragments.Length];
        ulong position = 0;
        for (int i = 0; i < fragments.Length; i++)
        {
            offsets[i] = position;
            position += 8 + (ulong)fragments[i].Length;
        }

        return offsets;
    }

    private static byte[] Bot(ulong[] offsets) => Longs([.. offsets.Select(o => (uint)Math.Min(o, uint.MaxValue))]);

    private static DicomDataset EncapsulatedDataset(DicomImageInfo info, byte[][] fragments, byte[] bot, ulong[]? eot = null, ulong[]? eotLengths = null)
    {
        var ds = Dataset(info, []);
        ds.AddString(new DicomTag(0x0028, 0x0008), DicomVR.IS, info.NumberOfFrames.ToString(CultureInfo.InvariantCulture));
        if (eot is not null)
        {
            ds.AddValues(ExtendedOffsets, DicomVR.OV, eot);
        }

        if (eotLengths is not null)
        {
            ds.AddValues(ExtendedLengths, DicomVR.OV, eotLengths);
        }

        ds.AddOrUpdate(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.FromMemory(bot), fragments.Select(f => DicomBuffer.FromMemory(f))));
        return ds;
    }

    private static DicomPixelData Encapsulated(DicomImageInfo info, byte[][] fragments, byte[] bot, ulong[]? eot = null, ulong[]? eotLengths = null) =>
        DicomPixelData.Create(EncapsulatedDataset(info, fragments, bot, eot, eotLengths), DicomTransferSyntax.RleLossless);
}
