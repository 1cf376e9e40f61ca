using System.Buffers.Binary;
using PlaoImaging.Dicom.Imaging;
using Xunit;
using static PlaoImaging.Dicom.Tests.Imaging.ImageBuilder;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>
/// Sample extraction: every Bits Allocated, Bits Stored / High Bit masking and sign extension, planar configurations,
/// native 4:2:2, real pixel data, and frame-wise access through <see cref="DicomPixelData"/>.
/// </summary>
[Trait("Category", "unit")]
public class DicomFrameSamplesTests
{
    [Fact]
    public void Unpack_OneBit_FirstPixelInLeastSignificantBit()
    {
        var info = Info(2, 4, 1, 1, 0, false);

        var samples = DicomFrameSamples.Unpack([0b1011_0010], info);

        Assert.Equal([0, 1, 0, 0, 1, 1, 0, 1], samples.IntegerPlanes![0]);
    }

    [Fact]
    public void Read_OneBitMultiFrame_FramesArePackedWithoutPadding()
    {
        // 3 x 3 = 9 bits a frame: frame 1 starts at bit 9 of the value, in the middle of byte 1.
        var info = Info(3, 3, 1, 1, 0, false, frames: 2);
        int[] frame0 = [1, 0, 1, 1, 0, 0, 1, 1, 1];
        int[] frame1 = [0, 1, 1, 0, 1, 0, 0, 0, 1];
        var packed = new byte[3];
        int[] all = [.. frame0, .. frame1];
        for (int i = 0; i < all.Length; i++)
        {
            packed[i / 8] |= (byte)(all[i] << (i % 8));
        }

        var pixels = DicomPixelData.Create(Dataset(info, packed), DicomTransferSyntax.ExplicitVRLittleEndian);

        Assert.Equal(frame0, DicomFrameSamples.Read(pixels, 0, new DicomCodecRegistry()).IntegerPlanes![0]);
        Assert.Equal(frame1, DicomFrameSamples.Read(pixels, 1, new DicomCodecRegistry()).IntegerPlanes![0]);
    }

    [Fact]
    public void Unpack_Signed12In16_MasksUnusedBitsAndSignExtends()
    {
        var info = Info(1, 6, 16, 12, 11, true);

        var samples = DicomFrameSamples.Unpack(Words(0x0FFF, 0x0800, 0x07FF, 0xF123, 0x0000, 0xA001), info);

        Assert.Equal([-1, -2048, 2047, 0x123, 0, 1], samples.IntegerPlanes![0]);
        Assert.Equal(-2048, samples.MinimumStorable);
        Assert.Equal(2047, samples.MaximumStorable);
    }

    [Theory]
    [InlineData(false, new[] { 4095, 1, 2048 })]
    [InlineData(true, new[] { -1, 1, -2048 })]
    public void Unpack_StoredBitsAtTheTop_ShiftsThemDown(bool signed, int[] expected)
    {
        // Bits Stored 12, High Bit 15: the sample is bits 4..15; bits 0..3 are not part of it.
        var info = Info(1, 3, 16, 12, 15, signed);

        var samples = DicomFrameSamples.Unpack(Words(0xFFF0, 0x001F, 0x800F), info);

        Assert.Equal(expected, samples.IntegerPlanes![0]);
    }

    [Fact]
    public void Unpack_Eight_And_ThirtyTwoBitSigned()
    {
        Assert.Equal([0, 127, 255], DicomFrameSamples.Unpack([0, 127, 255], Info(1, 3, 8, 8, 7, false)).IntegerPlanes![0]);
        Assert.Equal([-128, 127], DicomFrameSamples.Unpack([0x80, 0x7F], Info(1, 2, 8, 8, 7, true)).IntegerPlanes![0]);
        Assert.Equal([-2, 70000], DicomFrameSamples.Unpack(Longs(0xFFFFFFFE, 70000), Info(1, 2, 32, 32, 31, true)).IntegerPlanes![0]);
    }

    [Fact]
    public void Unpack_Unsigned32AboveIntRange_ComesAsReal()
    {
        var samples = DicomFrameSamples.Unpack(Longs(0xFFFFFFFF, 5), Info(1, 2, 32, 32, 31, false));

        Assert.True(samples.IsReal);
        Assert.Equal([4294967295f, 5f], samples.RealPlanes![0]);

        // Values that fit stay integers.
        Assert.Equal([7, 5], DicomFrameSamples.Unpack(Longs(7, 5), Info(1, 2, 32, 32, 31, false)).IntegerPlanes![0]);
    }

