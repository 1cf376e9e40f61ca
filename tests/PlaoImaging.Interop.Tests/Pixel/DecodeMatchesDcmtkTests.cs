using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Pixel;

/// <summary>
/// <c>plao decode</c> writes what DCMTK holds as Pixel Data after decompression: for native sources the file's own
/// value; for RLE (made by <c>dcmcrle</c> at test time, and the RLE files of the shared corpus) the value of
/// <c>dcmdrle</c>'s output, frame by frame with <c>--frame</c> too. Compared byte for byte (DCMTK's value may carry the
/// pad byte of an odd length).
/// </summary>
public class DecodeMatchesDcmtkTests
{
    /// <summary>RLE files of the shared corpus (written by GDCM, pydicom and others), explicit VR so that the reader needs no dictionary.</summary>
    public static TheoryData<string> CorpusRle() => new()
    {
        "pydicom/src/pydicom/data/test_files/MR_small_RLE.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_rle.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_rle_16bit_2frame.dcm",
        "pydicom/src/pydicom/data/test_files/SC_rgb_rle_32bit_2frame.dcm",
        "pydicom/src/pydicom/data/test_files/rtdose_rle.dcm",
        "pydicom-data/data_store/data/emri_small_RLE.dcm",
        "dcm_qa_ts/In/4.dcm",
    };

    [Theory]
    [MemberData(nameof(PixelPeers.SourceIds), MemberType = typeof(PixelPeers))]
    public void Decode_NativeSource_EqualsThePixelDataDcmtkReads(string id)
    {
        var source = PixelPeers.Source(id);
        var scratch = Peers.ScratchDirectory("decode-native-" + id);
        var raw = Path.Combine(scratch, "plao.raw");

        PixelPeers.PlaoOk("decode", source, "--out", raw);

        PixelPeers.AssertSameValue(PixelPeers.DcmtkPixelData(source, scratch), File.ReadAllBytes(raw), id);
        Directory.Delete(scratch, recursive: true);
    }

    [Theory]
    [MemberData(nameof(PixelPeers.SourceIds), MemberType = typeof(PixelPeers))]
    public void Decode_DcmcrleOutput_EqualsDcmdrleOutput(string id)
    {
        PixelPeers.Require("dcmcrle", "dcmdrle");
        var source = PixelPeers.Source(id);
        var scratch = Peers.ScratchDirectory("decode-rle-" + id);
        var rle = Path.Combine(scratch, "dcmcrle.dcm");
        var decompressed = Path.Combine(scratch, "dcmdrle.dcm");
        Peers.RunOk("dcmcrle", source, rle);
        Peers.RunOk("dcmdrle", rle, decompressed);
        var raw = Path.Combine(scratch, "plao.raw");

        PixelPeers.PlaoOk("decode", rle, "--out", raw);

        var dcmtk = PixelPeers.DcmtkPixelData(decompressed, scratch);
        var ours = File.ReadAllBytes(raw);
        PixelPeers.AssertSameValue(dcmtk, ours, id + " (RLE)");
        Assert.Equal(PixelPeers.DcmtkPixelData(source, scratch), dcmtk);
        Directory.Delete(scratch, recursive: true);
    }

    [Theory]
    [InlineData("u16-multiframe", 3)]
    [InlineData("rgb-multiframe", 2)]
    public void Decode_OneFrameOfRle_IsThatSliceOfDcmdrleOutput(string id, int frames)
    {
        PixelPeers.Require("dcmcrle", "dcmdrle");
        var source = PixelPeers.Source(id);
        var scratch = Peers.ScratchDirectory("decode-frame-" + id);
        var rle = Path.Combine(scratch, "dcmcrle.dcm");
        var decompressed = Path.Combine(scratch, "dcmdrle.dcm");
        Peers.RunOk("dcmcrle", source, rle);
        Peers.RunOk("dcmdrle", rle, decompressed);
        var dcmtk = PixelPeers.DcmtkPixelData(decompressed, scratch);
        int frameBytes = dcmtk.Length / frames;

        for (int frame = 1; frame <= frames; frame++)
        {
            var raw = Path.Combine(scratch, $"frame{frame}.raw");
            PixelPeers.PlaoOk("decode", rle, "--frame", frame.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", raw);
            Assert.Equal(dcmtk.AsSpan((frame - 1) * frameBytes, frameBytes).ToArray(), File.ReadAllBytes(raw));
        }

        Directory.Delete(scratch, recursive: true);
    }

    [Theory]
    [MemberData(nameof(CorpusRle))]
    public void Decode_CorpusRle_EqualsDcmdrleOutput(string relativePath)
    {
        PixelPeers.Require("dcmdrle");
        var source = Path.Combine(Peers.RequireCorpus(), relativePath);
        var scratch = Peers.ScratchDirectory("decode-corpus-" + Path.GetFileNameWithoutExtension(relativePath));
        var decompressed = Path.Combine(scratch, "dcmdrle.dcm");
        Peers.RunOk("dcmdrle", source, decompressed);
        var raw = Path.Combine(scratch, "plao.raw");

        PixelPeers.PlaoOk("decode", source, "--out", raw);

        PixelPeers.AssertSameValue(PixelPeers.DcmtkPixelData(decompressed, scratch), File.ReadAllBytes(raw), relativePath);
        Directory.Delete(scratch, recursive: true);
    }

    [Fact]
    public void Decode_MissingFileOrBadFrame_ExitCode2WithMessage()
    {
        var source = PixelPeers.Source("u8-mono2");
        var scratch = Peers.ScratchDirectory("decode-errors");

        var (code, _, stderr) = PixelPeers.Plao("decode", source, "--frame", "2", "--out", Path.Combine(scratch, "x.raw"));
        Assert.Equal(2, code);
        Assert.Contains("frame 2 does not exist", stderr, StringComparison.Ordinal);

        (code, _, stderr) = PixelPeers.Plao("decode", Path.Combine(scratch, "absent.dcm"), "--out", Path.Combine(scratch, "x.raw"));
        Assert.Equal(2, code);
        Assert.StartsWith("plao decode: absent.dcm:", stderr, StringComparison.Ordinal);
        Directory.Delete(scratch, recursive: true);
    }
}
