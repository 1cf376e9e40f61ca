using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Codecs.Native.Tests;

/// <summary>
/// JPEG-LS, JPEG 2000 and HTJ2K files of the shared corpus (dcm_qa_ts, pydicom-data, pydicom's test files: RGB in every
/// JPEG-LS interleave mode, near-lossless, YBR_ICT and YBR_RCT, signed, 1-bit, multi-frame) decoded here and compared
/// bit for bit with dcmdjpls, gdcmconv --raw, opj_decompress, and the uncompressed twin where the corpus has one.
/// </summary>
[Trait("Category", "peer")]
public sealed class CorpusTests
{
    private const string Data = "pydicom-data/data_store/data/";
    private const string TestFiles = "pydicom/src/pydicom/data/test_files/";

    /// <summary>File, then references: "dcmdjpls", "gdcmconv", "opj" (opj_decompress on each frame), or a native file of the corpus.</summary>
    private static readonly Dictionary<string, string[]> Files = new(StringComparer.Ordinal)
    {
        ["dcm_qa_ts/In/7.dcm"] = ["dcm_qa_ts/In/1.dcm", "dcmdjpls", "gdcmconv"],
        ["dcm_qa_ts/In/8.dcm"] = ["dcm_qa_ts/In/1.dcm", "dcmdjpls", "gdcmconv"],
        ["dcm_qa_ts/In/9.dcm"] = ["dcm_qa_ts/In/1.dcm", "gdcmconv", "opj"],
        // DCMTK 3.6.7's dcmdjpls fails on this 7-bit file ("Invalid compressed image data"); GDCM decodes it.
        [Data + "JLSL_08_07_0_1F.dcm"] = ["gdcmconv"],
        [Data + "JLSL_16_15_1_1F.dcm"] = ["dcmdjpls", "gdcmconv"],
        [Data + "JLSL_RGB_ILV0.dcm"] = ["dcmdjpls", "gdcmconv"],
        [Data + "JLSL_RGB_ILV1.dcm"] = ["dcmdjpls", "gdcmconv"],
        [Data + "JLSL_RGB_ILV2.dcm"] = ["dcmdjpls", "gdcmconv"],
        [Data + "JLSN_RGB_ILV0.dcm"] = ["dcmdjpls", "gdcmconv"],
        [Data + "emri_small_jpeg_ls_lossless.dcm"] = [Data + "emri_small.dcm", "dcmdjpls", "gdcmconv"],
        [TestFiles + "JPEGLSNearLossless_08.dcm"] = ["dcmdjpls", "gdcmconv"],
        [TestFiles + "JPEGLSNearLossless_16.dcm"] = ["dcmdjpls", "gdcmconv"],
        [TestFiles + "SC_rgb_jls_lossy_line.dcm"] = ["dcmdjpls", "gdcmconv"],
        [TestFiles + "SC_rgb_jls_lossy_sample.dcm"] = ["dcmdjpls", "gdcmconv"],
        [TestFiles + "MR_small_jpeg_ls_lossless.dcm"] = ["dcmdjpls", "gdcmconv"],
        [Data + "MR2_J2KR.dcm"] = [Data + "MR2_UNCR.dcm", "gdcmconv", "opj"],
        [Data + "MR2_J2KI.dcm"] = ["gdcmconv", "opj"],
        [Data + "RG1_J2KI.dcm"] = ["gdcmconv", "opj"],
        [Data + "RG3_J2KR.dcm"] = ["gdcmconv", "opj"],
        [Data + "RG3_J2KI.dcm"] = ["gdcmconv", "opj"],
        [Data + "US1_J2KI.dcm"] = ["gdcmconv", "opj"],
        [Data + "693_J2KR.dcm"] = [Data + "693_UNCR.dcm", "gdcmconv", "opj"],
        [Data + "emri_small_jpeg_2k_lossless.dcm"] = [Data + "emri_small.dcm", "gdcmconv", "opj"],
        // 1-bit: gdcmconv --raw widens to Bits Allocated 8; the native twins are packed bits.
        [Data + "liver_j2k.dcm"] = [Data + "liver.dcm", "gdcmconv"],
        [Data + "liver_nonbyte_aligned_j2k.dcm"] = [Data + "liver_nonbyte_aligned.dcm", "gdcmconv"],
        [TestFiles + "GDCMJ2K_TextGBR.dcm"] = ["gdcmconv", "opj"],
        [TestFiles + "J2K_pixelrep_mismatch.dcm"] = ["gdcmconv"],
        [TestFiles + "693_J2KI.dcm"] = ["gdcmconv", "opj"],
        [TestFiles + "MR_small_jp2klossless.dcm"] = ["gdcmconv", "opj"],
        [Data + "HTJ2KLossless_08_RGB.dcm"] = ["opj"],
        [Data + "HTJ2K_08_RGB.dcm"] = ["opj"],
    };

    public static TheoryData<string> Cases => [.. Files.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodesLikeThePeers(string relativePath)
    {
        var corpus = Peers.RequireCorpus();
        var path = Path.Combine(corpus, relativePath);
        var (pixels, frames) = CodecPeers.DecodeAll(path);
        string name = Path.GetFileNameWithoutExtension(relativePath);
        foreach (var reference in Files[relativePath])
        {
            if (reference == "opj")
            {
                for (int f = 0; f < frames.Length; f++)
                {
                    CodecPeers.AssertSameAsOpjDecompress(pixels.GetEncodedFrame(f), pixels.Info, frames[f].Bytes, $"corpus-{name}.{f}");
                }

                continue;
            }

            string referencePath = reference.EndsWith(".dcm", StringComparison.Ordinal)
                ? Path.Combine(corpus, reference)
                : CodecPeers.Decode(CopyToScratch(path, name), reference);
            var (info, native) = CodecPeers.NativeFrames(referencePath);
            Assert.Equal(native.Length, frames.Length);
            for (int f = 0; f < frames.Length; f++)
            {
                Assert.Equal(0, frames[f].PlanarConfiguration);
                if (!reference.EndsWith(".dcm", StringComparison.Ordinal))
                {
                    Assert.Equal(info.PhotometricInterpretation, frames[f].PhotometricInterpretation);
                }

                var decoded = info.BitsAllocated == 8 && pixels.Info.BitsAllocated == 1 ? Unpack(frames[f].Bytes, pixels.Info.PixelCount) : frames[f].Bytes;
                CodecPeers.AssertSameBytes(native[f], decoded, $"{relativePath} frame {f} vs {reference}");
            }
        }
    }

    /// <summary>Packed 1-bit samples (least significant bit first) as one byte each.</summary>
    private static byte[] Unpack(byte[] bits, int pixels)
    {
        var bytes = new byte[pixels];
        for (int p = 0; p < pixels; p++)
        {
            bytes[p] = (byte)((bits[p >> 3] >> (p & 7)) & 1);
        }

        return bytes;
    }

    private static string CopyToScratch(string path, string name)
    {
        var copy = Path.Combine(CodecPeers.ScratchDirectory, $"corpus-{name}.dcm");
        lock (Files)
        {
            if (!File.Exists(copy))
            {
                File.Copy(path, copy);
            }
        }

        return copy;
    }
}
