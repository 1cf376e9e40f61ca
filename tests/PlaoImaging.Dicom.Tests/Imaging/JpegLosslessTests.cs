using System.Buffers.Binary;
using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>Lossless JPEG (process 14): our encoder and decoder, every predictor, every layout, restarts, scans per component.</summary>
[Trait("Category", "unit")]
public class JpegLosslessTests
{
    // bits allocated, bits stored, signed, samples, planar configuration
    private static readonly (int BitsAllocated, int BitsStored, bool Signed, int Samples, int Planar)[] Layouts =
    [
        (8, 8, false, 1, 0),
        (16, 12, false, 1, 0),
        (16, 12, true, 1, 0),
        (16, 16, false, 1, 0),
        (16, 16, true, 1, 0),
        (8, 8, false, 3, 0),
        (8, 8, false, 3, 1),
        (16, 16, false, 3, 0),
    ];

    public static TheoryData<int, int, bool, int, int, int> LayoutsAndPredictors
    {
        get
        {
            var data = new TheoryData<int, int, bool, int, int, int>();
            foreach (var (ba, bs, signed, samples, planar) in Layouts)
            {
                for (int predictor = 1; predictor <= 7; predictor++)
                {
                    data.Add(ba, bs, signed, samples, planar, predictor);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(LayoutsAndPredictors))]
    public void EncodeThenDecode_AnyLayoutAndPredictor_ReturnsEveryBitColourByPixel(int bitsAllocated, int bitsStored, bool signed, int samples, int planar, int predictor)
    {
        var info = ImageBuilder.Info(23, 31, bitsAllocated, bitsStored, bitsStored - 1, signed, samples == 3 ? "RGB" : "MONOCHROME2", samples, planar);
        var native = Frame(info, seed: predictor);
        var codec = new JpegLosslessCodec(predictor);

        var encoded = codec.Encode(native, info, 0);
        var decoded = codec.Decode(encoded, info, 0);

        Assert.Equal(ColourByPixel(native, info), decoded.Bytes);
        Assert.Equal(info.PhotometricInterpretation, decoded.PhotometricInterpretation);
        Assert.Equal(0, decoded.PlanarConfiguration);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 100)]
    [InlineData(100, 1)]
    [InlineData(2, 2)]
    public void EncodeThenDecode_TinyOrThinFrame_RoundTrips(int rows, int columns)
    {
        var info = ImageBuilder.Info(rows, columns, 16, 16, 15, false);
        var native = Frame(info, seed: rows * 1000 + columns);
        var codec = new JpegLosslessSV1Codec();

        Assert.Equal(native, codec.Decode(codec.Encode(native, info, 0), info, 0).Bytes);
    }

    [Fact]
    public void Encode_SV1Codec_WritesSof3WithPrecisionBitsAllocatedAndSelectionValue1()
    {
        var info = ImageBuilder.Info(8, 8, 16, 12, 11, false);
        var encoded = new JpegLosslessSV1Codec().Encode(Frame(info, 1), info, 0);

        var stream = JpegCodestream.Parse(encoded, 0);
        Assert.Equal(JpegProcess.Lossless, stream.Frame.Process);
        Assert.Equal(16, stream.Frame.Precision);
        var scan = stream.Segments.Single(s => s.Marker == 0xDA);
        Assert.Equal(1, encoded[scan.Start + 1 + (2 * encoded[scan.Start])]);
        Assert.Equal(encoded.Length, stream.End);
    }

    [Fact]
    public void Encode_SmoothImage_IsSmallerThanNative()
    {
        var info = ImageBuilder.Info(64, 64, 16, 12, 11, false);
        var native = new byte[info.FrameBytes];
        for (int y = 0; y < 64; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(native.AsSpan(2 * ((y * 64) + x)), (ushort)(1000 + (x * 7) + (y * 3)));
            }
        }

        var encoded = new JpegLosslessSV1Codec().Encode(native, info, 0);

        Assert.True(encoded.Length < native.Length / 3, $"{encoded.Length} bytes for {native.Length} native");
    }

