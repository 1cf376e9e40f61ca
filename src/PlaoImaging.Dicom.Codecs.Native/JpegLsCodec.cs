using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>
/// JPEG-LS Lossless (1.2.840.10008.1.2.4.80) and Near-Lossless (.81) through the system's CharLS 2.x.
/// Decoded frames come out colour-by-pixel (Planar Configuration 0) whatever the interleave mode of the scan, as DCMTK's
/// dcmdjpls and GDCM's gdcmconv --raw write them, with the decoded sample values as they are (no sign extension).
/// The frame header is read and checked against the dataset before CharLS allocates or writes anything, and CharLS
/// writes only into a buffer of exactly the size it reports. Encoding codes Bits Stored bits per sample (P = Bits Stored,
/// bits above masked off; DCMTK and GDCM code signed 12-bit cells as 16-bit samples instead), so a decoded signed frame
/// has zeros above Bits Stored; near-lossless encoding of signed data is refused.
/// <para>
/// Decoding takes four kinds of codestreams CharLS 2.4 refuses and DCMTK's dcmdjpls decodes, with dcmdjpls's result:
/// zero bytes between the end of the scan data and EOI (the DICOM WG04 sample MR1_JLSL, 16-bit signed, has one; CharLS
/// says "the leading start byte (0xFF) for a JPEG marker was not found"), decoded again without them, up to
/// <see cref="MaxZeroFill"/>; COM or APPn segments there ("missing End Of Image (EOI) marker"), decoded again without
/// them; data of any length after EOI (the EOI is then found by walking the marker segments); and
/// preset coding parameters outside the ranges of ISO/IEC 14495-1 (T1 &gt; T2, T3 &lt; T2, RESET &lt; 3: "JPEG-LS preset
/// parameters segment contains invalid values", written by dcmcjpls when given such values), decoded by a managed
/// decoder that follows dcmdjpls 3.6.7 (<see cref="JpegLsPresetDecoder"/>). Other bytes before EOI, or more zeros, and
/// codestreams dcmdjpls would read in a way of its own, fail with a <see cref="DicomPixelDataException"/> naming the
/// frame and the reason.
/// </para>
/// </summary>
public sealed class JpegLsCodec : IDicomCodec
{
    /// <summary>
    /// The most zero bytes between the end of the scan and EOI that decoding removes. DCMTK's dcmdjpls (a CharLS 1.0 fork)
    /// accepts them where they are still in its 64-bit bit reader when the scan ends and are all zero bits: up to 6 in
    /// the streams tried, never 7 or more.
    /// </summary>
    internal const int MaxZeroFill = 7;

    private const string DecodeStep = "decoding";

    /// <summary>charls_jpegls_errc invalid_parameter_jpegls_preset_parameters: an LSE segment outside ISO/IEC 14495-1's ranges.</summary>
    private const int InvalidPresetParameters = 206;

    private readonly NativeLibraryLoader library;

    /// <summary>A JPEG-LS codec for <paramref name="syntax"/> (JPEG-LS Lossless or Near-Lossless).</summary>
    /// <param name="syntax">1.2.840.10008.1.2.4.80 or .81.</param>
    /// <param name="nearLosslessError">NEAR for near-lossless encoding (largest difference allowed per sample, 1 to 255); ignored for lossless.</param>
    public JpegLsCodec(DicomTransferSyntax syntax, int nearLosslessError = 2)
        : this(syntax, nearLosslessError, NativeLibraries.CharLs)
    {
    }

    internal JpegLsCodec(DicomTransferSyntax syntax, int nearLosslessError, NativeLibraryLoader library)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        ArgumentNullException.ThrowIfNull(library);
        bool lossless = syntax.Uid == DicomTransferSyntax.JpegLSLossless.Uid;
        if (!lossless && syntax.Uid != DicomTransferSyntax.JpegLSNearLossless.Uid)
        {
            throw new ArgumentException($"{syntax.Name} is not a JPEG-LS transfer syntax", nameof(syntax));
        }