    [Fact]
    public void Unpack_RgbPlanar0And1_GiveTheSamePlanes()
    {
        byte[] byPixel = [10, 20, 30, 11, 21, 31, 12, 22, 32, 13, 23, 33];
        byte[] byPlane = [10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33];

        var a = DicomFrameSamples.Unpack(byPixel, Info(2, 2, 8, 8, 7, false, "RGB", samples: 3, planar: 0));
        var b = DicomFrameSamples.Unpack(byPlane, Info(2, 2, 8, 8, 7, false, "RGB", samples: 3, planar: 1));

        Assert.Equal([10, 11, 12, 13], a.IntegerPlanes![0]);
        Assert.Equal([20, 21, 22, 23], a.IntegerPlanes[1]);
        Assert.Equal([30, 31, 32, 33], a.IntegerPlanes[2]);
        for (int s = 0; s < 3; s++)
        {
            Assert.Equal(a.IntegerPlanes[s], b.IntegerPlanes![s]);
        }
    }

    [Fact]
    public void Unpack_NativeYbrFull422_TwoLumaPerChromaPair_OddColumns()
    {
        // 2 rows x 3 columns: each row holds two pairs (Y1 Y2 Cb Cr); the last pair's Y2 is past the image.
        var info = Info(2, 3, 8, 8, 7, false, "YBR_FULL_422", samples: 3);
        byte[] native = [10, 20, 100, 200, 30, 99, 110, 210, 40, 50, 120, 220, 60, 0, 130, 230];
        Assert.Equal(16, info.NativeFrameBytes);

        var samples = DicomFrameSamples.Unpack(native, info);

        Assert.Equal([10, 20, 30, 40, 50, 60], samples.IntegerPlanes![0]);
        Assert.Equal([100, 100, 110, 120, 120, 130], samples.IntegerPlanes[1]);
        Assert.Equal([200, 200, 210, 220, 220, 230], samples.IntegerPlanes[2]);
    }

    [Fact]
    public void Read_NativeYbrFull422MultiFrame_SlicesSubsampledFrames()
    {
        var info = Info(1, 2, 8, 8, 7, false, "YBR_FULL_422", samples: 3, frames: 2);
        var pixels = DicomPixelData.Create(Dataset(info, [1, 2, 3, 4, 5, 6, 7, 8]), DicomTransferSyntax.ExplicitVRLittleEndian);

        Assert.Equal([5, 6, 7, 8], pixels.GetNativeFrame(1));
        var samples = DicomFrameSamples.Read(pixels, 1, new DicomCodecRegistry());
        Assert.Equal([5, 6], samples.IntegerPlanes![0]);
        Assert.Equal([7, 7], samples.IntegerPlanes[1]);
        Assert.Equal([8, 8], samples.IntegerPlanes[2]);
    }

    [Fact]
    public void Unpack_DecoderThatUpsampledButKept422Name_IsReadAsWholeSamples()
    {
        var info = Info(1, 2, 8, 8, 7, false, "YBR_FULL_422", samples: 3);
        var decoded = new DicomDecodedFrame([1, 2, 3, 4, 5, 6], "YBR_FULL_422", 0);

        var samples = DicomFrameSamples.Unpack(decoded, info);

        Assert.Equal([1, 4], samples.IntegerPlanes![0]);
        Assert.Equal([2, 5], samples.IntegerPlanes[1]);
        Assert.Equal([3, 6], samples.IntegerPlanes[2]);
    }

    [Fact]
    public void Unpack_FloatAndDoubleFloatPixelData()
    {
        var floats = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(floats, 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(4), -2.25f);
        var doubles = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(doubles, 3.125);

        Assert.Equal([1.5f, -2.25f], DicomFrameSamples.Unpack(floats, Info(1, 2, 32, 32, 31, true, isFloat: true)).RealPlanes![0]);
        Assert.Equal([3.125f], DicomFrameSamples.Unpack(doubles, Info(1, 1, 64, 64, 63, true, isFloat: true)).RealPlanes![0]);
    }

    [Fact]
    public void Read_FloatPixelDataFromDataset_UsesTheFloatElement()
    {
        var info = Info(1, 2, 32, 32, 31, true, isFloat: true);
        var bytes = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4), 0.25f);

        var dataset = Dataset(info, bytes);
        var pixels = DicomPixelData.Create(dataset, DicomTransferSyntax.ExplicitVRLittleEndian);

        Assert.True(pixels.Info.IsFloat);
        Assert.Equal([0f, 0.25f], DicomFrameSamples.Read(pixels, 0, new DicomCodecRegistry()).RealPlanes![0]);
    }

    [Fact]
    public void Read_MultiFrame_ReturnsOnlyTheFrameAskedFor()
    {
        var info = Info(1, 2, 16, 16, 15, false, frames: 3);
        var pixels = DicomPixelData.Create(Dataset(info, Words(1, 2, 3, 4, 5, 6)), DicomTransferSyntax.ExplicitVRLittleEndian);

        Assert.Equal([5, 6], DicomFrameSamples.Read(pixels, 2, new DicomCodecRegistry()).IntegerPlanes![0]);
    }

    [Fact]
    public void Unpack_TooFewBytes_ThrowsNamingTheFrame()
    {
        var e = Assert.Throws<DicomPixelDataException>(() => DicomFrameSamples.Unpack([1, 2, 3], Info(2, 2, 8, 8, 7, false), frame: 4));
        Assert.Equal(4, e.Frame);
    }
}