    [Fact]
    public void Encode_DifferencesOfExactly32768_UseCategory16AndRoundTrip()
    {
        // 0, 32768, 0, 32768 ... : every horizontal difference is ±32768, which lossless JPEG codes as category 16.
        var info = ImageBuilder.Info(4, 9, 16, 16, 15, false);
        var native = ImageBuilder.Words([.. Enumerable.Range(0, 36).Select(i => (i % 2) * 32768)]);
        var codec = new JpegLosslessSV1Codec();

        Assert.Equal(native, codec.Decode(codec.Encode(native, info, 0), info, 0).Bytes);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 6)]
    [InlineData(5, 7)]
    public void Decode_RestartIntervals_RoundTrip(int restartLines, int predictor)
    {
        var info = ImageBuilder.Info(17, 13, 8, 8, 7, false, "RGB", samples: 3);
        var native = Frame(info, seed: 77);

        var encoded = JpegLossless.Encode(native, info, predictor, 0, restartLines);
        var decoded = new JpegLosslessCodec().Decode(encoded, info, 0);

        Assert.Contains(JpegCodestream.Parse(encoded, 0).Segments, s => s.Marker == 0xDD);
        Assert.Equal(native, decoded.Bytes);
    }

    [Fact]
    public void Decode_OneScanPerComponent_RoundTrips()
    {
        // Three one-component codestreams spliced into one frame of three scans, each with its own Huffman table.
        var info = ImageBuilder.Info(11, 14, 16, 16, 15, false, "RGB", samples: 3, planar: 1);
        var native = Frame(info, seed: 5);
        var plane = ImageBuilder.Info(11, 14, 16, 16, 15, false);
        int planeBytes = (int)plane.FrameBytes;
        var parts = Enumerable.Range(0, 3)
            .Select(s => JpegLossless.Encode(native.AsSpan(s * planeBytes, planeBytes), plane, s + 1, 0))
            .ToArray();

        var spliced = new List<byte> { 0xFF, 0xD8, 0xFF, 0xC3, 0, 17, 16, 0, 11, 0, 14, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0 };
        for (int s = 0; s < 3; s++)
        {
            var stream = JpegCodestream.Parse(parts[s], 0);
            var table = stream.Segments.Single(g => g.Marker == 0xC4);
            var scan = stream.Segments.Single(g => g.Marker == 0xDA);
            spliced.AddRange(parts[s].AsSpan(table.Start - 4, table.Length + 4).ToArray());
            var header = parts[s].AsSpan(scan.Start - 4, scan.Length + 4).ToArray();
            header[5] = (byte)(s + 1); // the scan's component id
            spliced.AddRange(header);
            spliced.AddRange(parts[s].AsSpan(scan.EntropyStart, scan.EntropyLength).ToArray());
        }

        spliced.AddRange(new byte[] { 0xFF, 0xD9 });
        var decoded = new JpegLosslessCodec().Decode(spliced.ToArray(), info, 0);

        Assert.Equal(ColourByPixel(native, info), decoded.Bytes);
    }

    [Fact]
    public void Decode_YbrFullLossless_IsConvertedToRgbLikeDcmtk()
    {
        // DCMTK converts YCbCr to RGB whenever the Photometric Interpretation says YBR, lossless or not.
        var info = ImageBuilder.Info(2, 2, 8, 8, 7, false, "YBR_FULL", samples: 3);
        byte[] native = [100, 128, 228, 128, 128, 128, 255, 128, 128, 0, 128, 128];

        var decoded = new JpegLosslessSV1Codec().Decode(new JpegLosslessSV1Codec().Encode(native, info, 0), info, 0);

        Assert.Equal("RGB", decoded.PhotometricInterpretation);
        Assert.Equal([240, 29, 100, 128, 128, 128, 255, 255, 255, 0, 0, 0], decoded.Bytes);
    }

    [Fact]
    public void Decode_SampleOfOneComponentYbr_IsMonochrome2LikeLibjpeg()
    {
        var info = ImageBuilder.Info(3, 3, 8, 8, 7, false, "YBR_FULL");
        var native = Frame(info, 3);

        var decoded = new JpegLosslessSV1Codec().Decode(new JpegLosslessSV1Codec().Encode(native, info, 0), info, 0);

        Assert.Equal("MONOCHROME2", decoded.PhotometricInterpretation);
        Assert.Equal(native, decoded.Bytes);
    }

    [Fact]
    public void Encode_Unsupported_ThrowsPixelDataOrNotSupported()
    {
        var codec = new JpegLosslessSV1Codec();
        var ba32 = ImageBuilder.Info(2, 2, 32, 32, 31, false);
        var ybr422 = ImageBuilder.Info(2, 2, 8, 8, 7, false, "YBR_FULL_422", samples: 3);
        var short16 = ImageBuilder.Info(2, 2, 16, 16, 15, false);

        Assert.Throws<DicomPixelDataException>(() => codec.Encode(new byte[16], ba32, 0));
        Assert.Throws<DicomPixelDataException>(() => codec.Encode(new byte[12], ybr422, 0));
        Assert.Throws<DicomPixelDataException>(() => codec.Encode(new byte[7], short16, 0));
        Assert.Throws<NotSupportedException>(() => new JpegBaselineCodec().Encode(new byte[8], short16, 0));
        Assert.Throws<NotSupportedException>(() => new JpegExtendedCodec().Encode(new byte[8], short16, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new JpegLosslessCodec(8));
    }

    [Fact]
    public void Registry_CreateDefault_HasTheFourJpegSyntaxes()
    {
        var registry = DicomCodecRegistry.CreateDefault();

        Assert.IsType<JpegBaselineCodec>(registry.Get(DicomTransferSyntax.JpegBaseline8Bit));
        Assert.IsType<JpegExtendedCodec>(registry.Get(DicomTransferSyntax.JpegExtended12Bit));
        Assert.IsType<JpegLosslessCodec>(registry.Get(DicomTransferSyntax.JpegLossless));
        Assert.IsType<JpegLosslessSV1Codec>(registry.Get(DicomTransferSyntax.JpegLosslessSV1));
        Assert.True(registry.Get(DicomTransferSyntax.JpegLosslessSV1).CanEncode);
        Assert.False(registry.Get(DicomTransferSyntax.JpegBaseline8Bit).CanEncode);
    }

    [Fact]
    public void HuffmanBuild_SkewedHistogram_LimitsCodesTo16BitsWithoutAllOnesCode()
    {
        // Fibonacci counts give a Huffman tree 17 deep: the K.3 adjustment must bring it to 16 bits.
        var histogram = new long[17];
        long a = 1;
        long b = 1;
        for (int i = 0; i < 17; i++)
        {
            histogram[i] = a;
            (a, b) = (b, a + b);
        }

        var (bits, values) = JpegHuffmanEncoding.Build(histogram);

        Assert.Equal(17, values.Length);
        Assert.Equal(17, bits.Sum(x => x));
        double kraft = bits.Select((count, i) => count / Math.Pow(2, i + 1)).Sum();
        Assert.True(kraft < 1, $"Kraft sum {kraft}: the all-ones code must stay free");
        var table = new byte[16 + values.Length];
        bits.CopyTo(table, 0);
        values.CopyTo(table, 16);
        JpegHuffmanDecodingTable.Parse(table, 0, out int consumed);
        Assert.Equal(table.Length, consumed);
    }

    /// <summary>A frame of random cells (every bit, garbage above High Bit included) with a smooth region and extremes.</summary>
    internal static byte[] Frame(DicomImageInfo info, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[info.FrameBytes];
        random.NextBytes(bytes);
        int half = bytes.Length / 2;
        int step = info.BitsAllocated / 8;
        for (int i = 0; i + step <= half; i += step)
        {
            int value = (i / step * 5) % (1 << info.BitsAllocated);
            if (step == 1)
            {
                bytes[i] = (byte)value;
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i), (ushort)(value * 37));
            }
        }

        if (bytes.Length >= 2 * step)
        {
            bytes.AsSpan(0, step).Fill(0xFF);
        }

        return bytes;
    }

    /// <summary>The native frame with colour-by-plane samples put colour-by-pixel, as decoders return them.</summary>
    internal static byte[] ColourByPixel(byte[] native, DicomImageInfo info)
    {
        if (info.SamplesPerPixel == 1 || info.PlanarConfiguration == 0)
        {
            return native;
        }

        int step = info.BitsAllocated / 8;
        int pixels = info.PixelCount;
        var result = new byte[native.Length];
        for (int s = 0; s < 3; s++)
        {
            for (int p = 0; p < pixels; p++)
            {
                native.AsSpan(((s * pixels) + p) * step, step).CopyTo(result.AsSpan(((p * 3) + s) * step));
            }
        }

        return result;
    }
}
