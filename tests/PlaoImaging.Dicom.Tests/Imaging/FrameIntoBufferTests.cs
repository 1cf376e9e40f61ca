using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Imaging.Display;
using Xunit;
using static PlaoImaging.Dicom.Tests.Imaging.ImageBuilder;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>
/// The frame access that writes into memory the caller owns (for buffers reused from frame to frame): the same bytes
/// and values as the allocating calls, with the destination's size checked and a frame's errors unchanged.
/// </summary>
[Trait("Category", "unit")]
public sealed class FrameIntoBufferTests
{
    [Fact]
    public void ReadNativeFrame_SameBytesAsGetNativeFrame_IntoALongerBuffer()
    {
        var info = Info(2, 3, 16, 12, 11, false, frames: 3);
        var pixels = DicomPixelData.Create(Dataset(info, Words([.. Enumerable.Range(100, 18)])), DicomTransferSyntax.ExplicitVRLittleEndian);
        var buffer = Enumerable.Repeat((byte)0xEE, 20).ToArray();

        pixels.ReadNativeFrame(2, buffer);

        Assert.Equal(pixels.GetNativeFrame(2), buffer[..12]);
        Assert.All(buffer[12..], b => Assert.Equal(0xEE, b));
        Assert.Throws<ArgumentException>(() => pixels.ReadNativeFrame(0, new byte[11]));
        Assert.Equal(3, Assert.Throws<DicomPixelDataException>(() => pixels.ReadNativeFrame(3, buffer)).Frame);
    }

    [Fact]
    public void ReadNativeFrame_OneBitFrames_RepackedAsGetNativeFrame()
    {
        var info = Info(3, 3, 1, 1, 0, false, frames: 2);
        var pixels = DicomPixelData.Create(Dataset(info, [0b1010_1101, 0b0110_0111, 0b0000_0001]), DicomTransferSyntax.ExplicitVRLittleEndian);
        var buffer = new byte[2];

        pixels.ReadNativeFrame(1, buffer);

        Assert.Equal(pixels.GetNativeFrame(1), buffer);
    }

    [Fact]
    public void ReadEncodedFrame_FragmentsJoined_AsGetEncodedFrame()
    {
        var info = Info(8, 8, 8, 8, 7, false, frames: 1);
        var ds = Dataset(info, new byte[64]);
        byte[] first = [0xFF, 0xD8, 1, 2, 3];
        byte[] second = [4, 5, 0xFF, 0xD9];
        ds.AddOrUpdate(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.Empty, [DicomBuffer.FromMemory(first), DicomBuffer.FromMemory(second)]));
        var pixels = DicomPixelData.Create(ds, DicomTransferSyntax.JpegBaseline8Bit);
        var buffer = new byte[16];

        int length = pixels.ReadEncodedFrame(0, buffer);

