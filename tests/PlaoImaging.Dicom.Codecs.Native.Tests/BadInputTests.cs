using System.Buffers.Binary;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Codecs.Native.Tests;

/// <summary>
/// Truncated, bit-flipped and overwritten codestreams, and headers that disagree with the dataset, decoded in-process:
/// each gives a <see cref="DicomPixelDataException"/> naming the frame (or, for a corruption the codestream survives, a
/// frame of the right size); nothing crashes the process and nothing unbounded is allocated.
/// </summary>
[Trait("Category", "peer")]
public sealed class BadInputTests
{
    /// <summary>Codestreams to damage: source and peer encoding (or "corpus" and a file of the shared corpus: HTJ2K, JPEG-LS), frame.</summary>
    private static readonly (string Source, string Encoding, int Frame)[] Targets =
    [
        ("mono12", "dcmcjpls", 0),
        ("rgb8", "dcmcjpls-none", 0),
        ("multiframergb", "gdcm-jpegls", 1),
        ("multiframe12", "dcmcjpls-near3", 2),
        ("mono12", "gdcm-j2k", 0),
        ("rgb8", "gdcm-j2k-irreversible", 0),
        ("multiframe12", "gdcm-j2k", 2),
        ("signed16", "gdcm-j2k-lossy", 0),
        ("corpus", "pydicom-data/data_store/data/HTJ2KLossless_08_RGB.dcm", 0),
        ("corpus", "pydicom-data/data_store/data/HTJ2K_08_RGB.dcm", 0),
        ("corpus", "pydicom-data/data_store/data/JLSL_RGB_ILV2.dcm", 0),
    ];

    public static TheoryData<string, string, int> Codestreams => Rows(Targets);

