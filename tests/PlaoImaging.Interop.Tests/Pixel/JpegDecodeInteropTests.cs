using System.Buffers.Binary;
using System.Globalization;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Pixel;

/// <summary>
/// The JPEG codecs against the real toolkits. Native sources (8, 10, 12, 16 bits, signed, MONOCHROME1, RGB colour-by-pixel
/// and by-plane, YBR_FULL, odd sizes, multi-frame) are written by <c>make_jpeg_sources.py</c>, encoded by DCMTK
/// <c>dcmcjpeg</c> (baseline, extended, lossless with every selection value, SV1, point transform, progressive,
/// spectral selection, all its colour subsamplings) and GDCM <c>gdcmconv --jpeg</c> (lossless and lossy), then decoded by
/// DCMTK <c>dcmdjpeg</c> (the reference) and by ours; the reference frames are read back through our native frame path.
/// Sequential and lossless decoding must agree bit for bit (our sequential DCT decoder reproduces libjpeg's integer IDCT,
/// upsampling and colour conversion); progressive goes through JpegLibrary's float IDCT: within 1 for grey, 3 for colour.
/// Our lossless encoder's output is decoded by dcmdjpeg and by GDCM and must give the source frames back bit for bit.
/// </summary>
[Trait("Category", "slow")]
public class JpegDecodeInteropTests(ITestOutputHelper output)
{
    private static readonly string[] Sources =
    [
        "u8", "u8-odd", "u8-mono1", "u8-multi", "u10", "u12", "u12-mono1", "s12", "u16", "s16", "u16-multi",
        "rgb8", "rgb8-odd", "rgb8-planar", "rgb8-multi", "ybr-full",
    ];

    private static readonly string[] ColourSources = ["rgb8", "rgb8-odd", "rgb8-planar", "rgb8-multi", "ybr-full"];

    private static readonly string[] EightBitSources = ["u8", "u8-odd", "u8-mono1", "u8-multi", .. ColourSources];

    /// <summary>The JPEG files of the shared corpus, and dcm_qa_ts's two lossless copies of In/1.dcm.</summary>
    private static readonly string[] CorpusFiles =
    [
        "dcm_qa_ts/In/5.dcm",
        "dcm_qa_ts/In/6.dcm",
        "pydicom-data/data_store/data/JPEG-LL.dcm",
        "pydicom-data/data_store/data/JPGLosslessP14SV1_1s_1f_8b.dcm",
        "pydicom/src/pydicom/data/test_files/JPEG-lossy.dcm",
        "pydicom/src/pydicom/data/test_files/JPGExtended.dcm",
        "pydicom/src/pydicom/data/test_files/SC_jpeg_no_color_transform.dcm",
        "pydicom/src/pydicom/data/test_files/SC_jpeg_no_color_transform_2.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_dcmtk_+eb+cr.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_dcmtk_+eb+cy+n1.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_dcmtk_+eb+cy+n2.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_dcmtk_+eb+cy+np.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_dcmtk_+eb+cy+s2.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_dcmtk_+eb+cy+s4.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_jpeg_dcmtk.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_jpeg_gdcm.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_jpeg_lossy_gdcm.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_small_odd_jpeg.dcm",
        "pydicom/src/pydicom/data/test_files/examples_ybr_color.dcm",
    ];

    private static readonly Lazy<Built> Corpus = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static TheoryData<string> PeerEncodedCases => new(Cases().Select(c => c.Id));

    public static TheoryData<string> CorpusCases => new(CorpusFiles);

