using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>
/// Broken JPEG codestreams: every failure is a <see cref="DicomPixelDataException"/> naming the frame, whatever the
/// damage (truncation anywhere, flipped bits, overwritten bytes, inconsistent headers), in bounded time and memory.
/// </summary>
[Trait("Category", "unit")]
public class JpegBadInputTests
{
    private const int Frame = 5;

    public static TheoryData<string> Streams => new(Samples().Select(s => s.Name));

    [Theory]
    [MemberData(nameof(Streams))]
    public void Decode_TruncatedAtEveryOffset_ThrowsPixelDataExceptionNamingFrame(string name)
    {
        var (_, info, padded) = Samples().Single(s => s.Name == name);
        var stream = padded[..JpegCodestream.Parse(padded, 0).End];
        var codec = new JpegBaselineCodec();
        for (int cut = 0; cut < stream.Length; cut++)
        {
            var e = Assert.Throws<DicomPixelDataException>(() => codec.Decode(stream.AsSpan(0, cut), info, Frame));
            Assert.Equal(Frame, e.Frame);
            Assert.Contains($"Frame {Frame + 1}: ", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(info.FrameBytes, codec.Decode(stream, info, Frame).Bytes.Length);
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void Decode_FlippedBitsAndOverwrittenBytes_DecodesOrThrowsPixelDataExceptionOnly(string name)
    {
        var (_, info, stream) = Samples().Single(s => s.Name == name);
        var codec = new JpegBaselineCodec();
        var random = new Random(name.Length * 7919);
        int failures = 0;
        for (int trial = 0; trial < 1000; trial++)
        {
            var damaged = (byte[])stream.Clone();
            int kind = trial % 3;
            if (kind == 0)
            {
                int bit = random.Next(damaged.Length * 8);
                damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            }
            else if (kind == 1)
            {
                for (int i = 0; i < 4; i++)
                {
                    damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
                }
            }
            else
            {
                // A run of 0xFF or 0x00 somewhere: markers appear where none belong, or lengths collapse.
                int at = random.Next(damaged.Length);
                damaged.AsSpan(at, Math.Min(3, damaged.Length - at)).Fill(random.Next(2) == 0 ? (byte)0xFF : (byte)0x00);
            }

            try
            {
                var decoded = codec.Decode(damaged, info, Frame);
                Assert.Equal(info.FrameBytes, decoded.Bytes.Length);
            }
            catch (DicomPixelDataException e)
            {
                Assert.Equal(Frame, e.Frame);
                failures++;
            }
        }

        Assert.True(failures > 0, "no damaged stream was refused");
    }

    [Fact]
    public void Decode_Garbage_ThrowsPixelDataException()
    {
        var info = ImageBuilder.Info(8, 8, 8, 8, 7, false);
        var codec = new JpegLosslessSV1Codec();
        var random = new Random(3);
        foreach (var data in new[] { [], [0xFF], [0xFF, 0xD8], [0xFF, 0xD8, 0xFF, 0xD9], new byte[100], RandomBytes(random, 300) })
        {
            Assert.Equal(Frame, Assert.Throws<DicomPixelDataException>(() => codec.Decode(data, info, Frame)).Frame);
        }

        for (int i = 0; i < 300; i++)
        {
            var data = RandomBytes(random, random.Next(4, 200));
            data[0] = 0xFF;
            data[1] = 0xD8;
            Assert.Equal(Frame, Assert.Throws<DicomPixelDataException>(() => codec.Decode(data, info, Frame)).Frame);
        }
    }

    [Fact]
    public void Decode_FrameHeaderDisagreesWithDataset_Throws()
    {
        var info = ImageBuilder.Info(9, 7, 16, 16, 15, false);
        var stream = JpegLossless.Encode(JpegLosslessTests.Frame(info, 1), info, 1, 0);
        var codec = new JpegLosslessCodec();

        Assert.Contains("Columns × Rows", Assert.Throws<DicomPixelDataException>(() => codec.Decode(stream, info with { Rows = 10 }, Frame)).Message, StringComparison.Ordinal);
        Assert.Contains("components", Assert.Throws<DicomPixelDataException>(() => codec.Decode(stream, info with { SamplesPerPixel = 3 }, Frame)).Message, StringComparison.Ordinal);
        Assert.Contains("precision 16", Assert.Throws<DicomPixelDataException>(() => codec.Decode(stream, info with { BitsAllocated = 8, BitsStored = 8, HighBit = 7 }, Frame)).Message, StringComparison.Ordinal);
        Assert.Throws<DicomPixelDataException>(() => codec.Decode(stream, info with { BitsAllocated = 32, BitsStored = 32, HighBit = 31 }, Frame));
    }

    [Fact]
    public void Decode_HugeDeclaredFrameWithTinyStream_ThrowsWithoutAllocatingTheFrame()
    {
        // 30000 × 30000 samples declared by both the dataset and the frame header; 40 bytes of entropy-coded data.
        var info = ImageBuilder.Info(30000, 30000, 8, 8, 7, false);
        var small = ImageBuilder.Info(4, 4, 8, 8, 7, false);
        var stream = JpegLossless.Encode(new byte[16], small, 1, 0);
        int sof = Array.IndexOf(stream, (byte)0xC3);
        stream[sof + 4] = 30000 >> 8;
        stream[sof + 5] = 30000 & 0xFF;
        stream[sof + 6] = 30000 >> 8;
        stream[sof + 7] = 30000 & 0xFF;
        long before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<DicomPixelDataException>(() => new JpegLosslessSV1Codec().Decode(stream, info, Frame));

        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the frame's planes were allocated");
    }

    public static TheoryData<string, string> BrokenStructures => new()
    {
        { "no SOI", "FFD9" },
        { "FF00 is not a marker", "FFD8 FF00 FFD9" },
        { "RST outside a scan", "FFD8 FFD0 FFD9" },
        { "segment length 1", "FFD8 FFE0 0001 FFD9" },
        { "segment longer than the data", "FFD8 FFE0 0040 0000 FFD9" },
        { "no frame header", "FFD8 FFE0 0004 0000 FFD9" },
        { "arithmetic coding", "FFD8 FFC9 000B 08 0008 0008 01 011100 FFD9" },
        { "hierarchical", "FFD8 FFC5 000B 08 0008 0008 01 011100 FFD9" },
        { "DNL height", "FFD8 FFC0 000B 08 0000 0008 01 011100 FFD9" },
        { "baseline precision 10", "FFD8 FFC0 000B 0A 0008 0008 01 011100 FFD9" },
        { "lossless precision 1", "FFD8 FFC3 000B 01 0008 0008 01 011100 FFD9" },
        { "sampling 5", "FFD8 FFC0 000B 08 0008 0008 01 015100 FFD9" },
        { "component twice", "FFD8 FFC0 0011 08 0008 0008 02 011100 011100 FFD9" },
        { "frame header length", "FFD8 FFC0 000C 08 0008 0008 01 011100 00 FFD9" },
        { "two frame headers", "FFD8 FFC0 000B 08 0008 0008 01 011100 FFC0 000B 08 0008 0008 01 011100 FFD9" },
        { "scan before frame", "FFD8 FFDA 0008 01 0100 003F00 00 FFD9" },
        { "scan of unknown component", "FFD8 FFC0 000B 08 0008 0008 01 011100 FFDA 0008 01 0200 003F00 00 FFD9" },
        { "11 blocks per interleaved MCU", "FFD8 FFC0 0011 08 0008 0008 03 014200 022100 031200 FFDA 000C 03 0100 0200 0300 003F00 00 FFD9" },
        { "progressive spectral selection past 63", "FFD8 FFC2 000B 08 0008 0008 01 011100 FFDA 0008 01 0100 014000 00 FFD9" },
        { "no scan", "FFD8 FFC0 000B 08 0008 0008 01 011100 FFD9" },
        { "undefined tables", "FFD8 FFC0 000B 08 0008 0008 01 011100 FFDA 0008 01 0100 003F00 0000 FFD9" },
        { "lossless undefined table", "FFD8 FFC3 000B 08 0008 0008 01 011100 FFDA 0008 01 0100 010000 " + Zeros16 + " FFD9" },
        { "Huffman table overflow", "FFD8 FFC3 000B 08 0001 0001 01 011100 FFC4 0016 00 0300000000000000 0000000000000000 010203 FFDA 0008 01 0100 010000 00 FFD9" },
        { "Huffman table cut short", "FFD8 FFC3 000B 08 0001 0001 01 011100 FFC4 0013 00 0100000000000000 0000000000000000 FFDA 0008 01 0100 010000 00 FFD9" },
        { "lossless predictor 0", "FFD8 FFC3 000B 08 0001 0001 01 011100 FFC4 0015 00 0100000000000000 0000000000000000 00 FFDA 0008 01 0100 000000 00 FFD9" },
        { "lossless point transform 8", "FFD8 FFC3 000B 08 0001 0001 01 011100 FFC4 0015 00 0100000000000000 0000000000000000 00 FFDA 0008 01 0100 010008 00 FFD9" },
    };

    private const string Zeros16 = "0000000000000000 0000000000000000";

    [Theory]
    [MemberData(nameof(BrokenStructures))]
    public void Decode_BrokenMarkerStructure_ThrowsPixelDataException(string problem, string hex)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));
        var info = ImageBuilder.Info(8, 8, 8, 8, 7, false);
        if (problem.Contains("lossless", StringComparison.Ordinal) || problem.StartsWith("Huffman", StringComparison.Ordinal))
        {
            info = ImageBuilder.Info(problem == "lossless undefined table" ? 8 : 1, problem == "lossless undefined table" ? 8 : 1, 8, 8, 7, false);
        }

        var e = Assert.Throws<DicomPixelDataException>(() => new JpegLosslessCodec().Decode(bytes, info, Frame));

        Assert.Equal(Frame, e.Frame);
    }

