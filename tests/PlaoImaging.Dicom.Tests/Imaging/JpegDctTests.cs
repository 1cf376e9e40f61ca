using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>DCT JPEG (processes 1, 2 and 4; progressive through JpegLibrary): against dcmdjpeg's output and hand-built streams.</summary>
[Trait("Category", "unit")]
public class JpegDctTests
{
    public static TheoryData<string> SequentialVectors => new(JpegVectors.All.Where(v => !v.Name.Contains("progressive", StringComparison.Ordinal)).Select(v => v.Name));

    [Theory]
    [MemberData(nameof(SequentialVectors))]
    public void Decode_SequentialDcmtkVector_MatchesDcmdjpegBitForBit(string name)
    {
        var vector = JpegVectors.All.Single(v => v.Name == name);

        var decoded = new JpegBaselineCodec().Decode(vector.Codestream, vector.Info, 0);

        Assert.Equal(vector.Expected.AsSpan(0, (int)vector.Info.FrameBytes).ToArray(), decoded.Bytes);
        Assert.Equal(vector.ExpectedPhotometric, decoded.PhotometricInterpretation);
        Assert.Equal(0, decoded.PlanarConfiguration);
    }

    [Fact]
    public void Decode_ProgressiveGray_IsWithinOneOfDcmdjpeg()
    {
        var vector = JpegVectors.Gray8Progressive;

        var decoded = new JpegBaselineCodec().Decode(vector.Codestream, vector.Info, 0);

        Assert.Equal(vector.Info.FrameBytes, decoded.Bytes.Length);
        Assert.All(Enumerable.Range(0, decoded.Bytes.Length), i => Assert.InRange(decoded.Bytes[i] - vector.Expected[i], -1, 1));
    }

    [Fact]
    public void Decode_ProgressiveColour_IsCloseToDcmdjpeg()
    {
        // JpegLibrary's float IDCT: within 1 per YCbCr sample, so a few RGB samples land up to 3 away once converted.
        var vector = JpegVectors.Color422Progressive;

        var decoded = new JpegBaselineCodec().Decode(vector.Codestream, vector.Info, 0);

        Assert.Equal("RGB", decoded.PhotometricInterpretation);
        Assert.All(Enumerable.Range(0, decoded.Bytes.Length), i => Assert.InRange(decoded.Bytes[i] - vector.Expected[i], -3, 3));
    }

    [Fact]
    public void Decode_SignedYbr_ThrowsLikeDcmtk()
    {
        var vector = JpegVectors.Color422;
        var info = vector.Info with { IsSigned = true };

        var e = Assert.Throws<DicomPixelDataException>(() => new JpegBaselineCodec().Decode(vector.Codestream, info, 4));

        Assert.Equal(4, e.Frame);
    }

    [Fact]
    public void Decode_RgbPhotometricWithYccCodestream_KeepsTheComponentsLikeDcmtk()
    {
        // dcmdjpeg converts by Photometric Interpretation only: "RGB" gets the JPEG components as they are.
        var vector = JpegVectors.Color422;
        var info = vector.Info with { PhotometricInterpretation = "RGB" };

        var decoded = new JpegBaselineCodec().Decode(vector.Codestream, info, 0);

        Assert.Equal("RGB", decoded.PhotometricInterpretation);
        Assert.NotEqual(vector.Expected.AsSpan(0, decoded.Bytes.Length).ToArray(), decoded.Bytes);
    }