    /// <summary>
    /// The codestreams for random corruption: not HTJ2K. OpenJPEG 2.5.0's HT block decoder asserts on some corrupted MEL
    /// data (ht_dec.c mel_init, uclouvain/openjpeg#1500) and Debian builds it with assertions on, so such input aborts
    /// the process; a few thousand random corruptions of the corpus HTJ2K files hit it. Nothing checkable before
    /// OpenJPEG sees the code-blocks prevents that; truncated HTJ2K is covered.
    /// </summary>
    public static TheoryData<string, string, int> CorruptionTargets => Rows(Targets.Where(t => !t.Encoding.Contains("HTJ2K", StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(Codestreams))]
    public void TruncatedCodestreamsAreRefusedNamingTheFrame(string source, string encodingId, int frame)
    {
        var (codec, encoded, info) = Load(source, encodingId, frame);
        int end = TrimPadding(encoded);
        var intact = codec.Decode(encoded, info, frame).Bytes;

        // Every cut inside the first 64 bytes (headers), then spread over the rest, then into the end marker.
        var cuts = Enumerable.Range(0, Math.Min(64, end - 2)).Concat(Enumerable.Range(1, 40).Select(i => (int)((long)(end - 2) * i / 41))).Append(end - 3).Append(end - 2).Append(end - 1).Distinct();
        foreach (int cut in cuts)
        {
            // Cut off, and cut off with the end marker put back (FFD9 is EOI in JPEG-LS and EOC in JPEG 2000), so that
            // the library itself meets the missing data rather than only the check for the end marker.
            byte[] withEnd = [.. encoded.AsSpan(0, cut), 0xFF, 0xD9];
            foreach (var bytes in new[] { encoded.AsSpan(0, cut).ToArray(), withEnd })
            {
                DicomDecodedFrame? decoded = null;
                try
                {
                    decoded = codec.Decode(bytes, info, frame);
                }
                catch (DicomPixelDataException e)
                {
                    Assert.True(e.Frame == frame, $"cut at {cut} of {end}: exception names frame {e.Frame}: {e.Message}");
                    Assert.StartsWith($"Frame {frame + 1}: ", e.Message, StringComparison.Ordinal);
                }

                // A cut codestream must fail. One with an end marker put back is a corrupted one: the library may decode
                // it (CharLS does not notice the last byte of a scan missing), to a frame of the right size.
                if (decoded is not null)
                {
                    Assert.True(bytes == withEnd, $"cut at {cut} of {end} ({bytes.Length} bytes) decoded without an error");
                    Assert.Equal(intact.Length, decoded.Bytes.Length);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(CorruptionTargets))]
    public void CorruptedCodestreamsFailCleanlyOrDecodeToAFrame(string source, string encodingId, int frame)
    {
        var (codec, encoded, info) = Load(source, encodingId, frame);
        var random = new Random(frame * 7919 + encoded.Length);
        // 300 per codestream by default; PLAO_CODEC_FUZZ_TRIALS asks for a longer run.
        int trials = int.TryParse(Environment.GetEnvironmentVariable("PLAO_CODEC_FUZZ_TRIALS"), out int n) && n > 0 ? n : 300;
        int failures = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            var damaged = (byte[])encoded.Clone();
            int kind = trial % 3;
            if (kind == 0)
            {
                int bit = random.Next(damaged.Length * 8);
                damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            }
            else if (kind == 1)
            {
                // A byte in the first 200 (the headers) set to a random value.
                damaged[random.Next(Math.Min(200, damaged.Length))] = (byte)random.Next(256);
            }
            else
            {
                int start = random.Next(damaged.Length);
                int length = Math.Min(damaged.Length - start, 1 + random.Next(32));
                random.NextBytes(damaged.AsSpan(start, length));
            }

            try
            {
                var decoded = codec.Decode(damaged, info, frame);
                Assert.Equal(info.FrameBytes, decoded.Bytes.Length);
            }
            catch (DicomPixelDataException e)
            {
                failures++;
                Assert.True(e.Frame == frame, $"trial {trial}: exception names frame {e.Frame}: {e.Message}");
            }
        }

        Assert.True(failures > 0, $"no corruption was detected in {trials} trials");
    }

    [Fact]
    public void JpegLsHeaderThatDisagreesWithTheDatasetIsRefused()
    {
        var (codec, encoded, info) = Load("mono12", "dcmcjpls", 0);
        AssertRefused(codec, encoded, info with { Rows = info.Rows + 1 }, "the dataset says");
        AssertRefused(codec, encoded, info with { Columns = info.Columns - 1 }, "the dataset says");
        AssertRefused(codec, encoded, info with { SamplesPerPixel = 3, PhotometricInterpretation = "RGB" }, "samples per pixel");
        AssertRefused(codec, encoded, info with { BitsAllocated = 8, BitsStored = 8, HighBit = 7 }, "Bits Allocated 8");
        AssertRefused(codec, encoded, info with { BitsAllocated = 32, BitsStored = 32, HighBit = 31 }, "Bits Allocated 32");

        // SOF55 claiming 65535 × 65535: refused on the header, before any output is allocated.
        var huge = (byte[])encoded.Clone();
        int sof = FindMarker(huge, 0xF7);
        BinaryPrimitives.WriteUInt16BigEndian(huge.AsSpan(sof + 5), 65535);
        BinaryPrimitives.WriteUInt16BigEndian(huge.AsSpan(sof + 7), 65535);
        AssertRefused(codec, huge, info, "65535 × 65535");
    }

    [Fact]
    public void Jpeg2000HeaderThatDisagreesWithTheDatasetIsRefused()
    {
        var (codec, encoded, info) = Load("mono12", "gdcm-j2k", 0);
        AssertRefused(codec, encoded, info with { Rows = info.Rows + 1 }, "the dataset says");
        AssertRefused(codec, encoded, info with { SamplesPerPixel = 3, PhotometricInterpretation = "RGB" }, "samples per pixel");
        AssertRefused(codec, encoded, info with { BitsAllocated = 8, BitsStored = 8, HighBit = 7 }, "Bits Allocated 8");

        // SIZ claiming 30000 × 30000 in 1 × 1 tiles (9e8 tiles): refused before OpenJPEG sees it, even though the
        // dataset agrees on the size.
        var absurd = (byte[])encoded.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(absurd.AsSpan(8), 30000);
        BinaryPrimitives.WriteUInt32BigEndian(absurd.AsSpan(12), 30000);
        BinaryPrimitives.WriteUInt32BigEndian(absurd.AsSpan(24), 1);
        BinaryPrimitives.WriteUInt32BigEndian(absurd.AsSpan(28), 1);
        var big = info with { Rows = 30000, Columns = 30000, BitsAllocated = 8, BitsStored = 8, HighBit = 7 };
        AssertRefused(codec, absurd, big, "tiles");

        // And a dataset-sized frame whose SIZ says something else entirely.
        var other = (byte[])encoded.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(other.AsSpan(8), (uint)info.Columns + 7);
        AssertRefused(codec, other, info, "the dataset says");
    }

    [Fact]
    public void Jp2WrappedCodestreamIsUnwrappedAndItsBoxesChecked()
    {
        // DICOM does not allow the JP2 wrapper, but some writers add it: signature box, a box to skip, then jp2c.
        var (codec, encoded, info) = Load("rgb8", "gdcm-j2k", 0);
        int end = TrimPadding(encoded);
        byte[] signature = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];
        byte[] free = [0x00, 0x00, 0x00, 0x0C, (byte)'f', (byte)'r', (byte)'e', (byte)'e', 1, 2, 3, 4];
        var box = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(box, (uint)(end + 8));
        "jp2c"u8.CopyTo(box.AsSpan(4));
        byte[] jp2 = [.. signature, .. free, .. box, .. encoded.AsSpan(0, end)];
        CodecPeers.AssertSameBytes(codec.Decode(encoded, info, 0).Bytes, codec.Decode(jp2, info, 0).Bytes, "JP2-wrapped codestream");

        // A box longer than what remains, and a file without a codestream box.
        var overrun = (byte[])jp2.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(overrun.AsSpan(24), (uint)(end + 100));
        AssertRefused(codec, overrun, info, "declares");
        AssertRefused(codec, [.. signature, .. free], info, "no contiguous codestream box");
    }

    [Fact]
    public void EmptyAndNonCodestreamFramesAreRefused()
    {
        var info = new DicomImageInfo
        {
            Rows = 8, Columns = 8, SamplesPerPixel = 1, BitsAllocated = 8, BitsStored = 8, HighBit = 7,
            IsSigned = false, PlanarConfiguration = 0, PhotometricInterpretation = "MONOCHROME2", NumberOfFrames = 1,
        };
        foreach (var codec in NativeCodecs.All())
        {
            foreach (var bytes in new[] { Array.Empty<byte>(), new byte[] { 0xFF }, new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }, new byte[100] })
            {
                var e = Assert.ThrowsAny<DicomPixelDataException>(() => codec.Decode(bytes, info, 5));
                Assert.Equal(5, e.Frame);
            }
        }
    }

