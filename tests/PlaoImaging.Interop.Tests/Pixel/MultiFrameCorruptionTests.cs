using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Pixel;

/// <summary>
/// A 12-frame JPEG baseline file (<c>dcmcjpeg +eb</c> of a native file from <c>make_corrupt_frames.py</c>) with frame 5
/// damaged one way per case, against DCMTK. Every other frame decodes bit for bit as <c>dcmdjpeg</c> decodes the
/// undamaged file, and the damaged frame either decodes the same (where only the offset table lies, which one fragment
/// per frame or the start markers make unnecessary) or throws naming frame 5. <c>plao decode</c> without
/// <c>--frame</c> writes exactly what dcmdjpeg writes where dcmdjpeg's output is the decoded frames, and otherwise exits
/// 3 naming frame 5 with no output file: where dcmdjpeg fails too, and where libjpeg only warns and dcmdjpeg writes
/// damaged pixels (checked here: its frame 5 differs from the undamaged one while its other frames equal ours).
/// </summary>
[Trait("Category", "peer")]
public class MultiFrameCorruptionTests
{
    private const int Frames = 12;
    private const int Bad = 4; // zero-based: frame 5
    private const int FrameBytes = 64 * 48;

    private static readonly Lazy<(string Folder, byte[] Reference)> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Kind, whether DCMTK decodes frame 5 (<c>dcmj2pnm +F 5</c>), whether dcmdjpeg writes the whole file, whether we decode frame 5.</summary>
    public static TheoryData<string, bool, bool, bool> Kinds() => new()
    {
        { "truncated", false, false, false },
        { "no-eoi", false, false, false },
        { "sof-large", false, false, false },
        { "garbage", true, true, false },
        { "sof-small", true, true, false },
        { "bot-misaligned", true, true, true },
        { "bot-repeat", true, true, true },
        { "bot-beyond", true, true, true },
        { "split-bot-misaligned", false, true, true },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DamagedFrameFive_OtherFramesEqualDcmtk_FrameFiveNamedOrEqual_DecodeFollowsTheRule(string kind, bool dcmtkFrame, bool dcmtkFile, bool oursFrame)
    {
        var (folder, reference) = Built.Value;
        string file = Path.Combine(folder, kind + ".dcm");
        var scratch = Peers.ScratchDirectory("corrupt-" + kind);

        // In process: every frame but 5 equals dcmdjpeg's decode of the undamaged file; frame 5 equals it or is named.
        var pixels = DicomPixelData.Create(DicomFile.Open(file));
        var codecs = DicomCodecRegistry.CreateDefault();
        for (int f = 0; f < Frames; f++)
        {
            if (f == Bad && !oursFrame)
            {
                var e = Assert.Throws<DicomPixelDataException>(() => pixels.DecodeFrame(f, codecs));
                Assert.Equal(Bad, e.Frame);
                Assert.StartsWith("Frame 5: ", e.Message, StringComparison.Ordinal);
                continue;
            }

            Assert.True(Slice(reference, f).AsSpan().SequenceEqual(pixels.DecodeFrame(f, codecs).Bytes), $"{kind}: frame {f + 1} differs from dcmdjpeg's");
        }

        // DCMTK on frame 5 alone, and on the whole file.
        Assert.Equal(dcmtkFrame, Peers.Run("dcmj2pnm", ["+F", "5", file, Path.Combine(scratch, "frame5.pgm")]).ExitCode == 0);
        string decompressed = Path.Combine(scratch, "dcmdjpeg.dcm");
        var (dcmdjpeg, _, dcmdjpegErrors) = Peers.Run("dcmdjpeg", [file, decompressed]);
        Assert.True(dcmtkFile == (dcmdjpeg == 0), $"dcmdjpeg exited {dcmdjpeg}: {dcmdjpegErrors}");

        string raw = Path.Combine(scratch, "plao.raw");
        var (code, _, stderr) = PixelPeers.Plao("decode", file, "--out", raw);
        if (oursFrame)
        {
            Assert.True(code == 0, $"plao decode exited {code}: {stderr}");
            PixelPeers.AssertSameValue(PixelPeers.DcmtkPixelData(decompressed, scratch), File.ReadAllBytes(raw), kind);
        }
        else
        {
            Assert.Equal(3, code);
            Assert.StartsWith($"plao decode: {kind}.dcm: Frame 5: ", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(raw), "a failed decode left an output file");
            if (dcmtkFile)
            {
                // dcmdjpeg wrote frame 5 from a damaged codestream (libjpeg warned): not the frame, while the others are ours.
                var dcmtk = PixelPeers.DcmtkPixelData(decompressed, scratch);
                Assert.False(Slice(dcmtk, Bad).AsSpan().SequenceEqual(Slice(reference, Bad)), $"{kind}: dcmdjpeg's frame 5 is the undamaged frame");
                for (int f = 0; f < Frames; f++)
                {
                    Assert.True(f == Bad || Slice(dcmtk, f).AsSpan().SequenceEqual(Slice(reference, f)), $"{kind}: dcmdjpeg's frame {f + 1} differs");
                }
            }
        }

        Directory.Delete(scratch, recursive: true);
    }

    [Fact]
    public void LastFramesMissing_DecodeWritesTheFramesPresentAsDcmdjpegDoes_FrameElevenNamed()
    {
        var (folder, _) = Built.Value;
        string file = Path.Combine(folder, "missing-last.dcm");
        var scratch = Peers.ScratchDirectory("corrupt-missing");
        string decompressed = Path.Combine(scratch, "dcmdjpeg.dcm");
        Peers.RunOk("dcmdjpeg", file, decompressed);
        Assert.Equal("10", PixelPeers.DcmtkValue(decompressed, "NumberOfFrames"));
        Assert.NotEqual(0, Peers.Run("dcmj2pnm", ["+F", "11", file, Path.Combine(scratch, "frame11.pgm")]).ExitCode);

        string raw = Path.Combine(scratch, "plao.raw");
        string stdout = PixelPeers.PlaoOk("decode", file, "--out", raw);
        PixelPeers.AssertSameValue(PixelPeers.DcmtkPixelData(decompressed, scratch), File.ReadAllBytes(raw), "missing-last");
        Assert.Contains("the file holds 10 of the 12 frames it declares (frames 11-12 are missing)", stdout, StringComparison.Ordinal);

        var (code, _, stderr) = PixelPeers.Plao("decode", file, "--frame", "11", "--out", raw);
        Assert.Equal(3, code);
        Assert.StartsWith("plao decode: missing-last.dcm: Frame 11: the frame is missing", stderr, StringComparison.Ordinal);
        Directory.Delete(scratch, recursive: true);
    }

    [Fact]
    public void DamagedFrameAlone_DecodeFrameExits3NamingIt_NeighboursDecode()
    {
        var (folder, reference) = Built.Value;
        string file = Path.Combine(folder, "truncated.dcm");
        var scratch = Peers.ScratchDirectory("corrupt-frame");
        string raw = Path.Combine(scratch, "frame.raw");

        var (code, _, stderr) = PixelPeers.Plao("decode", file, "--frame", "5", "--out", raw);
        Assert.Equal(3, code);
        Assert.StartsWith("plao decode: truncated.dcm: Frame 5: JPEG codestream", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(raw));

        PixelPeers.PlaoOk("decode", file, "--frame", "6", "--out", raw);
        Assert.Equal(Slice(reference, 5), File.ReadAllBytes(raw));
        Directory.Delete(scratch, recursive: true);
    }

    private static byte[] Slice(byte[] frames, int frame) => frames.AsSpan(frame * FrameBytes, FrameBytes).ToArray();

    private static (string Folder, byte[] Reference) Build()
    {
        PixelPeers.Require("dcmcjpeg", "dcmdjpeg", "dcmj2pnm", "dcmdump");
        string folder = Peers.ScratchDirectory("corrupt-frames");
        string script = Path.Combine(Peers.RepositoryRoot, "tests", "PlaoImaging.Interop.Tests", "Pixel", "make_corrupt_frames.py");
        string native = Path.Combine(folder, "native.dcm");
        string baseline = Path.Combine(folder, "base.dcm");
        string decompressed = Path.Combine(folder, "base-dcmdjpeg.dcm");
        var (code, _, stderr) = Peers.Run(PixelPeers.Python, [script, "native", native]);
        Assert.True(code == 0, "make_corrupt_frames.py native exited " + code + ": " + stderr);
        Peers.RunOk("dcmcjpeg", "+eb", native, baseline);
        (code, _, stderr) = Peers.Run(PixelPeers.Python, [script, "corrupt", baseline, folder]);
        Assert.True(code == 0, "make_corrupt_frames.py corrupt exited " + code + ": " + stderr);
        Peers.RunOk("dcmdjpeg", baseline, decompressed);
        var reference = PixelPeers.DcmtkPixelData(decompressed, folder);
        Assert.Equal(Frames * FrameBytes, reference.Length);
        return (folder, reference);
    }
}