        if (!lossless && nearLosslessError is < 1 or > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(nearLosslessError), nearLosslessError, "NEAR must be 1 to 255");
        }

        TransferSyntax = syntax;
        NearLosslessError = lossless ? 0 : nearLosslessError;
        this.library = library;
        NativeLibraries.EnsureResolver();
    }

    public DicomTransferSyntax TransferSyntax { get; }

    public bool CanEncode => true;

    /// <summary>NEAR used when encoding: 0 for lossless.</summary>
    public int NearLosslessError { get; }

    public DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame)
    {
        ArgumentNullException.ThrowIfNull(info);
        CheckLayout(info, frame);
        library.EnsureAvailable("JPEG-LS decoding", frame);
        if (encoded.Length < 4)
        {
            throw new DicomPixelDataException(frame, $"JPEG-LS frame of {encoded.Length} bytes is too short to hold a codestream");
        }

        if (!EndsWithEndOfImage(encoded))
        {
            // CharLS 2.4.1 (Debian 12) can loop forever on a codestream cut off inside the scan; without EOI it would
            // fail anyway, so a missing EOI is refused here, before CharLS sees the data.
            throw new DicomPixelDataException(frame, "JPEG-LS codestream does not end with an EOI marker (FFD9): it is truncated");
        }

        try
        {
            return DecodeTolerant(encoded, info, frame);
        }
        catch (EntryPointNotFoundException e)
        {
            throw library.Unavailable("JPEG-LS decoding", frame, "the installed CharLS lacks the charls_jpegls_decoder API of CharLS 2.1 or later", e);
        }
    }

    public byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int frame)
    {
        ArgumentNullException.ThrowIfNull(info);
        CheckLayout(info, frame);
        if (native.Length < info.FrameBytes)
        {
            throw new DicomPixelDataException(frame, $"native frame of {native.Length} bytes; {info.FrameBytes} expected");
        }

        if (info.BitsStored < 2)
        {
            throw new DicomPixelDataException(frame, $"JPEG-LS needs at least 2 bits per sample; Bits Stored is {info.BitsStored}");
        }

        if (NearLosslessError > 0 && info.IsSigned)
        {
            // Near-lossless errors are bounded on the unsigned sample values; across the wrap from the largest positive
            // to the most negative two's complement value they would be unbounded (DCMTK refuses this too).
            throw new DicomPixelDataException(frame, "JPEG-LS near-lossless encoding of signed samples is not supported");
        }

        if (info.SamplesPerPixel > 1 && info.PhotometricInterpretation is not ("RGB" or "YBR_FULL"))
        {
            throw new DicomPixelDataException(frame, $"JPEG-LS encodes colour as RGB or YBR_FULL, not {info.PhotometricInterpretation}");
        }

        library.EnsureAvailable("JPEG-LS encoding", frame);
        try
        {
            return EncodeCore(native, info, frame);
        }
        catch (EntryPointNotFoundException e)
        {
            throw library.Unavailable("JPEG-LS encoding", frame, "the installed CharLS lacks the charls_jpegls_encoder API of CharLS 2.1 or later", e);
        }
    }

    /// <summary>
    /// Whether the codestream has its EOI marker: among the last 16 bytes (after EOI there may be fragment padding and,
    /// from some writers, a stray byte: DCMTK 3.6.7 leaves one after some frames), or else found by walking the marker
    /// segments and scans from SOI, so that any amount of data after EOI is allowed, as dcmdjpls allows it. FFD9 cannot
    /// occur inside JPEG-LS scan data, whose 0xFF bytes are followed by a byte below 0x80, so a codestream cut off inside
    /// its scan has none there.
    /// </summary>
    internal static bool EndsWithEndOfImage(ReadOnlySpan<byte> encoded) => FindEndOfImage(encoded) >= 0;

    /// <summary>Where the EOI marker (FFD9) starts, or -1: see <see cref="EndsWithEndOfImage"/>.</summary>
    internal static int FindEndOfImage(ReadOnlySpan<byte> encoded)
    {
        for (int i = encoded.Length - 2; i >= Math.Max(2, encoded.Length - 16); i--)
        {
            if (encoded[i] == 0xFF && encoded[i + 1] == 0xD9)
            {
                return i;
            }
        }

        return FindEndOfImageByMarkers(encoded, out _);
    }

    /// <summary>
    /// The EOI marker found by walking the codestream from SOI: marker segments by their lengths, entropy-coded data
    /// after each SOS up to the next marker (0xFF followed by a byte from 0x80, other than RSTn). Finds EOI however much
    /// is after it; -1 for a codestream that ends (or breaks) before one.
    /// </summary>
    /// <param name="encoded">The codestream.</param>
    /// <param name="scanEnd">Where the entropy-coded data of the last scan before EOI ends (-1 when there is no scan).</param>
    private static int FindEndOfImageByMarkers(ReadOnlySpan<byte> encoded, out int scanEnd)
    {
        scanEnd = -1;
        if (encoded.Length < 4 || encoded[0] != 0xFF || encoded[1] != 0xD8)
        {
            return -1;
        }

        int i = 2;
        while (i + 1 < encoded.Length && encoded[i] == 0xFF)
        {
            byte code = encoded[i + 1];
            if (code == 0xFF)
            {
                i++;
                continue;
            }

            if (code == 0xD9)
            {
                return i;
            }

            if (code is 0xD8 or (>= 0xD0 and <= 0xD7) || i + 3 >= encoded.Length)
            {
                return -1;
            }

            int length = (encoded[i + 2] << 8) | encoded[i + 3];
            i += 2 + length;
            if (length < 2 || i > encoded.Length)
            {
                return -1;
            }

            while (code == 0xDA)
            {
                int next = encoded[i..].IndexOf((byte)0xFF);
                if (next < 0 || i + next + 1 >= encoded.Length)
                {
                    return -1;
                }

                i += next;
                byte after = encoded[i + 1];
                if (after >= 0x80 && after is not (>= 0xD0 and <= 0xD7))
                {
                    scanEnd = i;
                    break;
                }

                i += 2;
            }
        }

        return -1;
    }

    /// <summary>
    /// The codestream without the comment (COM) and application (APPn) segments between the end of its last scan and
    /// EOI, or null where there are none or something else is there. dcmdjpls stops reading after the scan; CharLS wants
    /// EOI next ("missing End Of Image (EOI) marker").
    /// </summary>
    internal static byte[]? WithoutSegmentsBeforeEndOfImage(ReadOnlySpan<byte> encoded)
    {
        int eoi = FindEndOfImageByMarkers(encoded, out int scanEnd);
        if (eoi < 0 || scanEnd < 0)
        {
            return null;
        }

        bool removed = false;
        int i = scanEnd;
        while (i < eoi)
        {
            byte code = encoded[i + 1];
            if (code == 0xFF)
            {
                i++;
                continue;
            }

            if (code is not (0xFE or (>= 0xE0 and <= 0xEF)))
            {
                return null;
            }

            i += 2 + ((encoded[i + 2] << 8) | encoded[i + 3]);
            removed = true;
        }

        return removed && i == eoi ? [.. encoded[..scanEnd], .. encoded[eoi..]] : null;
    }

    /// <summary>
    /// The codestream with <paramref name="count"/> zero bytes removed from between the end of the scan data and the EOI
    /// marker (and any 0xFF fill bytes before it), or null where there are not that many. A zero byte right after a
    /// 0xFF is kept: it carries the scan's stuffed bit.
    /// </summary>
    internal static byte[]? WithoutZeroFill(ReadOnlySpan<byte> encoded, int count)
    {
        int eoi = FindEndOfImage(encoded);
        if (eoi < 0 || count < 1)
        {
            return null;
        }

        int fill = eoi;
        while (fill > 0 && encoded[fill - 1] == 0xFF)
        {
            fill--;
        }

        int start = fill - count;
        if (start < 1 || encoded[start - 1] == 0xFF || encoded[start..fill].ContainsAnyExcept((byte)0))
        {
            return null;
        }

        return [.. encoded[..start], .. encoded[fill..]];
    }

    private static void CheckLayout(DicomImageInfo info, int frame)
    {
        if (info.IsFloat || info.BitsAllocated is not (8 or 16))
        {
            throw new DicomPixelDataException(frame, $"JPEG-LS holds 2 to 16-bit integer samples; Bits Allocated {info.BitsAllocated}{(info.IsFloat ? " (float)" : string.Empty)} is not supported");
        }

        if (info.SamplesPerPixel is not (1 or 3))
        {
            throw new DicomPixelDataException(frame, $"JPEG-LS with {info.SamplesPerPixel} samples per pixel is not supported");
        }

        if (info.FrameBytes > DicomImageInfo.MaxFrameBytes)
        {
            throw new DicomPixelDataException(frame, $"a frame of {info.FrameBytes} bytes is over the {DicomImageInfo.MaxFrameBytes}-byte limit");
        }
    }

    /// <summary>
    /// Decodes through CharLS; where CharLS refuses the preset coding parameters, through <see cref="JpegLsPresetDecoder"/>;
    /// where it refuses the scan, decodes the repairs of <see cref="Repairs"/> in turn, reporting CharLS's first error if
    /// none decodes.
    /// </summary>
    private static DicomDecodedFrame DecodeTolerant(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame)
    {
        try
        {
            return DecodeCore(encoded, info, frame);
        }
        catch (CharLsException e) when (e.Error == InvalidPresetParameters)
        {
            var samples = JpegLsPresetDecoder.Decode(encoded, info, frame, out int bitsPerSample, out bool planar);
            return ToFrame(samples, bitsPerSample <= 8 ? 1 : 2, planar, info);
        }
        catch (CharLsException e) when (e.Step == DecodeStep)
        {
            foreach (var repaired in Repairs(encoded.ToArray()))
            {
                try
                {
                    return DecodeCore(repaired, info, frame);
                }
                catch (CharLsException)
                {
                    // The next repair may be the one; the first error is the one reported.
                }
            }

            throw;
        }
    }

    /// <summary>
    /// What dcmdjpls would decode the same as <paramref name="encoded"/>, for CharLS: without COM/APPn segments between
    /// the scan and EOI; without 1, 2, ... up to <see cref="MaxZeroFill"/> zero bytes before EOI.
    /// </summary>
    private static IEnumerable<byte[]> Repairs(byte[] encoded)
    {
        if (WithoutSegmentsBeforeEndOfImage(encoded) is { } withoutSegments)
        {
            yield return withoutSegments;
        }

        for (int count = 1; count <= MaxZeroFill; count++)
        {
            if (WithoutZeroFill(encoded, count) is not { } trimmed)
            {
                yield break;
            }

            yield return trimmed;
        }
    }

    private static unsafe DicomDecodedFrame DecodeCore(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame)
    {
        nint decoder = CharLsInterop.DecoderCreate();
        if (decoder == 0)
        {
            throw new DicomPixelDataException(frame, "CharLS could not create a JPEG-LS decoder (out of memory)");
        }

        try
        {
            fixed (byte* source = encoded)
            {
                Check(CharLsInterop.DecoderSetSourceBuffer(decoder, source, (nuint)encoded.Length), "reading the codestream", frame);
                Check(CharLsInterop.DecoderReadHeader(decoder), "reading the header", frame);
                CharLsInterop.FrameInfo header;
                Check(CharLsInterop.DecoderGetFrameInfo(decoder, &header), "reading the frame header", frame);
                int interleave;
                Check(CharLsInterop.DecoderGetInterleaveMode(decoder, &interleave), "reading the interleave mode", frame);
                CheckHeader(header, info, frame);

                int sourceBytes = header.BitsPerSample <= 8 ? 1 : 2;
                long expected = (long)info.PixelCount * info.SamplesPerPixel * sourceBytes;
                nuint size;
                Check(CharLsInterop.DecoderGetDestinationSize(decoder, 0, &size), "sizing the output", frame);
                if ((ulong)size != (ulong)expected)
                {
                    throw new DicomPixelDataException(frame, $"CharLS asks for {size} bytes of output; {expected} are expected for the frame");
                }

                bool planar = info.SamplesPerPixel > 1 && interleave == CharLsInterop.InterleaveNone;
                bool direct = !planar && sourceBytes * 8 == info.BitsAllocated;
                var decoded = direct ? new byte[info.FrameBytes] : GC.AllocateUninitializedArray<byte>((int)expected);
                fixed (byte* destination = decoded)
                {
                    Check(CharLsInterop.DecoderDecodeToBuffer(decoder, destination, (nuint)expected, 0), DecodeStep, frame);
                }

                if (sourceBytes == 2)
                {
                    NativeSamples.SwapOnBigEndianHost16(decoded.AsSpan(0, (int)expected));
                }

                return ToFrame(decoded, sourceBytes, planar, info);
            }
        }
        finally
        {
            CharLsInterop.DecoderDestroy(decoder);
        }
    }

    /// <summary>Decoded samples (1 or 2 bytes each, little-endian) as a DICOM native frame, colour-by-pixel.</summary>
    private static DicomDecodedFrame ToFrame(byte[] decoded, int sourceBytes, bool planar, DicomImageInfo info)
    {
        bool direct = !planar && sourceBytes * 8 == info.BitsAllocated;
        var output = direct ? decoded : NativeSamples.ToNativeFrame(decoded, sourceBytes, planar, info);
        return new DicomDecodedFrame(output, info.PhotometricInterpretation, 0);
    }

    internal static void CheckHeader(CharLsInterop.FrameInfo header, DicomImageInfo info, int frame)
    {
        if (header.Width != (uint)info.Columns || header.Height != (uint)info.Rows)
        {
            throw new DicomPixelDataException(frame, $"the JPEG-LS frame is {header.Width} × {header.Height}; the dataset says {info.Columns} × {info.Rows} (Columns × Rows)");
        }

        if (header.ComponentCount != info.SamplesPerPixel)
        {
            throw new DicomPixelDataException(frame, $"the JPEG-LS frame has {header.ComponentCount} components; the dataset says {info.SamplesPerPixel} samples per pixel");
        }

        if (header.BitsPerSample is < 2 or > 16 || header.BitsPerSample > info.BitsAllocated)
        {
            throw new DicomPixelDataException(frame, $"the JPEG-LS frame has {header.BitsPerSample}-bit samples, which do not fit Bits Allocated {info.BitsAllocated}");
        }
    }

    private unsafe byte[] EncodeCore(ReadOnlySpan<byte> native, DicomImageInfo info, int frame)
    {
        // CharLS reads samples of 1 byte (up to 8 bits) or 2 bytes, holding only the stored bits.
        int sampleBytes = info.BitsStored <= 8 ? 1 : 2;
        int components = info.SamplesPerPixel;
        bool planar = components > 1 && info.PlanarConfiguration == 1;
        var source = PrepareSource(native, info, sampleBytes);
        var header = new CharLsInterop.FrameInfo
        {
            Width = (uint)info.Columns,
            Height = (uint)info.Rows,
            BitsPerSample = info.BitsStored,
            ComponentCount = components,
        };

        nint encoder = CharLsInterop.EncoderCreate();
        if (encoder == 0)
        {
            throw new DicomPixelDataException(frame, "CharLS could not create a JPEG-LS encoder (out of memory)");
        }

        try
        {
            Check(CharLsInterop.EncoderSetFrameInfo(encoder, &header), "setting the frame header", frame);
            Check(CharLsInterop.EncoderSetNearLossless(encoder, NearLosslessError), "setting NEAR", frame);
            if (components > 1)
            {
                // Colour-by-plane input is one scan per component; colour-by-pixel is line-interleaved (DCMTK's default).
                Check(CharLsInterop.EncoderSetInterleaveMode(encoder, planar ? CharLsInterop.InterleaveNone : CharLsInterop.InterleaveLine), "setting the interleave mode", frame);
            }

            if (library.GetExport("charls_jpegls_encoder_set_encoding_options") != 0)
            {
                Check(CharLsInterop.EncoderSetEncodingOptions(encoder, CharLsInterop.EncodingOptionEvenDestinationSize), "setting the encoding options", frame);
            }

            nuint estimate;
            Check(CharLsInterop.EncoderGetEstimatedDestinationSize(encoder, &estimate), "sizing the output", frame);
            if ((ulong)estimate > int.MaxValue - 64)
            {
                throw new DicomPixelDataException(frame, $"CharLS estimates {estimate} bytes of output, more than one buffer holds");
            }

            var destination = new byte[(int)estimate + 64];
            nuint written;
            fixed (byte* target = destination)
            fixed (byte* input = source)
            {
                Check(CharLsInterop.EncoderSetDestinationBuffer(encoder, target, (nuint)destination.Length), "setting the output buffer", frame);
                Check(CharLsInterop.EncoderEncodeFromBuffer(encoder, input, (nuint)source.Length, 0), "encoding", frame);
                Check(CharLsInterop.EncoderGetBytesWritten(encoder, &written), "finishing", frame);
            }

            if ((ulong)written > (ulong)destination.Length)
            {
                throw new DicomPixelDataException(frame, $"CharLS reports {written} bytes written into a {destination.Length}-byte buffer");
            }

            return destination.AsSpan(0, (int)written).ToArray();
        }
        finally
        {
            CharLsInterop.EncoderDestroy(encoder);
        }
    }

    /// <summary>The native samples as CharLS reads them: the stored bits only, 1 or 2 bytes each, layout kept.</summary>
    private static byte[] PrepareSource(ReadOnlySpan<byte> native, DicomImageInfo info, int sampleBytes)
    {
        int count = info.PixelCount * info.SamplesPerPixel;
        int inBytes = info.BitsAllocated / 8;
        int mask = (1 << info.BitsStored) - 1;
        var source = new byte[count * sampleBytes];
        for (int i = 0; i < count; i++)
        {
            int v = inBytes == 1 ? native[i] : native[2 * i] | (native[(2 * i) + 1] << 8);
            v &= mask;
            if (sampleBytes == 1)
            {
                source[i] = (byte)v;
            }
            else
            {
                source[2 * i] = (byte)v;
                source[(2 * i) + 1] = (byte)(v >> 8);
            }
        }

        if (sampleBytes == 2)
        {
            NativeSamples.SwapOnBigEndianHost16(source);
        }

        return source;
    }

    private static void Check(int error, string step, int frame)
    {
        if (error != 0)
        {
            throw new CharLsException(frame, step, error);
        }
    }

    /// <summary>A step of CharLS that failed, with CharLS's error code and text.</summary>
    private sealed class CharLsException(int frame, string step, int error)
        : DicomPixelDataException(frame, $"JPEG-LS {step} failed: {CharLsInterop.ErrorText(error)} (CharLS error {error})")
    {
        public string Step { get; } = step;

        public int Error { get; } = error;
    }
}