    public static TheoryData<string, int> EncodeCases
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var source in Sources.Where(s => s != "ybr-full"))
            {
                for (int predictor = 1; predictor <= 7; predictor++)
                {
                    data.Add(source, predictor);
                }

                data.Add(source, -2); // selection value 1 with a restart marker every 2 lines
            }

            return data;
        }
    }

    public static TheoryData<string> SyntheticCases => new(Synthetic().Select(s => s.Id));

    [Theory]
    [MemberData(nameof(PeerEncodedCases))]
    public void Decode_PeerEncodedFile_MatchesDcmdjpeg(string id)
    {
        var built = Corpus.Value;
        var path = built.Encoded[id];
        var reference = built.Reference[id];
        Assert.True(path is not null, $"{id}: the peer encoder failed: {built.Problems.GetValueOrDefault(id)}");
        Assert.True(reference is not null, $"{id}: dcmdjpeg failed: {built.Problems.GetValueOrDefault(id)}");
        bool progressive = id.Contains("+ep", StringComparison.Ordinal) || id.Contains("+es", StringComparison.Ordinal);
        var result = Compare(path!, reference!, viaBaselineCodec: progressive);
        output.WriteLine($"{id}: {result}");
        Assert.True(result.Mismatch is null, $"{id}: {result.Mismatch}");
        int tolerance = progressive ? (result.Colour ? 3 : 1) : 0;
        Assert.True(result.MaxDifference <= tolerance, $"{id}: max difference {result.MaxDifference} over {tolerance} ({result})");
    }

    [Theory]
    [MemberData(nameof(CorpusCases))]
    public void Decode_CorpusFile_MatchesDcmdjpeg(string relativePath)
    {
        var source = Path.Combine(Peers.RequireCorpus(), relativePath);
        Peers.Require("dcmdjpeg");
        var dir = Peers.ScratchDirectory("jpeg-corpus");
        var reference = Path.Combine(dir, "reference.dcm");
        Peers.RunOk("dcmdjpeg", source, reference);

        var result = Compare(source, reference, viaBaselineCodec: false);

        output.WriteLine($"{relativePath}: {result}");
        Assert.True(result.Mismatch is null, $"{relativePath}: {result.Mismatch}");
        Assert.Equal(0, result.MaxDifference);
    }

    [Theory]
    [InlineData("5.dcm")]
    [InlineData("6.dcm")]
    public void Decode_DcmQaTsLosslessCopy_EqualsNativeOriginal(string name)
    {
        var folder = Path.Combine(Peers.RequireCorpus(), "dcm_qa_ts", "In");
        var native = DicomPixelData.Create(DicomFile.Open(Path.Combine(folder, "1.dcm")));
        var encoded = DicomPixelData.Create(DicomFile.Open(Path.Combine(folder, name)));

        var decoded = encoded.DecodeFrame(0, DicomCodecRegistry.CreateDefault());

        Assert.Equal(native.GetNativeFrame(0), decoded.Bytes);
    }

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Encode_OursLossless_DcmdjpegAndGdcmGiveTheSourceBack(string source, int predictor)
    {
        var built = Corpus.Value;
        var sourcePath = Path.Combine(built.Directory, source + ".dcm");
        var dir = Peers.ScratchDirectory("jpeg-encode");
        var encodedPath = Path.Combine(dir, "ours.dcm");
        var file = DicomFile.Open(sourcePath);
        var pixels = DicomPixelData.Create(file);
        var syntax = predictor == 1 || predictor < 0 ? DicomTransferSyntax.JpegLosslessSV1 : DicomTransferSyntax.JpegLossless;
        WriteEncapsulated(file.Dataset, pixels.FrameCount, syntax, encodedPath, f => predictor < 0
            ? JpegLossless.Encode(pixels.GetNativeFrame(f), pixels.Info, 1, f, restartLines: -predictor)
            : new JpegLosslessCodec(predictor).Encode(pixels.GetNativeFrame(f), pixels.Info, f));

        foreach (var (tool, args) in new[] { ("dcmdjpeg", Array.Empty<string>()), ("gdcmconv", new[] { "--raw" }) })
        {
            var decodedPath = Path.Combine(dir, tool + ".dcm");
            Peers.RunOk(tool, [.. args, encodedPath, decodedPath]);
            var decoded = DicomPixelData.Create(DicomFile.Open(decodedPath));
            Assert.Equal(pixels.FrameCount, decoded.FrameCount);
            for (int f = 0; f < pixels.FrameCount; f++)
            {
                var expected = pixels.GetNativeFrame(f);
                var actual = decoded.GetNativeFrame(f);
                if (pixels.Info.PlanarConfiguration == 1 && decoded.Info.PlanarConfiguration == 0)
                {
                    expected = ColourByPixel(expected, pixels.Info);
                }

                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{source} predictor {predictor}: {tool} frame {f} differs from the source");
            }
        }

        // And ours reads its own files back through the registry.
        var ours = DicomPixelData.Create(DicomFile.Open(encodedPath));
        for (int f = 0; f < pixels.FrameCount; f++)
        {
            Assert.Equal(ColourByPixel(pixels.GetNativeFrame(f), pixels.Info), ours.DecodeFrame(f, DicomCodecRegistry.CreateDefault()).Bytes);
        }
    }

    [Theory]
    [MemberData(nameof(SyntheticCases))]
    public void Decode_HandBuiltStream_MatchesDcmdjpeg(string id)
    {
        // What dcmcjpeg never writes: 4:2:0 (libjpeg's two-dimensional "fancy" upsampling), restart intervals, one scan per component.
        Peers.Require("dcmdjpeg");
        var (_, photometric, width, height, stream) = Synthetic().Single(s => s.Id == id);
        var dir = Peers.ScratchDirectory("jpeg-synthetic");
        var encodedPath = Path.Combine(dir, "synthetic.dcm");
        var referencePath = Path.Combine(dir, "reference.dcm");
        var dataset = new DicomDataset();
        dataset.AddString(new DicomTag(0x0008, 0x0016), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7");
        dataset.AddString(new DicomTag(0x0008, 0x0018), DicomVR.UI, "1.2.826.0.1.3680043.10.98.7." + Math.Abs(id.GetHashCode(StringComparison.Ordinal)).ToString(CultureInfo.InvariantCulture));
        dataset.AddString(new DicomTag(0x0008, 0x0060), DicomVR.CS, "OT");
        dataset.AddValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)(photometric == "MONOCHROME2" ? 1 : 3));
        dataset.AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, photometric);
        if (photometric != "MONOCHROME2")
        {
            dataset.AddValues(new DicomTag(0x0028, 0x0006), DicomVR.US, (ushort)0);
        }

        dataset.AddValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)height);
        dataset.AddValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)width);
        dataset.AddValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)8);
        dataset.AddValues(new DicomTag(0x0028, 0x0101), DicomVR.US, (ushort)8);
        dataset.AddValues(new DicomTag(0x0028, 0x0102), DicomVR.US, (ushort)7);
        dataset.AddValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)0);
        WriteEncapsulated(dataset, 1, DicomTransferSyntax.JpegBaseline8Bit, encodedPath, _ => stream);
        Peers.RunOk("dcmdjpeg", encodedPath, referencePath);

        var result = Compare(encodedPath, referencePath, viaBaselineCodec: false);

        output.WriteLine($"{id}: {result}");
        Assert.True(result.Mismatch is null, $"{id}: {result.Mismatch}");
        Assert.Equal(0, result.MaxDifference);
    }

    [Fact]
    public void Decode_GdcmLossyTwelveBit_IsRefusedLikeDcmdjpeg()
    {
        // gdcmconv --jpeg --lossy on 12-bit data writes an extended (SOF1) frame of precision 16, which libjpeg refuses.
        var built = Corpus.Value;
        var path = Path.Combine(built.Directory, "gdcm-lossy-u12.dcm");
        Peers.RunOk("gdcmconv", "--jpeg", "--lossy", Path.Combine(built.Directory, "u12.dcm"), path);
        var (code, _, stderr) = Peers.Run("dcmdjpeg", [path, Path.Combine(built.Directory, "gdcm-lossy-u12.dec.dcm")]);
        Assert.True(code != 0, "dcmdjpeg decoded a precision-16 DCT frame");
        output.WriteLine("dcmdjpeg: " + stderr.Trim());

        var pixels = DicomPixelData.Create(DicomFile.Open(path));
        var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(0, DicomCodecRegistry.CreateDefault()));

        Assert.Equal(0, e.Frame);
        Assert.Contains("precision 16", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_AllPeerEncodedCases_ReportsAgreement()
    {
        var built = Corpus.Value;
        int exact = 0;
        int total = 0;
        int samples = 0;
        int differing = 0;
        int worstProgressive = 0;
        foreach (var c in Cases())
        {
            if (built.Encoded[c.Id] is not { } path || built.Reference[c.Id] is not { } reference)
            {
                continue;
            }

            bool progressive = c.Id.Contains("+ep", StringComparison.Ordinal) || c.Id.Contains("+es", StringComparison.Ordinal);
            var result = Compare(path, reference, progressive);
            total++;
            samples += result.Samples;
            differing += result.Differing;
            exact += result.MaxDifference == 0 && result.Mismatch is null ? 1 : 0;
            worstProgressive = progressive ? Math.Max(worstProgressive, result.MaxDifference) : worstProgressive;
        }

        output.WriteLine($"{exact} of {total} peer-encoded files bit-exact with dcmdjpeg; {differing} of {samples} samples differ (all progressive, JpegLibrary); worst progressive difference {worstProgressive}");
        Assert.True(total >= Cases().Count() - built.Problems.Count, "cases are missing");
    }

    // ---- corpus building ------------------------------------------------------------------------------------------

    private sealed record Case(string Id, string Source, string Tool, string[] Args);

    private sealed record Built(string Directory, Dictionary<string, string?> Encoded, Dictionary<string, string?> Reference, Dictionary<string, string> Problems);

    private sealed record Result(int Frames, int Samples, int Differing, int MaxDifference, bool Colour, string? Mismatch)
    {
        public override string ToString() =>
            Mismatch ?? $"{Frames} frame(s), {Samples} samples, {Differing} differ, max |difference| {MaxDifference}";
    }

    private static IEnumerable<Case> Cases()
    {
        foreach (var source in Sources)
        {
            var lossless = new List<string[]> { new[] { "+e1" } };
            lossless.AddRange(Enumerable.Range(1, 7).Select(sv => new[] { "+el", "+sv", sv.ToString(CultureInfo.InvariantCulture) }));
            if (source is "u8" or "u12" or "rgb8")
            {
                lossless.Add(["+el", "+sv", "1", "+pt", "2"]);
            }

            var lossy = new List<string[]> { new[] { "+eb" }, new[] { "+ee" }, new[] { "+ep" }, new[] { "+es" } };
            if (EightBitSources.Contains(source))
            {
                lossy.Add(["+eb", "+q", "40"]);
            }

            if (ColourSources.Contains(source))
            {
                lossy.AddRange([["+eb", "+s4"], ["+eb", "+n2"], ["+eb", "+n1"], ["+eb", "+np"]]);
            }

            foreach (var args in lossless.Concat(lossy))
            {
                yield return new Case($"{source} dcmcjpeg {string.Join(' ', args)}", source, "dcmcjpeg", args);
            }

            yield return new Case($"{source} gdcmconv --jpeg", source, "gdcmconv", ["--jpeg"]);
            if (EightBitSources.Contains(source))
            {
                yield return new Case($"{source} gdcmconv --jpeg --lossy", source, "gdcmconv", ["--jpeg", "--lossy"]);
            }
        }
    }

    private static Built Build()
    {
        foreach (var tool in new[] { "dcmcjpeg", "dcmdjpeg", "gdcmconv" })
        {
            Peers.Require(tool);
        }

        if (!File.Exists(TestCorpus.Python))
        {
            Peers.Require("python3 (python3-pydicom, at /usr/bin/python3)");
        }

        var dir = Peers.ScratchDirectory("jpeg-interop");
        var script = Path.Combine(Peers.RepositoryRoot, "tests", "PlaoImaging.Interop.Tests", "Pixel", "make_jpeg_sources.py");
        var (code, _, stderr) = Peers.Run(TestCorpus.Python, [script, dir], timeoutSeconds: 120);
        Assert.True(code == 0, "make_jpeg_sources.py exited " + code + ": " + stderr);

        var encoded = new Dictionary<string, string?>();
        var reference = new Dictionary<string, string?>();
        var problems = new Dictionary<string, string>();
        int n = 0;
        foreach (var c in Cases())
        {
            var path = Path.Combine(dir, $"case{n}.dcm");
            var referencePath = Path.Combine(dir, $"case{n}.ref.dcm");
            n++;
            var run = Peers.Run(c.Tool, [.. c.Args, Path.Combine(dir, c.Source + ".dcm"), path]);
            if (run.ExitCode != 0 || !File.Exists(path))
            {
                problems[c.Id] = $"{c.Tool} exited {run.ExitCode}: {run.Stderr}";
                encoded[c.Id] = reference[c.Id] = null;
                continue;
            }

            encoded[c.Id] = path;
            run = Peers.Run("dcmdjpeg", [path, referencePath]);
            reference[c.Id] = run.ExitCode == 0 ? referencePath : null;
            if (run.ExitCode != 0)
            {
                problems[c.Id] = $"dcmdjpeg exited {run.ExitCode}: {run.Stderr}";
            }
        }

        return new Built(dir, encoded, reference, problems);
    }

    private static IEnumerable<(string Id, string Photometric, int Width, int Height, byte[] Stream)> Synthetic()
    {
        static int Wave(int x, int y, int k) => (int)(100 * Math.Sin((x * 0.9) + (y * 1.7) + k)) + ((x * y) % 23);
        var full = Enumerable.Range(0, 3).Select(k => new JpegTestStreams.Component(1, 1, (x, y) => Wave(x, y, k))).ToArray();
        JpegTestStreams.Component[] yuv420 =
        [
            new(2, 2, (x, y) => Wave(x, y, 0)),
            new(1, 1, (x, y) => Wave(x, y, 1)),
            new(1, 1, (x, y) => Wave(x, y, 2)),
        ];
        JpegTestStreams.Component[] yuv422 =
        [
            new(2, 1, (x, y) => Wave(x, y, 0)),
            new(1, 1, (x, y) => Wave(x, y, 1)),
            new(1, 1, (x, y) => Wave(x, y, 2)),
        ];
        JpegTestStreams.Component[] yuv440 =
        [
            new(1, 2, (x, y) => Wave(x, y, 0)),
            new(1, 1, (x, y) => Wave(x, y, 1)),
            new(1, 1, (x, y) => Wave(x, y, 2)),
        ];
        yield return ("ybr-420", "YBR_FULL_422", 45, 35, JpegTestStreams.DcOnlyBaseline(45, 35, yuv420));
        yield return ("ybr-420-restart-1", "YBR_FULL_422", 45, 35, JpegTestStreams.DcOnlyBaseline(45, 35, yuv420, restartInterval: 1));
        yield return ("ybr-420-scan-per-component", "YBR_FULL_422", 45, 35, JpegTestStreams.DcOnlyBaseline(45, 35, yuv420, scanPerComponent: true));
        yield return ("ybr-422-restart-3", "YBR_FULL_422", 41, 18, JpegTestStreams.DcOnlyBaseline(41, 18, yuv422, restartInterval: 3));
        yield return ("ybr-440", "YBR_FULL", 30, 27, JpegTestStreams.DcOnlyBaseline(30, 27, yuv440));
        yield return ("ybr-444-restart-5-scan-per-component", "YBR_FULL", 50, 20, JpegTestStreams.DcOnlyBaseline(50, 20, full, restartInterval: 5, scanPerComponent: true));
        yield return ("gray-restart-2", "MONOCHROME2", 70, 9, JpegTestStreams.DcOnlyBaseline(70, 9, [full[0]], restartInterval: 2));

        // Luma 4×1, Cb 2×1 (2:1: upsampled smoothly), Cr 1×1 (4:1: repeated); interleaved, 7 blocks per MCU.
        JpegTestStreams.Component[] mixed =
        [
            new(4, 1, (x, y) => Wave(x, y, 0)),
            new(2, 1, (x, y) => Wave(x, y, 1)),
            new(1, 1, (x, y) => Wave(x, y, 2)),
        ];
        yield return ("ybr-mixed-sampling", "YBR_FULL", 75, 37, JpegTestStreams.DcOnlyBaseline(75, 37, mixed));

        // Luma 4×2, Cb 2×1, Cr 1×2: 12 blocks would not fit one interleaved MCU (at most 10), so one scan per component.
        JpegTestStreams.Component[] wide =
        [
            new(4, 2, (x, y) => Wave(x, y, 0)),
            new(2, 1, (x, y) => Wave(x, y, 1)),
            new(1, 2, (x, y) => Wave(x, y, 2)),
        ];
        yield return ("ybr-mixed-sampling-scan-per-component", "YBR_FULL", 75, 37, JpegTestStreams.DcOnlyBaseline(75, 37, wide, scanPerComponent: true));
    }

    // ---- comparison -----------------------------------------------------------------------------------------------

    /// <summary>Decodes <paramref name="path"/> with ours and compares every frame with dcmdjpeg's output.</summary>
    private static Result Compare(string path, string referencePath, bool viaBaselineCodec)
    {
        var ours = DicomPixelData.Create(DicomFile.Open(path));
        var reference = DicomPixelData.Create(DicomFile.Open(referencePath));
        var registry = DicomCodecRegistry.CreateDefault();
        bool colour = ours.Info.SamplesPerPixel == 3;
        if (ours.FrameCount != reference.FrameCount)
        {
            return new Result(0, 0, 0, 0, colour, $"{ours.FrameCount} frames; dcmdjpeg wrote {reference.FrameCount}");
        }

        int samples = 0;
        int differing = 0;
        int max = 0;
        for (int f = 0; f < ours.FrameCount; f++)
        {
            var decoded = viaBaselineCodec
                ? new JpegBaselineCodec().Decode(ours.GetEncodedFrame(f), ours.Info, f)
                : ours.DecodeFrame(f, registry);
            if (decoded.PhotometricInterpretation != reference.Info.PhotometricInterpretation)
            {
                return new Result(f, samples, differing, max, colour, $"photometric {decoded.PhotometricInterpretation}; dcmdjpeg wrote {reference.Info.PhotometricInterpretation}");
            }

            if (colour && decoded.PlanarConfiguration != reference.Info.PlanarConfiguration)
            {
                return new Result(f, samples, differing, max, colour, $"planar configuration {decoded.PlanarConfiguration}; dcmdjpeg wrote {reference.Info.PlanarConfiguration}");
            }

            var a = Samples(decoded.Bytes, ours.Info.BitsAllocated);
            var b = Samples(reference.GetNativeFrame(f), reference.Info.BitsAllocated);
            if (a.Length != b.Length)
            {
                return new Result(f, samples, differing, max, colour, $"{a.Length} samples; dcmdjpeg wrote {b.Length}");
            }

            for (int i = 0; i < a.Length; i++)
            {
                int d = Math.Abs(a[i] - b[i]);
                differing += d == 0 ? 0 : 1;
                max = Math.Max(max, d);
            }

            samples += a.Length;
        }

        return new Result(ours.FrameCount, samples, differing, max, colour, null);
    }

    private static int[] Samples(byte[] bytes, int bitsAllocated) => bitsAllocated == 8
        ? [.. bytes.Select(b => (int)b)]
        : [.. Enumerable.Range(0, bytes.Length / 2).Select(i => (int)BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i)))];

    private static byte[] ColourByPixel(byte[] native, DicomImageInfo info)
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

    /// <summary>Writes <paramref name="dataset"/> with its pixel data replaced by one fragment per frame.</summary>
    private static void WriteEncapsulated(DicomDataset dataset, int frames, DicomTransferSyntax syntax, string path, Func<int, byte[]> encode)
    {
        var fragments = new List<DicomBuffer>();
        for (int f = 0; f < frames; f++)
        {
            var codestream = encode(f);
            if (codestream.Length % 2 != 0)
            {
                codestream = [.. codestream, 0];
            }

            fragments.Add(DicomBuffer.FromMemory(codestream));
        }

        dataset.AddOrUpdate(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.Empty, fragments));
        new DicomFile(dataset, syntax).Save(path);
    }
}
