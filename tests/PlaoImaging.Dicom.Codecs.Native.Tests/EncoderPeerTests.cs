using PlaoImaging.Dicom.Imaging;
using Xunit;

namespace PlaoImaging.Dicom.Codecs.Native.Tests;

/// <summary>
/// Frames encoded here (CharLS: JPEG-LS lossless and near-lossless; OpenJPEG: JPEG 2000 reversible and irreversible),
/// written as DICOM, and decoded by the peers: dcmdjpls and gdcmconv --raw for JPEG-LS, gdcmconv --raw and opj_decompress
/// for JPEG 2000. Lossless must give back the source; lossy must decode the same in the peers as here, within NEAR of
/// the source for JPEG-LS.
/// </summary>
[Trait("Category", "peer")]
public sealed class EncoderPeerTests
{
    private static readonly string[] Syntaxes = ["jpegls", "jpegls-near2", "j2k", "j2k-lossy"];

    public static TheoryData<string, string> Cases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var source in CodecPeers.Sources)
            {
                foreach (var syntax in Syntaxes)
                {
                    if (!(syntax == "jpegls-near2" && source.StartsWith("signed", StringComparison.Ordinal)))
                    {
                        data.Add(source, syntax);
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PeersDecodeWhatWeEncode(string source, string syntaxId)
    {
        IDicomCodec codec = syntaxId switch
        {
            "jpegls" => new JpegLsCodec(DicomTransferSyntax.JpegLSLossless),
            "jpegls-near2" => new JpegLsCodec(DicomTransferSyntax.JpegLSNearLossless, 2),
            "j2k" => new Jpeg2000Codec(DicomTransferSyntax.Jpeg2000Lossless),
            _ => new Jpeg2000Codec(DicomTransferSyntax.Jpeg2000, 6),
        };
        var file = DicomFile.Open(CodecPeers.Source(source));
        var pixels = DicomPixelData.Create(file);
        var info = pixels.Info;
        var fragments = new List<DicomBuffer>();
        for (int f = 0; f < pixels.FrameCount; f++)
        {
            fragments.Add(DicomBuffer.FromMemory(codec.Encode(pixels.GetNativeFrame(f), info, f)));
        }

        var dataset = file.Dataset;
        dataset.AddOrUpdate(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.Empty, fragments));
        if (info.SamplesPerPixel > 1)
        {
            dataset.AddValues(new DicomTag(0x0028, 0x0006), DicomVR.US, (ushort)0);
        }

        string path = Path.Combine(CodecPeers.ScratchDirectory, $"ours-{source}.{syntaxId}.dcm");
        new DicomFile(dataset, codec.TransferSyntax).Save(path);

        var (ours, decoded) = CodecPeers.DecodeAll(path);
        var (_, original) = CodecPeers.NativeFrames(CodecPeers.Source(source));
        bool lossless = syntaxId is "jpegls" or "j2k";
        for (int f = 0; f < decoded.Length; f++)
        {
            if (lossless)
            {
                // JPEG-LS holds Bits Stored bits (P = Bits Stored): compare the stored bits; bits above them come back zero.
                CodecPeers.AssertSameBytes(CodecPeers.MaskSamples(original[f], info, info.BitsStored), CodecPeers.MaskSamples(decoded[f].Bytes, info, info.BitsStored), $"{source} {syntaxId} frame {f}: our decode of our encode vs the source");
            }
            else if (syntaxId == "jpegls-near2")
            {
                Assert.InRange(CodecPeers.MaxSampleDifference(original[f], decoded[f].Bytes, info), 0, 2);
            }
        }

        bool jpegLs = syntaxId.StartsWith("jpegls", StringComparison.Ordinal);
        foreach (var tool in jpegLs ? new[] { "dcmdjpls", "gdcmconv" } : ["gdcmconv"])
        {
            var (_, expected) = CodecPeers.NativeFrames(CodecPeers.Decode(path, tool));
            Assert.Equal(decoded.Length, expected.Length);
            for (int f = 0; f < expected.Length; f++)
            {
                CodecPeers.AssertSameBytes(expected[f], decoded[f].Bytes, $"{source} {syntaxId} frame {f}: {tool} vs our decode");
            }
        }

        if (!jpegLs)
        {
            for (int f = 0; f < decoded.Length; f++)
            {
                CodecPeers.AssertSameAsOpjDecompress(ours.GetEncodedFrame(f), info, decoded[f].Bytes, $"ours-{source}.{syntaxId}.{f}");
            }
        }
    }
}
