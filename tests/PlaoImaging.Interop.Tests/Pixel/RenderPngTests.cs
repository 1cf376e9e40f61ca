using System.Buffers.Binary;
using System.IO.Compression;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Dicom.Imaging.Display;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Pixel;

/// <summary>
/// <c>plao render</c> end to end: PNGs kept under <c>artifacts/test-output/</c> for a person to look at (a lateral
/// lumbar spine-like MONOCHROME1 CR made at test time, the highdicom DX MONOCHROME1 image, the dcm_qa_ts MR slice,
/// a YBR_FULL_422 colour image). Each PNG is decoded here (our own minimal reader, not ImageSharp) and must hold
/// exactly what the in-process pipeline renders; the CR must show bone brighter than soft tissue brighter than air.
/// </summary>
public class RenderPngTests
{
    private static string OutputDirectory
    {
        get
        {
            var dir = Path.Combine(Peers.RepositoryRoot, "artifacts", "test-output");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    [Fact]
    public void Render_SyntheticLateralSpineCr_BoneBrightAirDark()
    {
        var source = PixelPeers.Source("cr-lateral-spine");
        var png = Path.Combine(OutputDirectory, "cr-lateral-spine-synthetic.png");

        var stdout = PixelPeers.PlaoOk("render", source, "--png", png);

        Assert.Contains("inverted", stdout, StringComparison.Ordinal);
        var (width, height, channels, pixels) = ReadPng(png);
        Assert.Equal((320, 384, 1), (width, height, channels));
        AssertSameAsInProcess(source, pixels, DicomRenderOptions.Default);
        int Mean(int row, int column)
        {
            int sum = 0;
            for (int r = row - 2; r <= row + 2; r++)
            {
                for (int c = column - 2; c <= column + 2; c++)
                {
                    sum += pixels[(r * width) + c];
                }
            }

            return sum / 25;
        }

        int air = Mean(5, 5);
        int soft = Mean(192, 60);
        int vertebra = Mean(28 + 27, 160);
        int cortex = Mean(28 + 2, 160);
        Assert.True(air < 40 && soft > air + 40 && vertebra > soft + 40 && cortex >= vertebra,
            $"air {air}, soft tissue {soft}, vertebral body {vertebra}, cortex {cortex}");
    }

    [Fact]
    public void Render_HighdicomDxMonochrome1_MatchesTheInProcessPipeline()
    {
        var source = Path.Combine(Peers.RequireCorpus(), "highdicom", "data", "test_files", "dx_image.dcm");
        var png = Path.Combine(OutputDirectory, "dx-image-monochrome1.png");

        PixelPeers.PlaoOk("render", source, "--png", png);

        var (_, _, channels, pixels) = ReadPng(png);
        Assert.Equal(1, channels);
        AssertSameAsInProcess(source, pixels, DicomRenderOptions.Default);
    }

    [Fact]
    public void Render_DcmQaTsMr_WithDatasetWindowAndExplicitWindow()
    {
        var source = Path.Combine(Peers.RequireCorpus(), "dcm_qa_ts", "In", "1.dcm");
        var png = Path.Combine(OutputDirectory, "mr-dcm-qa-ts-1.png");
        var windowed = Path.Combine(OutputDirectory, "mr-dcm-qa-ts-1-window-600-1200.png");

        PixelPeers.PlaoOk("render", source, "--png", png);
        PixelPeers.PlaoOk("render", source, "--png", windowed, "--window", "600,1200");

        AssertSameAsInProcess(source, ReadPng(png).Pixels, DicomRenderOptions.Default);
        AssertSameAsInProcess(source, ReadPng(windowed).Pixels, new DicomRenderOptions { Window = new DicomWindow(600, 1200) });
    }

    [Fact]
    public void Render_YbrFull422Colour_IsRgbPng()
    {
        var source = Path.Combine(Peers.RequireCorpus(), "pydicom", "src", "pydicom", "data", "test_files", "SC_ybr_full_422_uncompressed.dcm");
        var png = Path.Combine(OutputDirectory, "ybr-full-422.png");

        PixelPeers.PlaoOk("render", source, "--png", png);

        var (_, _, channels, pixels) = ReadPng(png);
        Assert.Equal(3, channels);
        AssertSameAsInProcess(source, pixels, DicomRenderOptions.Default);
        // The first band is red: YBR (76, 85, 255) → R ≈ 254, G ≈ 0, B ≈ 0 within JPEG-style rounding of the source.
        Assert.True(pixels[0] > 245 && pixels[1] < 10 && pixels[2] < 10, $"first pixel {pixels[0]},{pixels[1]},{pixels[2]}");
    }

    [Fact]
    public void Render_BadWindowOrFrame_ExitCode2()
    {
        var source = PixelPeers.Source("u8-mono2");
        var scratch = Peers.ScratchDirectory("render-errors");

        var (code, _, stderr) = PixelPeers.Plao("render", source, "--png", Path.Combine(scratch, "x.png"), "--window", "40");
        Assert.Equal(2, code);
        Assert.Contains("CENTER,WIDTH", stderr, StringComparison.Ordinal);
        (code, _, stderr) = PixelPeers.Plao("render", source, "--png", Path.Combine(scratch, "x.png"), "--frame", "3");
        Assert.Equal(2, code);
        Assert.Contains("frame 3 does not exist", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(scratch, "x.png")));
        Directory.Delete(scratch, recursive: true);
    }

    private static void AssertSameAsInProcess(string source, byte[] png, DicomRenderOptions options)
    {
        var dicom = DicomFile.Open(source);
        var samples = DicomFrameSamples.Read(DicomPixelData.Create(dicom), 0, DicomCodecRegistry.CreateDefault());
        var rendered = DicomFrameRenderer.Render(samples, DicomDisplayParameters.FromDataset(dicom.Dataset), options);
        Assert.Equal(rendered.Pixels, png);
    }

    /// <summary>A minimal PNG reader: 8-bit grayscale or RGB, not interlaced (what plao render writes).</summary>
    internal static (int Width, int Height, int Channels, byte[] Pixels) ReadPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), "not a PNG signature");
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (int p = 8; p < bytes.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(p));
            string type = System.Text.Encoding.ASCII.GetString(bytes, p + 4, 4);
            var data = bytes.AsSpan(p + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(8, data[8]);
                channels = data[9] switch { 0 => 1, 2 => 3, _ => throw new InvalidDataException($"PNG colour type {data[9]}") };
                Assert.Equal(0, data[12]);
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            p += 12 + length;
        }

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            z.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        int stride = width * channels;
        var pixels = new byte[stride * height];
        for (int row = 0; row < height; row++)
        {
            int filter = raw[row * (stride + 1)];
            for (int i = 0; i < stride; i++)
            {
                int x = raw[(row * (stride + 1)) + 1 + i];
                int a = i >= channels ? pixels[(row * stride) + i - channels] : 0;
                int b = row > 0 ? pixels[((row - 1) * stride) + i] : 0;
                int c = i >= channels && row > 0 ? pixels[((row - 1) * stride) + i - channels] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG filter {filter}"),
                };
                pixels[(row * stride) + i] = (byte)(x + predictor);
            }
        }

        return (width, height, channels, pixels);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a);
        int pb = Math.Abs(p - b);
        int pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
