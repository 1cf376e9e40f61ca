using System.Text.RegularExpressions;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Pixel;

/// <summary>
/// The transcoder judged by DCMTK, GDCM and dicom3tools:
/// <list type="bullet">
/// <item>our RLE Lossless encoding (native → RLE, Basic Offset Table, one fragment per frame) decodes bit for bit in
/// DCMTK's <c>dcmdrle</c> and in GDCM's <c>gdcmconv --raw</c> (GDCM may hand colour back in the other planar
/// configuration: its output is compared in the layout it declares; it clears the bits above High Bit, so there the
/// stored values are compared; it rewrites a High Bit other than Bits Stored − 1, so such a source is checked with DCMTK
/// only);</item>
/// <item>a file compressed by DCMTK's <c>dcmcrle</c>, transcoded back to Explicit VR Little Endian by us, holds the
/// original pixels, and <c>dciodvfy</c> reports no error for it that it does not report for the original;</item>
/// <item>a JPEG baseline file made by <c>dcmcjpeg +eb</c>, transcoded by us, has the attributes and pixels that
/// <c>dcmdjpeg</c> gives (YBR_FULL_422 → RGB, the lossy compression recorded once).</item>
/// </list>
/// </summary>
public partial class TranscoderInteropTests
{
    [Theory]
    [MemberData(nameof(PixelPeers.SourceIds), MemberType = typeof(PixelPeers))]
    public void OurRle_DecodesBitExactlyInDcmdrleAndGdcmconv(string id)
    {
        PixelPeers.Require("dcmdrle", "gdcmconv");
        var source = PixelPeers.Source(id);
        var scratch = Peers.ScratchDirectory("rle-encode-" + id);
        var rle = Path.Combine(scratch, "plao-rle.dcm");
        var file = DicomFile.Open(source);
        DicomTranscoder.Transcode(file, DicomTransferSyntax.RleLossless, DicomCodecRegistry.CreateDefault()).Save(rle);
        var original = PixelPeers.DcmtkPixelData(source, scratch);
        int samples = int.Parse(PixelPeers.DcmtkValue(source, "0028,0002")!, System.Globalization.CultureInfo.InvariantCulture);
        int planar = samples > 1 ? int.Parse(PixelPeers.DcmtkValue(source, "0028,0006")!, System.Globalization.CultureInfo.InvariantCulture) : 0;
        Assert.Equal("=RLELossless", PixelPeers.DcmtkValue(rle, "0002,0010"));

        var dcmdrle = Path.Combine(scratch, "dcmdrle.dcm");
        Peers.RunOk("dcmdrle", rle, dcmdrle);
        PixelPeers.AssertSameValue(PixelPeers.DcmtkPixelData(dcmdrle, scratch), Trim(original, file), id + " via dcmdrle");

        var info = DicomImageInfo.FromDataset(file.Dataset);
        if (info.HighBit != info.BitsStored - 1)
        {
            // GDCM rewrites High Bit to Bits Stored - 1 and keeps the low bits (it does not shift): nothing to compare.
            Directory.Delete(scratch, recursive: true);
            return;
        }

        var gdcm = Path.Combine(scratch, "gdcmconv-raw.dcm");
        Peers.RunOk("gdcmconv", "--raw", rle, gdcm);
        var gdcmPixels = PixelPeers.DcmtkPixelData(gdcm, scratch);
        int gdcmPlanar = samples > 1 ? int.Parse(PixelPeers.DcmtkValue(gdcm, "0028,0006") ?? "0", System.Globalization.CultureInfo.InvariantCulture) : 0;
        if (gdcmPlanar != planar)
        {
            gdcmPixels = Replan(gdcmPixels, file, toPlanar: planar);
        }

        if (info.BitsStored < info.BitsAllocated && info.BitsAllocated == 16)
        {
            // GDCM clears (or sign-fills) the bits above High Bit when it decompresses: compare the stored values.
            Assert.Equal(StoredValues(Trim(original, file), info.BitsStored, info.IsSigned), StoredValues(gdcmPixels, info.BitsStored, info.IsSigned));
        }
        else
        {
            PixelPeers.AssertSameValue(gdcmPixels, Trim(original, file), id + " via gdcmconv --raw");
        }

        Directory.Delete(scratch, recursive: true);
    }