    [Fact]
    public void Decode_Precision8InBitsAllocated16_WritesWords()
    {
        var vector = JpegVectors.Gray8;
        var info = vector.Info with { BitsAllocated = 16, BitsStored = 12, HighBit = 11 };

        var decoded = new JpegBaselineCodec().Decode(vector.Codestream, info, 0);

        Assert.Equal(vector.Info.FrameBytes * 2, decoded.Bytes.Length);
        Assert.All(Enumerable.Range(0, (int)vector.Info.FrameBytes), i => Assert.Equal(vector.Expected[i], decoded.Bytes[2 * i] | (decoded.Bytes[(2 * i) + 1] << 8)));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(0, true)]
    [InlineData(2, true)]
    public void Decode_DcOnlyStreamWithRestartsOrScansPerComponent_GivesFlatBlocks(int restartInterval, bool scanPerComponent)
    {
        // Three full-resolution components under Photometric Interpretation RGB: no conversion, so each block is DC + 128.
        const int width = 37;
        const int height = 21;
        static int Dc(int k, int bx, int by) => ((bx * 29) + (by * 53) + (k * 71)) % 256 - 128;
        var components = Enumerable.Range(0, 3).Select(k => new JpegTestStreams.Component(1, 1, (bx, by) => Dc(k, bx, by))).ToArray();
        var stream = JpegTestStreams.DcOnlyBaseline(width, height, components, restartInterval, scanPerComponent);
        var info = ImageBuilder.Info(height, width, 8, 8, 7, false, "RGB", samples: 3);

        var decoded = new JpegBaselineCodec().Decode(stream, info, 0);

        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int k = 0; k < 3; k++)
                {
                    Assert.Equal(Dc(k, x / 8, y / 8) + 128, decoded.Bytes[(((y * width) + x) * 3) + k]);
                }
            }
        }
    }

    [Fact]
    public void Decode_DcOnly420_UpsamplesChromaSmoothlyAndConverts()
    {
        // 4:2:0: luma 2×2, chroma 1×1. Flat chroma upsamples to itself; the YCbCr → RGB result then follows libjpeg's formula.
        var components = new[]
        {
            new JpegTestStreams.Component(2, 2, (bx, by) => -28),
            new JpegTestStreams.Component(1, 1, (bx, by) => 0),
            new JpegTestStreams.Component(1, 1, (bx, by) => 100),
        };
        var stream = JpegTestStreams.DcOnlyBaseline(19, 13, components);
        var info = ImageBuilder.Info(13, 19, 8, 8, 7, false, "YBR_FULL_422", samples: 3);

        var decoded = new JpegBaselineCodec().Decode(stream, info, 0);

        // Y 100, Cb 128, Cr 228 → R 240, G 29, B 100.
        Assert.All(decoded.Bytes.Chunk(3), rgb => Assert.Equal([240, 29, 100], rgb));
    }

    [Fact]
    public void Upsample_H2V1_FollowsLibjpegTriangleFilter()
    {
        ushort[] plane = [10, 20, 40, 80];

        var output = JpegDct.Upsample(plane, 4, 1, 2, 1, 8, 1);

        // Ends copy the input; inside, (3·near + far + 1 or 2) / 4.
        Assert.Equal(new ushort[] { 10, 13, 17, 25, 35, 50, 70, 80 }, output);
    }

    [Fact]
    public void Upsample_H2V2_FollowsLibjpegTriangleFilter()
    {
        ushort[] plane = [0, 64, 128, 192, 255, 32];

        var output = JpegDct.Upsample(plane, 3, 2, 2, 2, 6, 4);

        // Column sums 3·near row + far row (edges repeated), then (3·this + other + 8 or 7) / 16 with 4·this at the ends.
        ushort[] expected =
        [
            0, 16, 48, 80, 112, 128,
            48, 64, 96, 110, 106, 104,
            144, 160, 191, 169, 94, 56,
            192, 208, 239, 199, 88, 32,
        ];
        Assert.Equal(expected, output);
    }

    [Fact]
    public void InverseDct_RandomBlocks_IsWithinOneOfExactTransform()
    {
        var random = new Random(9);
        Span<int> coefficients = stackalloc int[64];
        Span<int> quantization = stackalloc int[64];
        Span<long> workspace = stackalloc long[64];
        var output = new ushort[64];
        for (int trial = 0; trial < 500; trial++)
        {
            for (int i = 0; i < 64; i++)
            {
                coefficients[i] = i == 0 ? random.Next(-100, 100) : random.Next(8) == 0 ? random.Next(-10, 10) : 0; // in range: no wrap
                quantization[i] = random.Next(1, 12);
            }

            JpegDct.InverseDct(coefficients, quantization, workspace, output, 8, 2, 255);
            for (int y = 0; y < 8; y++)
            {
                for (int x = 0; x < 8; x++)
                {
                    double sum = 0;
                    for (int v = 0; v < 8; v++)
                    {
                        for (int u = 0; u < 8; u++)
                        {
                            double cu = u == 0 ? Math.Sqrt(0.5) : 1;
                            double cv = v == 0 ? Math.Sqrt(0.5) : 1;
                            sum += cu * cv * coefficients[(v * 8) + u] * quantization[(v * 8) + u]
                                * Math.Cos(((2 * x) + 1) * u * Math.PI / 16) * Math.Cos(((2 * y) + 1) * v * Math.PI / 16);
                        }
                    }

                    double exact = Math.Clamp(Math.Round((sum / 4) + 128), 0, 255);
                    Assert.InRange(output[(y * 8) + x] - exact, -1, 1);
                }
            }
        }
    }
}