        Assert.Equal(9, length);
        Assert.Equal(9, pixels.EncodedFrameLength(0));
        Assert.Equal(pixels.GetEncodedFrame(0), buffer[..length]);
        Assert.Throws<ArgumentException>(() => pixels.ReadEncodedFrame(0, new byte[8]));
        Assert.Throws<DicomPixelDataException>(() => DicomPixelData.Create(Dataset(info, new byte[64]), DicomTransferSyntax.ExplicitVRLittleEndian).ReadEncodedFrame(0, buffer));
    }

    [Fact]
    public void DecodeEncodedFrame_SameAsDecodeFrame_ErrorsNamingTheFrame()
    {
        var info = Info(16, 16, 16, 12, 11, false);
        var native = Words([.. Enumerable.Range(0, 256).Select(i => (i * 37) % 4096)]);
        var encoded = new JpegLosslessSV1Codec().Encode(native, info, 0);
        var ds = Dataset(info, native);
        ds.AddOrUpdate(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.Empty, [DicomBuffer.FromMemory(encoded)]));
        var pixels = DicomPixelData.Create(ds, DicomTransferSyntax.JpegLosslessSV1);
        var codecs = DicomCodecRegistry.CreateDefault();
        var buffer = new byte[encoded.Length + 100];
        int length = pixels.ReadEncodedFrame(0, buffer);

        var decoded = pixels.DecodeEncodedFrame(buffer.AsSpan(0, length), 0, codecs);

        Assert.Equal(native, decoded.Bytes);
        Assert.Equal(pixels.DecodeFrame(0, codecs).Bytes, decoded.Bytes);
        var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeEncodedFrame(buffer.AsSpan(0, length / 3), 0, codecs));
        Assert.Equal(0, e.Frame);
        Assert.Throws<DicomPixelDataException>(() => pixels.DecodeEncodedFrame(buffer.AsSpan(0, length), 1, codecs));
    }

    [Theory]
    [InlineData(16, 12, 11, false)]
    [InlineData(16, 12, 11, true)]
    [InlineData(16, 16, 15, true)]
    [InlineData(16, 10, 13, false)]
    [InlineData(8, 8, 7, true)]
    [InlineData(8, 6, 6, false)]
    [InlineData(1, 1, 0, false)]
    public void UnpackStored_SameValuesAsUnpack(int allocated, int stored, int highBit, bool signed)
    {
        var info = Info(4, 5, allocated, stored, highBit, signed);
        var bytes = Enumerable.Range(0, (int)info.FrameBytes).Select(i => (byte)((i * 151) + 7)).ToArray();
        var destination = Enumerable.Repeat(-99, 25).ToArray();

        DicomFrameSamples.UnpackStored(bytes, info, destination);

        Assert.Equal(Expected(bytes, info), destination[..20]);
        Assert.Equal(destination[..20], DicomFrameSamples.Unpack(bytes, info).IntegerPlanes![0]);
        Assert.All(destination[20..], v => Assert.Equal(-99, v));
    }

    /// <summary>Stored values worked out here from PS3.5 8.1.1 (cells little-endian, bits from High Bit down, two's complement when signed).</summary>
    private static int[] Expected(byte[] bytes, DicomImageInfo info)
    {
        var values = new int[info.PixelCount];
        for (int p = 0; p < values.Length; p++)
        {
            long cell = info.BitsAllocated switch
            {
                1 => (bytes[p / 8] >> (p % 8)) & 1,
                8 => bytes[p],
                _ => bytes[2 * p] | (bytes[(2 * p) + 1] << 8),
            };
            long value = (cell >> (info.HighBit - info.BitsStored + 1)) % (1L << info.BitsStored);
            values[p] = (int)(info.IsSigned && value >= 1L << (info.BitsStored - 1) ? value - (1L << info.BitsStored) : value);
        }

        return values;
    }

    [Fact]
    public void UnpackStored_RefusesWhatIsNotOneIntegerSample()
    {
        Assert.Throws<DicomPixelDataException>(() => DicomFrameSamples.UnpackStored(new byte[24], Info(2, 2, 8, 8, 7, false, "RGB", samples: 3), new int[4]));
        Assert.Throws<DicomPixelDataException>(() => DicomFrameSamples.UnpackStored(new byte[16], Info(2, 2, 32, 32, 31, false), new int[4]));
        Assert.Equal(2, Assert.Throws<DicomPixelDataException>(() => DicomFrameSamples.UnpackStored(new byte[7], Info(2, 2, 16, 16, 15, false), new int[4], frame: 2)).Frame);
        Assert.Throws<ArgumentException>(() => DicomFrameSamples.UnpackStored(new byte[8], Info(2, 2, 16, 16, 15, false), new int[3]));
    }

    [Fact]
    public void ModalityApply_InPlaceOverTheSameMemory_SameAsAllocating()
    {
        int[] stored = [-5, 0, 7, 4095, 1234];
        var rescale = new DicomModalityTransform { Slope = 0.5, Intercept = -1024 };
        var values = new float[5];
        var asIntegers = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(values.AsSpan());
        stored.CopyTo(asIntegers);

        rescale.Apply(asIntegers, values);

        Assert.Equal(rescale.Apply(stored), values);
        Assert.Throws<ArgumentException>(() => rescale.Apply(stored, new float[4]));
    }
}
