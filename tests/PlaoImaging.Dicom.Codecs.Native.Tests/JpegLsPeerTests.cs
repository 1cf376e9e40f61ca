using Xunit;

namespace PlaoImaging.Dicom.Codecs.Native.Tests;

/// <summary>
/// JPEG-LS made by DCMTK (dcmcjpls: lossless, near-lossless, line/sample/no interleave) and GDCM (gdcmconv --jpegls,
/// lossless and near-lossless) from 8/12/16-bit, signed, RGB and multi-frame sources, decoded here through CharLS and
/// compared bit for bit with DCMTK's dcmdjpls (its own CharLS fork) and GDCM's gdcmconv --raw, and with the source when
/// lossless.
/// </summary>
[Trait("Category", "peer")]
public sealed class JpegLsPeerTests
{
    public static TheoryData<string, string> Cases => CodecPeers.Cases(CodecPeers.JpegLsEncodings);

    /// <summary>
    /// Peer decodings known to be wrong, left out of the comparison (the other peer and the source still apply):
    /// DCMTK 3.6.7's dcmdjpls fails ("Invalid compressed image data") on its own 16-bit RGB without interleave, and
    /// GDCM 3.0.21's gdcmconv --raw writes multi-frame RGB without interleave colour-by-plane while labelling it
    /// Planar Configuration 0 (its single-frame output is right).
    /// </summary>
    private static bool KnownPeerDefect(string source, string encodingId, string tool) => (source, encodingId, tool) switch
    {
        ("rgb16", "dcmcjpls-none" or "dcmcjpls-near2-none", "dcmdjpls") => true,
        ("multiframergb", "dcmcjpls-none" or "dcmcjpls-near2-none", "gdcmconv") => true,
        _ => false,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodesLikeDcmtkAndGdcm(string source, string encodingId)
    {
        var encoding = CodecPeers.JpegLsEncodings.Single(e => e.Id == encodingId);
        var encoded = CodecPeers.Encode(source, encoding);
        var (pixels, frames) = CodecPeers.DecodeAll(encoded);
        Assert.StartsWith("1.2.840.10008.1.2.4.8", pixels.TransferSyntax.Uid, StringComparison.Ordinal);

        foreach (var tool in new[] { "dcmdjpls", "gdcmconv" }.Where(t => !KnownPeerDefect(source, encodingId, t)))
        {
            var (info, expected) = CodecPeers.NativeFrames(CodecPeers.Decode(encoded, tool));
            Assert.Equal(expected.Length, frames.Length);
            for (int f = 0; f < frames.Length; f++)
            {
                Assert.Equal(info.PhotometricInterpretation, frames[f].PhotometricInterpretation);
                Assert.Equal(0, frames[f].PlanarConfiguration);
                CodecPeers.AssertSameBytes(expected[f], frames[f].Bytes, $"{source} {encodingId} frame {f} vs {tool}");
            }
        }

        var (sourceInfo, original) = CodecPeers.NativeFrames(CodecPeers.Source(source));
        bool lossy = pixels.TransferSyntax.Uid == DicomTransferSyntax.JpegLSNearLossless.Uid;
        for (int f = 0; f < frames.Length; f++)
        {
            if (lossy)
            {
                // NEAR bounds the error on the coded values taken as unsigned (JPEG-LS knows no sign). DCMTK and GDCM code
                // 12-bit signed cells (and GDCM 12-bit unsigned ones) as 16-bit samples, so a value next to the wrap from
                // most positive to most negative, or next to 4095, comes back far away in signed or 12-bit terms.
                Assert.InRange(CodecPeers.MaxSampleDifference(original[f], frames[f].Bytes, sourceInfo, asUnsigned: true), 0, 3);
            }
            else
            {
                CodecPeers.AssertSameBytes(original[f], frames[f].Bytes, $"{source} {encodingId} frame {f} vs the source");
            }
        }
    }
}