    [Fact]
    public void Decode_LosslessRestartMarkerWrongOrMissing_Throws()
    {
        var info = ImageBuilder.Info(6, 5, 8, 8, 7, false);
        var stream = JpegLossless.Encode(JpegLosslessTests.Frame(info, 2), info, 1, 0, restartLines: 2);
        int rst = IndexOfMarker(stream, 0xD0);
        var wrong = (byte[])stream.Clone();
        wrong[rst + 1] = 0xD3;
        var missing = stream.Take(rst).Concat(stream.Skip(rst + 2)).ToArray();

        Assert.Contains("RST0", Assert.Throws<DicomPixelDataException>(() => new JpegLosslessCodec().Decode(wrong, info, Frame)).Message, StringComparison.Ordinal);
        Assert.Throws<DicomPixelDataException>(() => new JpegLosslessCodec().Decode(missing, info, Frame));
    }

    [Fact]
    public void Decode_LosslessRestartIntervalNotWholeLines_Throws()
    {
        var info = ImageBuilder.Info(6, 5, 8, 8, 7, false);
        var stream = JpegLossless.Encode(JpegLosslessTests.Frame(info, 2), info, 1, 0, restartLines: 2);
        int dri = IndexOfMarker(stream, 0xDD);
        stream[dri + 5] = 7; // 7 samples: not a multiple of the 5-sample line

        Assert.Contains("restart interval", Assert.Throws<DicomPixelDataException>(() => new JpegLosslessCodec().Decode(stream, info, Frame)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_DctRestartMarkerWrong_Throws()
    {
        var components = new[] { new JpegTestStreams.Component(1, 1, (x, y) => x - y) };
        var stream = JpegTestStreams.DcOnlyBaseline(24, 16, components, restartInterval: 2);
        int rst = IndexOfMarker(stream, 0xD0);
        stream[rst + 1] = 0xD1;

        var e = Assert.Throws<DicomPixelDataException>(() => new JpegBaselineCodec().Decode(stream, ImageBuilder.Info(16, 24, 8, 8, 7, false), Frame));

        Assert.Equal(Frame, e.Frame);
    }

    private static IEnumerable<(string Name, DicomImageInfo Info, byte[] Stream)> Samples()
    {
        foreach (var vector in JpegVectors.All)
        {
            yield return (vector.Name, vector.Info, vector.Codestream);
        }

        var gray = ImageBuilder.Info(9, 13, 16, 16, 15, false);
        yield return ("lossless-16", gray, JpegLossless.Encode(JpegLosslessTests.Frame(gray, 4), gray, 6, 0));
        var rgb = ImageBuilder.Info(7, 6, 8, 8, 7, false, "RGB", samples: 3);
        yield return ("lossless-rgb-restarts", rgb, JpegLossless.Encode(JpegLosslessTests.Frame(rgb, 8), rgb, 1, 0, restartLines: 2));
        var components = new[]
        {
            new JpegTestStreams.Component(2, 2, (x, y) => (x * 9) - y),
            new JpegTestStreams.Component(1, 1, (x, y) => y - x),
            new JpegTestStreams.Component(1, 1, (x, y) => x + y),
        };
        yield return ("dct-420-restarts", ImageBuilder.Info(20, 35, 8, 8, 7, false, "YBR_FULL_422", samples: 3), JpegTestStreams.DcOnlyBaseline(35, 20, components, restartInterval: 1));
    }

    private static int IndexOfMarker(byte[] stream, byte marker)
    {
        for (int i = 0; i + 1 < stream.Length; i++)
        {
            if (stream[i] == 0xFF && stream[i + 1] == marker)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"marker FF{marker:X2} not found");
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
