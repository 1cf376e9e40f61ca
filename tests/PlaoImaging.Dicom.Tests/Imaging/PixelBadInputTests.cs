using System.Buffers.Binary;
using System.Globalization;
using PlaoImaging.Dicom.Imaging;
using Xunit;
using static PlaoImaging.Dicom.Tests.Imaging.ImageBuilder;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>
/// Pixel data that lies: offset tables past the end, off item boundaries, decreasing or of the wrong length; Number of
/// Frames larger than what is present or not a positive integer; 65535 × 65535 × 16-bit declared sizes; damaged RLE
/// frames. Every failure is a <see cref="DicomPixelDataException"/> naming the frame, before any large allocation, and
/// fails only the frames it concerns: a table that one fragment per frame or the start markers make unnecessary is read past.
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
    public void DecodeFrame_OffsetTableLiesOneFragmentPerFrame_EveryFrameDecodes(string lie, bool extended)
    {
        // As many fragments as frames are one frame each (PS3.5 A.4): the table is not needed, and DCMTK reads past it too.
        var (info, natives, fragments) = RleFrames(3);
        var offsets = Lie(lie, ItemOffsets(fragments), [0, 1, 2], fragments);
        var pixels = extended ? Encapsulated(info, fragments, [], eot: offsets) : Encapsulated(info, fragments, Bot(offsets));
        for (int f = 0; f < 3; f++)
        {
            Assert.Equal(natives[f], pixels.DecodeFrame(f, DicomCodecRegistry.CreateDefault()).Bytes);
        }

        Assert.Equal(3, pixels.PresentFrameCount);
    }

    [Theory]
    [MemberData(nameof(OffsetTableLies))]
    public void DecodeFrame_OffsetTableLiesFramesInTwoRleFragments_EachFrameThrowsNamingItselfAndTheTable(string lie, bool extended)
    {
        // RLE frames have no start marker to fall back on: no frame can be located, and each one says so for itself.
        var (info, _, whole) = RleFrames(3);
        var fragments = Split(whole);
        var offsets = Lie(lie, ItemOffsets(fragments), [0, 2, 4], fragments);
        var pixels = extended ? Encapsulated(info, fragments, [], eot: offsets) : Encapsulated(info, fragments, Bot(offsets));
        for (int f = 0; f < 3; f++)
        {
            var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(f, DicomCodecRegistry.CreateDefault()));
            Assert.Equal(f, e.Frame);
            Assert.StartsWith($"Frame {f + 1}: the frames cannot be located: the {(extended ? "Extended" : "Basic")} Offset Table", e.Message, StringComparison.Ordinal);
            Assert.Contains("3 frames declared, 6 fragments, and 0 codestream starts", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(OffsetTableLies))]
    public void DecodeFrame_OffsetTableLiesFramesInTwoJpegFragments_EveryFrameFoundByItsStartMarker(string lie, bool extended)
    {
        var info = Info(4, 5, 16, 12, 11, false, frames: 3);
        var natives = Enumerable.Range(0, 3).Select(f => Native(info, f)).ToArray();
        foreach (var native in natives)
        {
            for (int i = 1; i < native.Length; i += 2)
            {
                native[i] &= 0x0F;
            }
        }

        var fragments = Split([.. natives.Select(n => Even(new JpegLosslessSV1Codec().Encode(n, info, 0)))]);
        var offsets = Lie(lie, ItemOffsets(fragments), [0, 2, 4], fragments);
        var ds = extended ? EncapsulatedDataset(info, fragments, [], eot: offsets) : EncapsulatedDataset(info, fragments, Bot(offsets));
        var pixels = DicomPixelData.Create(ds, DicomTransferSyntax.JpegLosslessSV1);
        for (int f = 0; f < 3; f++)
        {
            Assert.Equal(natives[f], pixels.DecodeFrame(f, DicomCodecRegistry.CreateDefault()).Bytes);
        }
    }

    [Fact]
    public void DecodeFrame_BasicOffsetTableNotWholeOffsets_ReadPastForOneFragmentPerFrameElseNamed()
    {
        var (info, natives, fragments) = RleFrames(2);
        var pixels = Encapsulated(info, fragments, [0, 0, 0, 0, 1, 2]);
        Assert.Equal(natives[1], pixels.DecodeFrame(1, DicomCodecRegistry.CreateDefault()).Bytes);

        var split = Encapsulated(info, Split(fragments), [0, 0, 0, 0, 1, 2]);
        var e = Assert.Throws<DicomPixelDataException>(() => split.GetEncodedFrame(1));
        Assert.Equal(1, e.Frame);
        Assert.Contains("the Basic Offset Table of 6 bytes is not a whole number of 32-bit offsets", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeFrame_ExtendedOffsetTableLengthsCountDiffers_ThrowsPixelDataExceptionNamingFrame()
    {
        var (info, natives, whole) = RleFrames(3);
        var fragments = Split(whole);
        var offsets = ItemOffsets(fragments);
        var pixels = Encapsulated(info, fragments, [], eot: [offsets[0], offsets[2], offsets[4]], eotLengths: [(ulong)whole[0].Length, (ulong)whole[1].Length]);
        var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(0, DicomCodecRegistry.CreateDefault()));
        Assert.Equal(0, e.Frame);
        Assert.Contains("the Extended Offset Table lists 3 offsets but its Lengths 2", e.Message, StringComparison.Ordinal);

        var fine = Encapsulated(info, whole, [], eot: ItemOffsets(whole), eotLengths: [(ulong)whole[0].Length]);
        Assert.Equal(natives[2], fine.DecodeFrame(2, DicomCodecRegistry.CreateDefault()).Bytes);
    }

    [Fact]
    public void DecodeFrame_ExtendedOffsetTableNotEightByteValues_ThrowsPixelDataException()
    {
        var (info, _, fragments) = RleFrames(2);
        var ds = EncapsulatedDataset(info, Split(fragments), []);
        ds.AddBytes(ExtendedOffsets, DicomVR.OB, new byte[] { 0, 0, 0, 0, 0, 0 });
        var pixels = DicomPixelData.Create(ds, DicomTransferSyntax.RleLossless);
        var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(0, DicomCodecRegistry.CreateDefault()));
        Assert.Contains("Extended Offset Table", e.Message, StringComparison.Ordinal);
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
    public void DecodeFrame_FramesMoreThanRleFragmentsWithoutOffsetTable_EachFrameThrowsNamingItself()
    {
        // Without start markers, which frames the three fragments are cannot be known.
        var (_, _, fragments) = RleFrames(3);
        var info = Info(4, 5, 8, 8, 7, false, frames: 5);
        var pixels = Encapsulated(info, fragments, []);
        for (int f = 0; f < 5; f++)
        {
            var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(f, DicomCodecRegistry.CreateDefault()));
            Assert.Equal(f, e.Frame);
            Assert.Contains("5 frames declared, 3 fragments", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DecodeFrame_TwoBillionFramesDeclaredOverOneFragment_NothingSizedByTheDeclaration()
    {
        var (_, _, fragments) = RleFrames(1);
        var info = Info(4, 5, 8, 8, 7, false, frames: 2_000_000_000);
        var pixels = Encapsulated(info, fragments, []);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(1_999_999_999, DicomCodecRegistry.CreateDefault()));
        Assert.StartsWith("Frame 2000000000: the frames cannot be located", e.Message, StringComparison.Ordinal);
        var map = pixels.GetFrameFragmentMap();
        Assert.Equal(2_000_000_000, map.Count);
        Assert.Empty(map[0]);
        Assert.Equal(2_000_000_000, pixels.PresentFrameCount);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < OneMegabyte);
    }

    [Fact]
    public void DecodeFrame_FramesMoreThanJpegCodestreams_PresentFramesDecodeMissingOnesNamed()
    {
        // Each fragment starts a codestream: they are the first three frames, and the last two are missing (a cut transfer).
        var one = Info(4, 5, 8, 8, 7, false);
        var natives = Enumerable.Range(0, 3).Select(f => Native(one, f)).ToArray();
        var info = Info(4, 5, 8, 8, 7, false, frames: 5);
        var ds = EncapsulatedDataset(info, [.. natives.Select(n => Even(new JpegLosslessSV1Codec().Encode(n, one, 0)))], []);
        var pixels = DicomPixelData.Create(ds, DicomTransferSyntax.JpegLosslessSV1);
        var codecs = DicomCodecRegistry.CreateDefault();
        Assert.Equal(3, pixels.PresentFrameCount);
        Assert.Equal([[0], [1], [2], [], []], pixels.GetFrameFragmentMap().Select(f => f.ToArray()));
        for (int f = 0; f < 3; f++)
        {
            Assert.Equal(natives[f], pixels.DecodeFrame(f, codecs).Bytes);
        }

        for (int f = 3; f < 5; f++)
        {
            var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(f, codecs));
            Assert.Equal(f, e.Frame);
            Assert.StartsWith($"Frame {f + 1}: the frame is missing: the pixel data holds 3 fragments, one codestream each, for 5 frames", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DecodeFrame_FramesMoreThanJpegCodestreamsInFragments_ThrowsPixelDataException()
    {
        // Four fragments, two of them starting a codestream (SOI), but three frames declared.
        var info = Info(2, 2, 8, 8, 7, false, frames: 3);
        byte[][] fragments = [[0xFF, 0xD8, 1, 2], [3, 4, 5, 6], [0xFF, 0xD8, 7, 8], [0xFF, 0xD9]];
        var ds = EncapsulatedDataset(info, fragments, []);
        var pixels = DicomPixelData.Create(ds, DicomTransferSyntax.JpegLosslessSV1);
        for (int f = 0; f < 3; f++)
        {
            var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(f, DicomCodecRegistry.CreateDefault()));
            Assert.Equal(f, e.Frame);
            Assert.Contains("3 frames declared, 4 fragments, and 2 codestream starts", e.Message, StringComparison.Ordinal);
        }
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
                Assert.StartsWith("Frame 10: ", e.Message, StringComparison.Ordinal);
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

    [Fact]
    public void ToNative_SomeFramesDamaged_NamesTheFirstWithItsCauseAndEveryOther()
    {
        var (info, _, fragments) = RleFrames(6);
        byte[][] damaged = [fragments[0], Even(fragments[1][..10]), Even(fragments[2][..10]), fragments[3], Even(fragments[4][..10]), Even(fragments[5][..10])];
        var ds = EncapsulatedDataset(info, damaged, []);
        var e = Assert.Throws<DicomPixelDataException>(() => DicomTranscoder.ToNative(ds, DicomTransferSyntax.RleLossless, DicomCodecRegistry.CreateDefault()));
        Assert.Equal(1, e.Frame);
        Assert.Equal(2, e.FrameNumber);
        Assert.StartsWith("Frame 2: ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("; frames 3, 5-6 cannot be decoded either", e.Message, StringComparison.Ordinal);
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

    /// <summary>Each frame's fragment cut in two (even lengths), so that the offset table is needed to find the frames.</summary>
    private static byte[][] Split(byte[][] frames) =>
        [.. frames.SelectMany(f => new[] { f[..(f.Length / 4 * 2)], f[(f.Length / 4 * 2)..] })];

    /// <summary>An offset table for the frames starting at items <paramref name="firsts"/>, with the lie named.</summary>
    private static ulong[] Lie(string lie, ulong[] items, int[] firsts, byte[][] fragments)
    {
        ulong[] good = [.. firsts.Select(i => items[i])];
        ulong end = items[^1] + 8 + (ulong)fragments[^1].Length;
        return lie switch
        {
            "past-end" => [good[0], good[1], end + 8],
            "huge" => [good[0], good[1], ulong.MaxValue],
            "mid-item" => [good[0], good[1] + 4, good[2]],
            "decreasing" => [good[0], good[2], good[1]],
            "repeated" => [good[0], good[1], good[1]],
            "first-not-zero" => [good[1], good[2], end],
            "too-few" => [good[0], good[1]],
            "too-many" => [.. good, end],
            _ => throw new ArgumentOutOfRangeException(nameof(lie)),
        };
    }

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