    [Theory]
    [MemberData(nameof(PixelPeers.SourceIds), MemberType = typeof(PixelPeers))]
    public void DcmcrleFile_TranscodedToExplicitLittleEndian_HoldsTheOriginalPixels_AndDciodvfySeesNothingNew(string id)
    {
        PixelPeers.Require("dcmcrle", "dciodvfy");
        var source = PixelPeers.Source(id);
        var scratch = Peers.ScratchDirectory("rle-decode-" + id);
        var rle = Path.Combine(scratch, "dcmcrle.dcm");
        Peers.RunOk("dcmcrle", source, rle);
        var output = Path.Combine(scratch, "plao-explicit.dcm");

        var transcoded = DicomTranscoder.Transcode(DicomFile.Open(rle), DicomTransferSyntax.ExplicitVRLittleEndian, DicomCodecRegistry.CreateDefault());
        transcoded.Save(output);

        Assert.Equal(PixelPeers.DcmtkPixelData(source, scratch), PixelPeers.DcmtkPixelData(output, scratch));
        Assert.Equal(PixelPeers.DcmtkValue(source, "0028,0006"), PixelPeers.DcmtkValue(output, "0028,0006"));
        Assert.Null(PixelPeers.DcmtkValue(output, "0028,2110"));
        var before = DciodvfyErrors(source);
        var after = DciodvfyErrors(output);
        var added = after.Except(before).ToList();
        Assert.True(added.Count == 0, $"{id}: dciodvfy errors for our output only:\n{string.Join('\n', added)}");
        Directory.Delete(scratch, recursive: true);
    }

    [Theory]
    [InlineData("rgb-planar0")]
    [InlineData("u8-mono2")]
    [InlineData("rgb-multiframe")]
    public void DcmcjpegBaseline_TranscodedToExplicitLittleEndian_SameAttributesAndPixelsAsDcmdjpeg(string id)
    {
        PixelPeers.Require("dcmcjpeg", "dcmdjpeg", "dciodvfy");
        var source = PixelPeers.Source(id);
        var scratch = Peers.ScratchDirectory("jpeg-decode-" + id);
        var jpeg = Path.Combine(scratch, "dcmcjpeg.dcm");
        var dcmtk = Path.Combine(scratch, "dcmdjpeg.dcm");
        Peers.RunOk("dcmcjpeg", "+eb", source, jpeg);
        Peers.RunOk("dcmdjpeg", jpeg, dcmtk);
        var output = Path.Combine(scratch, "plao-explicit.dcm");

        DicomTranscoder.Transcode(DicomFile.Open(jpeg), DicomTransferSyntax.ExplicitVRLittleEndian, DicomCodecRegistry.CreateDefault()).Save(output);

        // Photometric Interpretation (YBR_FULL_422 → RGB), Planar Configuration, and the lossy compression that
        // dcmcjpeg recorded, kept once (not recorded a second time by decompression).
        foreach (var tag in new[] { "0028,0004", "0028,0006", "0028,2110", "0028,2112", "0028,2114", "0002,0010" })
        {
            Assert.Equal(PixelPeers.DcmtkValue(dcmtk, tag), PixelPeers.DcmtkValue(output, tag));
        }

        PixelPeers.AssertSameValue(PixelPeers.DcmtkPixelData(dcmtk, scratch), PixelPeers.DcmtkPixelData(output, scratch), id + " JPEG baseline");
        var added = DciodvfyErrors(output).Except(DciodvfyErrors(dcmtk)).ToList();
        Assert.True(added.Count == 0, $"{id}: dciodvfy errors for our output only:\n{string.Join('\n', added)}");
        Directory.Delete(scratch, recursive: true);
    }

