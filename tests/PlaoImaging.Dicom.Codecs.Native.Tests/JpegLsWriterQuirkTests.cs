using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Codecs.Native.Tests;

/// <summary>
/// JPEG-LS codestreams as some writers make them, which CharLS 2.4 refuses and DCMTK's dcmdjpls decodes: zero bytes
/// between the end of the scan and EOI (the DICOM WG04 sample MR1_JLSL, 16-bit signed, carries one), comment or
/// application segments there, data after EOI, and preset coding parameters outside ISO/IEC 14495-1's ranges (dcmcjpls writes them when given such thresholds or
/// RESET). Each is built from a DCMTK encoding of a test source the same way, decoded here and compared byte for byte
/// with dcmdjpls's decoding; streams that are broken (dcmdjpls refuses them too) still fail with a typed error.
/// </summary>
[Trait("Category", "peer")]
public sealed class JpegLsWriterQuirkTests
{
    /// <summary>Sources and DCMTK encodings: 16-bit signed first (the case met in the field), then other depths and interleaves.</summary>
    public static TheoryData<string, string> Streams => new()
    {
        { "signed16", "dcmcjpls" },
        { "mono16", "dcmcjpls" },
        { "signed12", "dcmcjpls" },
        { "mono8", "dcmcjpls" },
        { "rgb8", "dcmcjpls-none" },
        { "rgb8", "dcmcjpls-sample" },
        { "mono12", "dcmcjpls-near3" },
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public void ZeroBytesBetweenScanAndEndOfImageDecodeLikeDcmtk(string source, string encodingId)
    {
        var encoded = Encoded(source, encodingId);
        var reference = DcmtkFrames(encoded);
        int decodedByDcmtk = 0;
        for (int zeros = 1; zeros <= JpegLsCodec.MaxZeroFill; zeros++)
        {
            var variant = Variant(encoded, $"zero{zeros}", frame => InsertBeforeEndOfImage(frame, new byte[zeros]));
            var frames = Decode(variant);
            var dcmtk = TryDcmtkFrames(variant);
            decodedByDcmtk += dcmtk is null ? 0 : 1;

            // Where dcmdjpls decodes the stream (it does or does not, by the state of its bit reader at the end of the
            // scan), it gives the samples of the stream without the zeros; so do we, always.
            for (int f = 0; f < frames.Length; f++)
            {
                CodecPeers.AssertSameBytes((dcmtk ?? reference)[f], frames[f], $"{source} {encodingId} with {zeros} zero bytes before EOI, frame {f}{(dcmtk is null ? " (vs the stream without them; dcmdjpls refuses this one)" : " vs dcmdjpls")}");
            }
        }

        // One zero byte (the WG04 sample's case) dcmdjpls takes in nearly every stream; it must have been compared here.
        Assert.True(decodedByDcmtk > 0, $"dcmdjpls decoded none of the {source} {encodingId} streams with zero bytes before EOI");
    }

    [Fact]
    public void SignedSixteenBitStreamWithOneZeroByteBeforeEndOfImageDecodesLikeDcmtk()
    {
        // The construction of the WG04 sample: 16-bit signed, lossless, one 0x00 between the last scan byte and FFD9.
        var variant = Variant(Encoded("signed16", "dcmcjpls"), "wg04", frame => InsertBeforeEndOfImage(frame, [0]));
        var dcmtk = TryDcmtkFrames(variant);
        Assert.NotNull(dcmtk);
        var frames = Decode(variant);
        CodecPeers.AssertSameBytes(dcmtk[0], frames[0], "signed16 with one zero byte before EOI vs dcmdjpls");
        var (_, source) = CodecPeers.NativeFrames(CodecPeers.Source("signed16"));
        CodecPeers.AssertSameBytes(source[0], frames[0], "signed16 with one zero byte before EOI vs the source");
    }

    [Theory]
    [InlineData("zeros", 0x00, 40)]
    [InlineData("ones", 0x01, 20)]
    public void DataAfterEndOfImageIsIgnoredLikeDcmtk(string name, byte value, int count)
    {
        var encoded = Encoded("signed16", "dcmcjpls");
        var variant = Variant(encoded, $"after-{name}", frame => [.. frame, .. Enumerable.Repeat(value, count)]);
        var dcmtk = TryDcmtkFrames(variant);
        Assert.NotNull(dcmtk);
        CodecPeers.AssertSameBytes(dcmtk[0], Decode(variant)[0], $"signed16 with {count} bytes {value:X2} after EOI vs dcmdjpls");
    }

    [Theory]
    [InlineData("signed16", "dcmcjpls")]
    [InlineData("rgb8", "dcmcjpls-sample")]
    [InlineData("multiframe12", "dcmcjpls-near3")]
    public void CommentAndApplicationSegmentsBetweenScanAndEndOfImageDecodeLikeDcmtk(string source, string encodingId)
    {
        // dcmdjpls stops after the scan; CharLS says "missing End Of Image (EOI) marker".
        byte[] segments = [0xFF, 0xFE, 0x00, 0x06, (byte)'p', (byte)'l', (byte)'a', (byte)'o', 0xFF, 0xE1, 0x00, 0x04, 0x01, 0x02];
        var variant = Variant(Encoded(source, encodingId), "segments", frame => InsertBeforeEndOfImage(frame, segments));
        var dcmtk = TryDcmtkFrames(variant);
        Assert.NotNull(dcmtk);
        var frames = Decode(variant);
        for (int f = 0; f < frames.Length; f++)
        {
            CodecPeers.AssertSameBytes(dcmtk[f], frames[f], $"{source} {encodingId} with COM and APP1 before EOI, frame {f} vs dcmdjpls");
        }
    }

    [Theory]
    [InlineData("junk", new byte[] { 0x12, 0x34 })]
    [InlineData("zeros8", new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void OtherBytesBeforeEndOfImageAreRefusedNamingTheFrame(string name, byte[] inserted)
    {
        // Non-zero bytes after the scan are data the scan does not account for; more zero bytes than dcmdjpls's bit
        // reader can hold it refuses too. Frame 1 of a multi-frame file, so the frame named is checked.
        var encoded = Encoded("multiframe12", "dcmcjpls");
        var variant = Variant(encoded, $"bad-{name}", frame => InsertBeforeEndOfImage(frame, inserted));
        Assert.Null(TryDcmtkFrames(variant));
        var pixels = DicomPixelData.Create(DicomFile.Open(variant));
        var e = Assert.ThrowsAny<DicomPixelDataException>(() => pixels.DecodeFrame(1, CodecPeers.Registry));
        Assert.Equal(1, e.Frame);
        Assert.Contains("CharLS error", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZeroFillIsRemovedOnlyBetweenScanDataAndEndOfImage()
    {
        byte[] stream = [0xFF, 0xD8, 0x12, 0x2B, 0x00, 0x00, 0xFF, 0xD9, 0x00, 0x00];
        Assert.Equal([0xFF, 0xD8, 0x12, 0x2B, 0x00, 0xFF, 0xD9, 0x00, 0x00], JpegLsCodec.WithoutZeroFill(stream, 1));
        Assert.Equal([0xFF, 0xD8, 0x12, 0x2B, 0xFF, 0xD9, 0x00, 0x00], JpegLsCodec.WithoutZeroFill(stream, 2));
        Assert.Null(JpegLsCodec.WithoutZeroFill(stream, 3));

        // Before 0xFF fill bytes; and never the zero byte after a 0xFF data byte, which holds its stuffed bit.
        Assert.Equal([0xFF, 0xD8, 0x2B, 0xFF, 0xFF, 0xD9], JpegLsCodec.WithoutZeroFill([0xFF, 0xD8, 0x2B, 0x00, 0xFF, 0xFF, 0xD9], 1));
        Assert.Equal([0xFF, 0xD8, 0x2B, 0xFF, 0x00, 0xFF, 0xD9], JpegLsCodec.WithoutZeroFill([0xFF, 0xD8, 0x2B, 0xFF, 0x00, 0x00, 0xFF, 0xD9], 1));
        Assert.Null(JpegLsCodec.WithoutZeroFill([0xFF, 0xD8, 0x2B, 0xFF, 0x00, 0x00, 0xFF, 0xD9], 2));
        Assert.Null(JpegLsCodec.WithoutZeroFill([0xFF, 0xD8, 0x2B, 0x00, 0x00, 0x00], 1));
    }

    [Fact]
    public void EndOfImageIsFoundAtTheEndOrByWalkingTheMarkers()
    {
        byte[] stream = [0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, 0xFF, 0xD9, 0xFF, 0xDA, 0x00, 0x03, 0x01, 0x12, 0xFF, 0x7F, 0xFF, 0xD9];
        Assert.Equal(16, JpegLsCodec.FindEndOfImage(stream));
        Assert.Equal(16, JpegLsCodec.FindEndOfImage([.. stream, .. new byte[100]]));
        Assert.Equal(16, JpegLsCodec.FindEndOfImage([.. stream, .. Enumerable.Repeat((byte)7, 100)]));

        // A comment and an APP1 segment after the scan are removed, nothing else.
        byte[] withSegments = [.. stream.AsSpan(0, 16), 0xFF, 0xFE, 0x00, 0x03, 0x41, 0xFF, 0xE1, 0x00, 0x02, 0xFF, 0xFF, 0xD9, 0x00];
        Assert.Equal([.. stream, 0x00], JpegLsCodec.WithoutSegmentsBeforeEndOfImage(withSegments));
        Assert.Null(JpegLsCodec.WithoutSegmentsBeforeEndOfImage(stream));
        Assert.Null(JpegLsCodec.WithoutSegmentsBeforeEndOfImage([.. stream.AsSpan(0, 16), 0xFF, 0xDC, 0x00, 0x04, 0x00, 0x10, 0xFF, 0xD9]));

        // Cut inside the scan and padded: the FFD9 inside the comment segment is not taken for EOI.
        Assert.Equal(-1, JpegLsCodec.FindEndOfImage([.. stream.AsSpan(0, 16), .. Enumerable.Repeat((byte)7, 30)]));
        Assert.Equal(-1, JpegLsCodec.FindEndOfImage([.. stream.AsSpan(0, 16), .. new byte[30]]));
    }

    /// <summary>
    /// DCMTK encodings with preset coding parameters outside ISO/IEC 14495-1's ranges (dcmcjpls writes what it is given
    /// in an LSE segment and codes with it): source, options, and the LSE condition CharLS refuses.
    /// </summary>
    public static TheoryData<string, string> PresetStreams => new()
    {
        { "signed16", "+t1 80 +t2 67 +t3 276" },
        { "signed16", "+t1 18 +t2 67 +t3 50" },
        { "signed16", "+rs 2" },
        { "mono12", "+t1 40 +t2 20 +t3 300 +rs 100" },
        { "mono8", "+t1 9 +t2 5 +t3 21" },
        { "mono12", "+en +md 3 +t1 30 +t2 12 +t3 90" },
        { "rgb8", "+t1 10 +t2 4 +t3 21" },
        { "rgb8", "+is +t1 3 +t2 7 +t3 5" },
        { "multiframe12", "+t1 20 +t2 10 +t3 200" },
    };

    [Theory]
    [MemberData(nameof(PresetStreams))]
    public void PresetParametersCharLsRefusesDecodeLikeDcmtk(string source, string options)
    {
        var encoded = EncodedWith(source, options);
        var (pixels, frames) = CodecPeers.DecodeAll(encoded);
        var (maxVal, t1, t2, t3, reset) = PresetParameters(pixels.GetEncodedFrame(0));
        Assert.True(t1 > t2 || t2 > t3 || reset < 3, $"the LSE segment (MAXVAL {maxVal}, T1 {t1}, T2 {t2}, T3 {t3}, RESET {reset}) is within ISO/IEC 14495-1's ranges: CharLS would decode it itself");

        var dcmtk = DcmtkFrames(encoded);
        var (_, original) = CodecPeers.NativeFrames(CodecPeers.Source(source));
        bool lossless = pixels.TransferSyntax.Uid == DicomTransferSyntax.JpegLSLossless.Uid;
        for (int f = 0; f < frames.Length; f++)
        {
            CodecPeers.AssertSameBytes(dcmtk[f], frames[f].Bytes, $"{source} {options} frame {f} vs dcmdjpls");
            if (lossless)
            {
                CodecPeers.AssertSameBytes(original[f], frames[f].Bytes, $"{source} {options} frame {f} vs the source");
            }
        }
    }

    [Fact]
    public void PresetParametersCharLsRefusesWithZeroFillDecodeLikeDcmtk()
    {
        var variant = Variant(EncodedWith("signed16", "+t1 80 +t2 67 +t3 276"), "zero1", frame => InsertBeforeEndOfImage(frame, [0]));
        var dcmtk = TryDcmtkFrames(variant);
        Assert.NotNull(dcmtk);
        CodecPeers.AssertSameBytes(dcmtk[0], Decode(variant)[0], "signed16 T1 > T2 with one zero byte before EOI vs dcmdjpls");
    }

    [Fact]
    public void PresetParametersCharLsRefusesInABrokenStreamFailNamingTheFrame()
    {
        var encoded = EncodedWith("multiframe12", "+t1 20 +t2 10 +t3 200");
        var pixels = DicomPixelData.Create(DicomFile.Open(encoded));
        var codec = CodecPeers.Registry.Get(pixels.TransferSyntax);
        var frame = pixels.GetEncodedFrame(2);
        int eoi = JpegLsCodec.FindEndOfImage(frame);

        // The scan cut to half, EOI put back; the scan with bytes after its end; the scan with its data zeroed.
        byte[] cut = [.. frame.AsSpan(0, eoi / 2), 0xFF, 0xD9];
        byte[] extra = [.. frame.AsSpan(0, eoi), 0x12, 0x34, 0xFF, 0xD9];
        var zeroed = (byte[])frame.Clone();
        Array.Clear(zeroed, 60, eoi - 60);
        foreach (var (name, bytes) in new[] { ("cut", cut), ("extra", extra), ("zeroed", zeroed) })
        {
            var e = Assert.ThrowsAny<DicomPixelDataException>(() => codec.Decode(bytes, pixels.Info, 2));
            Assert.True(e.Frame == 2, $"{name}: the exception names frame {e.Frame}: {e.Message}");
        }

        // No interleave: dcmcjpls repeats the LSE segment before each component's scan, where dcmdjpls cannot read it.
        var none = EncodedWith("rgb8", "+in +rs 2");
        Assert.Null(TryDcmtkFrames(none));
        var planes = DicomPixelData.Create(DicomFile.Open(none));
        var betweenScans = Assert.ThrowsAny<DicomPixelDataException>(() => planes.DecodeFrame(0, CodecPeers.Registry));
        Assert.Equal(0, betweenScans.Frame);
        Assert.Contains("between scans", betweenScans.Message, StringComparison.Ordinal);

        // Sample interleave with a RESET other than 64, which dcmdjpls decodes as one component (dcmcjpls 3.6.7 crashes
        // making it, so the RESET is written into the LSE segment of another): refused, saying so.
        var rgb = DicomPixelData.Create(DicomFile.Open(EncodedWith("rgb8", "+is +t1 10 +t2 4 +t3 21")));
        var sample = rgb.GetEncodedFrame(0);
        int lse = sample.AsSpan().IndexOf([(byte)0xFF, (byte)0xF8]);
        sample[lse + 13] = 0;
        sample[lse + 14] = 32;
        var refused = Assert.ThrowsAny<DicomPixelDataException>(() => codec.Decode(sample, rgb.Info, 0));
        Assert.Equal(0, refused.Frame);
        Assert.Contains("sample interleave", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("multiframe12", "+t1 20 +t2 10 +t3 200", 1)]
    [InlineData("rgb8", "+is +t1 3 +t2 7 +t3 5", 0)]
    [InlineData("signed16", "+rs 2", 0)]
    public void PresetParameterStreamsCorruptedAfterTheirLseFailCleanlyOrDecodeToAFrame(string source, string options, int frame)
    {
        // Damage after the LSE segment, so that CharLS still refuses the parameters and the managed decoder meets it:
        // bit flips, random bytes, cuts with EOI put back. Each gives a typed error naming the frame or a whole frame.
        var pixels = DicomPixelData.Create(DicomFile.Open(EncodedWith(source, options)));
        var codec = CodecPeers.Registry.Get(pixels.TransferSyntax);
        var encoded = pixels.GetEncodedFrame(frame);
        int start = encoded.AsSpan().IndexOf([(byte)0xFF, (byte)0xF8]) + 15;
        int end = JpegLsCodec.FindEndOfImage(encoded);
        var random = new Random(encoded.Length);
        int failures = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] damaged;
            if (trial % 3 == 2)
            {
                damaged = [.. encoded.AsSpan(0, random.Next(start, end)), 0xFF, 0xD9];
            }
            else
            {
                damaged = (byte[])encoded.Clone();
                int at = random.Next(start, end);
                if (trial % 3 == 0)
                {
                    damaged[at] ^= (byte)(1 << random.Next(8));
                }
                else
                {
                    random.NextBytes(damaged.AsSpan(at, Math.Min(end - at, 1 + random.Next(8))));
                }
            }

            try
            {
                Assert.Equal(pixels.Info.FrameBytes, codec.Decode(damaged, pixels.Info, frame).Bytes.Length);
            }
            catch (DicomPixelDataException e)
            {
                failures++;
                Assert.True(e.Frame == frame, $"trial {trial}: the exception names frame {e.Frame}: {e.Message}");
            }
        }

        Assert.True(failures > 0, "no damage was detected in 300 trials");
    }

    private static string EncodedWith(string source, string options) =>
        CodecPeers.Encode(source, new PeerEncoding("dcmcjpls" + options.Replace(" ", string.Empty, StringComparison.Ordinal), "dcmcjpls", options.Split(' ')));

    /// <summary>The values of the codestream's LSE preset coding parameters segment.</summary>
    private static (int MaxVal, int T1, int T2, int T3, int Reset) PresetParameters(byte[] codestream)
    {
        for (int i = 2; i + 15 <= codestream.Length; i++)
        {
            if (codestream[i] == 0xFF && codestream[i + 1] == 0xF8 && codestream[i + 4] == 1)
            {
                int Word(int at) => (codestream[i + at] << 8) | codestream[i + at + 1];
                return (Word(5), Word(7), Word(9), Word(11), Word(13));
            }
        }

        throw new InvalidOperationException("the codestream has no LSE preset coding parameters segment");
    }

    private static string Encoded(string source, string encodingId) =>
        CodecPeers.Encode(source, CodecPeers.JpegLsEncodings.Single(e => e.Id == encodingId));

    /// <summary>The codestream with <paramref name="inserted"/> put between the scan data and the EOI marker (and its 0xFF fill).</summary>
    private static byte[] InsertBeforeEndOfImage(byte[] frame, byte[] inserted)
    {
        int eoi = JpegLsCodec.FindEndOfImage(frame);
        Assert.True(eoi > 0, "the peer's codestream has no EOI");
        int fill = eoi;
        while (frame[fill - 1] == 0xFF)
        {
            fill--;
        }

        return [.. frame.AsSpan(0, fill), .. inserted, .. frame.AsSpan(fill)];
    }

    /// <summary>A copy of an encapsulated file with each frame's codestream changed, written to the scratch folder.</summary>
    private static string Variant(string encodedPath, string name, Func<byte[], byte[]> change)
    {
        var file = DicomFile.Open(encodedPath);
        var pixels = DicomPixelData.Create(file);
        var fragments = new List<DicomBuffer>();
        for (int f = 0; f < pixels.FrameCount; f++)
        {
            var frame = change(pixels.GetEncodedFrame(f));
            fragments.Add(DicomBuffer.FromMemory((frame.Length & 1) == 0 ? frame : [.. frame, 0]));
        }

        file.Dataset.AddOrUpdate(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, DicomBuffer.FromMemory(Array.Empty<byte>()), fragments));
        var path = Path.Combine(CodecPeers.ScratchDirectory, $"{Path.GetFileNameWithoutExtension(encodedPath)}.{name}.dcm");
        file.Save(path);
        return path;
    }

    private static byte[][] Decode(string path) => [.. CodecPeers.DecodeAll(path).Frames.Select(f => f.Bytes)];

    private static byte[][] DcmtkFrames(string path) => TryDcmtkFrames(path) ?? throw new InvalidOperationException($"dcmdjpls refuses {path}");

    /// <summary>dcmdjpls's decoding of the file, or null where it refuses it.</summary>
    private static byte[][]? TryDcmtkFrames(string path)
    {
        Peers.Require("dcmdjpls");
        var output = Path.ChangeExtension(path, ".dcmdjpls.dcm");
        File.Delete(output);
        var (code, _, _) = Peers.Run("dcmdjpls", [path, output]);
        return code == 0 ? CodecPeers.NativeFrames(output).Frames : null;
    }
}
