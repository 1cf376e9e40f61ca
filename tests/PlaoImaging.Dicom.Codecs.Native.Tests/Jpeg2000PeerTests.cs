using Xunit;

namespace PlaoImaging.Dicom.Codecs.Native.Tests;

/// <summary>
/// JPEG 2000 made by GDCM (gdcmconv --j2k: reversible; --lossy -q and --irreversible -r: irreversible) from 8/12/16-bit,
/// signed, RGB and multi-frame sources, decoded here through OpenJPEG and compared bit for bit with gdcmconv --raw and with
/// opj_decompress run on each frame's codestream, and with the source when lossless.
/// </summary>
[Trait("Category", "peer")]
public sealed class Jpeg2000PeerTests
{
    public static TheoryData<string, string> Cases => CodecPeers.Cases(CodecPeers.Jpeg2000Encodings);

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodesLikeGdcmAndOpjDecompress(string source, string encodingId)
    {
        var encoding = CodecPeers.Jpeg2000Encodings.Single(e => e.Id == encodingId);
        var encoded = CodecPeers.Encode(source, encoding);
        var (pixels, frames) = CodecPeers.DecodeAll(encoded);
        Assert.StartsWith("1.2.840.10008.1.2.4.9", pixels.TransferSyntax.Uid, StringComparison.Ordinal);

        var (info, expected) = CodecPeers.NativeFrames(CodecPeers.Decode(encoded, "gdcmconv"));
        Assert.Equal(expected.Length, frames.Length);
        for (int f = 0; f < frames.Length; f++)
        {
            Assert.Equal(info.PhotometricInterpretation, frames[f].PhotometricInterpretation);
            Assert.Equal(0, frames[f].PlanarConfiguration);
            CodecPeers.AssertSameBytes(expected[f], frames[f].Bytes, $"{source} {encodingId} frame {f} vs gdcmconv --raw");
            CodecPeers.AssertSameAsOpjDecompress(pixels.GetEncodedFrame(f), pixels.Info, frames[f].Bytes, $"{source}.{encodingId}.{f}");
        }

        if (pixels.TransferSyntax.Uid == DicomTransferSyntax.Jpeg2000Lossless.Uid)
        {
            var (_, original) = CodecPeers.NativeFrames(CodecPeers.Source(source));
            for (int f = 0; f < frames.Length; f++)
            {
                CodecPeers.AssertSameBytes(original[f], frames[f].Bytes, $"{source} {encodingId} frame {f} vs the source");
            }
        }
    }
}