    [Theory]
    [InlineData("pydicom/src/pydicom/data/test_files/MR_small_bigendian.dcm")]
    [InlineData("pydicom-data/data_store/data/SC_rgb_expb_16bit_2frame.dcm")]
    [InlineData("pydicom/src/pydicom/data/test_files/image_dfl.dcm")]
    [InlineData("pydicom/src/pydicom/data/test_files/SC_rgb_rle_2frame.dcm")]
    [InlineData("pydicom/src/pydicom/data/test_files/SC_rgb_jpeg_dcmtk.dcm")]
    public void CorpusFile_TranscodedToExplicitLittleEndian_HoldsWhatDcmtkConvertsItTo(string relativePath)
    {
        PixelPeers.Require("dcmconv", "dcmdrle", "dcmdjpeg");
        var source = Path.Combine(Peers.RequireCorpus(), relativePath);
        var scratch = Peers.ScratchDirectory("corpus-explicit-" + Path.GetFileNameWithoutExtension(relativePath));
        var dcmtk = Path.Combine(scratch, "dcmtk.dcm");
        var syntax = PixelPeers.DcmtkValue(source, "0002,0010") ?? string.Empty;
        string tool = syntax.StartsWith("=RLE", StringComparison.Ordinal) ? "dcmdrle" : syntax.StartsWith("=JPEG", StringComparison.Ordinal) ? "dcmdjpeg" : "dcmconv";
        Peers.RunOk(tool, tool == "dcmconv" ? ["+te", source, dcmtk] : [source, dcmtk]);
        var output = Path.Combine(scratch, "plao.dcm");

        DicomTranscoder.Transcode(DicomFile.Open(source), DicomTransferSyntax.ExplicitVRLittleEndian, DicomCodecRegistry.CreateDefault()).Save(output);

        Assert.Equal("=LittleEndianExplicit", PixelPeers.DcmtkValue(output, "0002,0010"));
        Assert.Equal(PixelPeers.DcmtkPixelData(dcmtk, scratch), PixelPeers.DcmtkPixelData(output, scratch));
        foreach (var tag in new[] { "0028,0004", "0028,0006", "0028,2110", "0028,2114" })
        {
            Assert.Equal(PixelPeers.DcmtkValue(dcmtk, tag), PixelPeers.DcmtkValue(output, tag));
        }

        Directory.Delete(scratch, recursive: true);
    }

    private static HashSet<string> DciodvfyErrors(string file)
    {
        var (_, stdout, stderr) = Peers.Run("dciodvfy", [file]);
        return (stdout + "\n" + stderr).Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("Error", StringComparison.Ordinal))
            .Select(l => Offsets().Replace(l, ""))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The low <paramref name="bits"/> of each 16-bit cell, sign-extended when signed (High Bit = Bits Stored − 1).</summary>
    private static int[] StoredValues(byte[] cells, int bits, bool signed)
    {
        var values = new int[cells.Length / 2];
        for (int i = 0; i < values.Length; i++)
        {
            int v = (cells[2 * i] | (cells[(2 * i) + 1] << 8)) & ((1 << bits) - 1);
            values[i] = signed && v >= 1 << (bits - 1) ? v - (1 << bits) : v;
        }

        return values;
    }

    /// <summary>The value without DCMTK's pad byte when the native data has an odd length.</summary>
    private static byte[] Trim(byte[] value, DicomFile file)
    {
        long total = DicomImageInfo.FromDataset(file.Dataset).TotalNativeBytes;
        return value.Length > total ? value.AsSpan(0, (int)total).ToArray() : value;
    }

    /// <summary>Reorders colour samples between colour-by-pixel and colour-by-plane, frame by frame.</summary>
    private static byte[] Replan(byte[] pixels, DicomFile file, int toPlanar)
    {
        var info = DicomImageInfo.FromDataset(file.Dataset);
        int size = info.BitsAllocated / 8;
        int n = info.PixelCount;
        int spp = info.SamplesPerPixel;
        var output = new byte[pixels.Length];
        for (int f = 0; f < info.NumberOfFrames; f++)
        {
            int frameBase = (int)(f * info.FrameBytes);
            for (int p = 0; p < n; p++)
            {
                for (int s = 0; s < spp; s++)
                {
                    int byPixel = frameBase + (((p * spp) + s) * size);
                    int byPlane = frameBase + (((s * n) + p) * size);
                    int from = toPlanar == 1 ? byPixel : byPlane;
                    int to = toPlanar == 1 ? byPlane : byPixel;
                    Array.Copy(pixels, from, output, to, size);
                }
            }
        }

        return output;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Offsets();
}