    private static TheoryData<string, string, int> Rows(IEnumerable<(string Source, string Encoding, int Frame)> targets)
    {
        var data = new TheoryData<string, string, int>();
        foreach (var (source, encoding, frame) in targets)
        {
            data.Add(source, encoding, frame);
        }

        return data;
    }

    private static void AssertRefused(IDicomCodec codec, byte[] encoded, DicomImageInfo info, string expected)
    {
        var e = Assert.ThrowsAny<DicomPixelDataException>(() => codec.Decode(encoded, info, 0));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, e.Frame);
    }

    private static (IDicomCodec Codec, byte[] Encoded, DicomImageInfo Info) Load(string source, string encodingId, int frame)
    {
        string path = source == "corpus"
            ? Path.Combine(Peers.RequireCorpus(), encodingId)
            : CodecPeers.Encode(source, CodecPeers.JpegLsEncodings.Concat(CodecPeers.Jpeg2000Encodings).Single(e => e.Id == encodingId));
        var pixels = DicomPixelData.Create(DicomFile.Open(path));
        return (CodecPeers.Registry.Get(pixels.TransferSyntax), pixels.GetEncodedFrame(frame), pixels.Info);
    }

    /// <summary>Where the codestream ends: just after its end marker (FFD9), before fragment padding or stray bytes.</summary>
    private static int TrimPadding(byte[] encoded)
    {
        for (int i = encoded.Length - 2; i >= encoded.Length - 16; i--)
        {
            if (encoded[i] == 0xFF && encoded[i + 1] == 0xD9)
            {
                return i + 2;
            }
        }

        throw new InvalidOperationException("the peer's codestream has no end marker");
    }

    private static int FindMarker(byte[] bytes, byte marker)
    {
        for (int i = 0; i + 1 < bytes.Length; i++)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] == marker)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"marker FF{marker:X2} not found");
    }
}
