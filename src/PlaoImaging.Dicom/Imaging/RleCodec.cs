using System.Buffers.Binary;
using System.Runtime.Intrinsics;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>
/// RLE Lossless (PS3.5 Annex G): a 64-byte header of up to 15 segment offsets, one PackBits segment per byte plane,
/// most significant byte first, sample by sample. Decoded colour frames come out in the Planar Configuration the dataset
/// declares (colour-by-pixel when it says 0 or nothing), as DCMTK's dcmdrle writes them; the segments themselves are
/// always one per sample plane.
/// </summary>
public sealed class RleCodec : IDicomCodec
{
    public DicomTransferSyntax TransferSyntax => DicomTransferSyntax.RleLossless;

    public bool CanEncode => true;

    public DicomDecodedFrame Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame)
    {
        ArgumentNullException.ThrowIfNull(info);
        JpegCodecs.Validate(info, frame); // bounds the frame before anything is allocated
        if (info.BitsAllocated is not (8 or 16 or 32))
        {
            throw new DicomPixelDataException(frame, $"RLE with Bits Allocated {info.BitsAllocated} is not supported");
        }

        int bytesPerSample = info.BitsAllocated / 8;
        int planes = bytesPerSample * info.SamplesPerPixel;
        if (encoded.Length < 64)
        {
            throw new DicomPixelDataException(frame, $"RLE frame of {encoded.Length} bytes is shorter than its 64-byte header");
        }

        uint segments = BinaryPrimitives.ReadUInt32LittleEndian(encoded);
        if (segments != planes)
        {
            throw new DicomPixelDataException(frame, $"RLE header declares {segments} segments; {planes} are needed for {info.SamplesPerPixel} samples of {info.BitsAllocated} bits");
        }

        if (planes > 15)
        {
            throw new DicomPixelDataException(frame, $"RLE holds at most 15 segments; {info.SamplesPerPixel} samples of {info.BitsAllocated} bits need {planes}");
        }

        int pixels = info.PixelCount;
        bool byPlane = info.SamplesPerPixel > 1 && info.PlanarConfiguration == 1;

        // Every segment is checked before anything is allocated: PackBits turns two bytes into at most 128, so a
        // segment shorter than pixels / 64 cannot fill its plane, and a tiny frame cannot claim a huge one's memory.
        for (int s = 0; s < planes; s++)
        {
            var (start, end) = SegmentBounds(encoded, planes, s, frame);
            if ((long)(end - start) * 64 < pixels)
            {
                throw new DicomPixelDataException(frame, $"RLE segment {s + 1} of {end - start} bytes cannot decode to the {pixels} bytes expected");
            }
        }

        var output = new byte[info.FrameBytes];
        if (planes == 2 && info.SamplesPerPixel == 1)
        {
            DecodeWords(encoded, pixels, output, frame);
            return new DicomDecodedFrame(output, info.PhotometricInterpretation, 0);
        }

        var plane = new byte[pixels];
        for (int s = 0; s < planes; s++)
        {
            var (start, end) = SegmentBounds(encoded, planes, s, frame);
            int produced = UnpackBits(encoded[(int)start..(int)end], plane);
            if (produced < pixels)
            {
                throw new DicomPixelDataException(frame, $"RLE segment {s + 1} decodes to {produced} bytes; {pixels} were expected");
            }

            // Segment s holds byte (bytesPerSample - 1 - s % bytesPerSample) (little-endian position) of sample s / bytesPerSample.
            int sample = s / bytesPerSample;
            int byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
            int first = (byPlane ? sample * pixels * bytesPerSample : sample * bytesPerSample) + byteInSample;
            int step = byPlane ? bytesPerSample : bytesPerSample * info.SamplesPerPixel;
            for (int i = 0, o = first; i < pixels; i++, o += step)
            {
                output[o] = plane[i];
            }
        }

        return new DicomDecodedFrame(output, info.PhotometricInterpretation, byPlane ? 1 : 0);
    }

    /// <summary>
    /// The common 16-bit grey case: both byte planes are unpacked, then interleaved into little-endian words in one
    /// pass (16 pixels at a time where SSE2 is there) instead of two strided byte scatters.
    /// </summary>
    private static void DecodeWords(ReadOnlySpan<byte> encoded, int pixels, byte[] output, int frame)
    {
        var high = new byte[pixels];
        var low = new byte[pixels];
        for (int s = 0; s < 2; s++)
        {
            var (start, end) = SegmentBounds(encoded, 2, s, frame);
            int produced = UnpackBits(encoded[(int)start..(int)end], s == 0 ? high : low);
            if (produced < pixels)
            {
                throw new DicomPixelDataException(frame, $"RLE segment {s + 1} decodes to {produced} bytes; {pixels} were expected");
            }
        }

        int i = 0;
        if (System.Runtime.Intrinsics.X86.Sse2.IsSupported)
        {
            ref byte hi = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(high);
            ref byte lo = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(low);
            ref byte outRef = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(output);
            for (; i + 16 <= pixels; i += 16)
            {
                var l = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref lo, (nuint)i);
                var h = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref hi, (nuint)i);
                System.Runtime.Intrinsics.X86.Sse2.UnpackLow(l, h).StoreUnsafe(ref outRef, (nuint)(2 * i));
                System.Runtime.Intrinsics.X86.Sse2.UnpackHigh(l, h).StoreUnsafe(ref outRef, (nuint)((2 * i) + 16));
            }
        }

        for (; i < pixels; i++)
        {
            output[2 * i] = low[i];
            output[(2 * i) + 1] = high[i];
        }
    }

    private static (uint Start, uint End) SegmentBounds(ReadOnlySpan<byte> encoded, int planes, int s, int frame)
    {
        uint start = BinaryPrimitives.ReadUInt32LittleEndian(encoded[(4 + (4 * s))..]);
        uint end = s + 1 < planes ? BinaryPrimitives.ReadUInt32LittleEndian(encoded[(8 + (4 * s))..]) : (uint)encoded.Length;
        if (start < 64 || start > encoded.Length || end > encoded.Length || end < start)
        {
            throw new DicomPixelDataException(frame, $"RLE segment {s + 1} has offsets {start}..{end} outside the {encoded.Length}-byte frame");
        }

        return (start, end);
    }

    /// <summary>PackBits decoding into <paramref name="destination"/>; returns bytes produced (stops when full).</summary>
    internal static int UnpackBits(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int i = 0;
        int o = 0;
        while (i < source.Length && o < destination.Length)
        {
            sbyte n = (sbyte)source[i++];
            if (n >= 0)
            {
                int count = Math.Min(n + 1, Math.Min(source.Length - i, destination.Length - o));
                source.Slice(i, count).CopyTo(destination[o..]);
                i += n + 1;
                o += count;
            }
            else if (n != -128)
            {
                if (i >= source.Length)
                {
                    break;
                }

                int count = Math.Min(1 - n, destination.Length - o);
                destination.Slice(o, count).Fill(source[i++]);
                o += count;
            }
        }

        return o;
    }

    public byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int frame)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.BitsAllocated is not (8 or 16 or 32))
        {
            throw new DicomPixelDataException(frame, $"RLE with Bits Allocated {info.BitsAllocated} is not supported");
        }

        if (native.Length < info.FrameBytes)
        {
            throw new DicomPixelDataException(frame, $"native frame of {native.Length} bytes; {info.FrameBytes} expected");
        }

        int bytesPerSample = info.BitsAllocated / 8;
        int planes = bytesPerSample * info.SamplesPerPixel;
        if (planes > 15)
        {
            throw new DicomPixelDataException(frame, "RLE holds at most 15 segments");
        }

        int pixels = info.PixelCount;
        using var output = new MemoryStream();
        output.Write(new byte[64]);
        var header = new uint[16];
        header[0] = (uint)planes;
        var plane = new byte[pixels];
        // PackBits may take two bytes for one (a single literal between replicate runs): size for the worst case.
        var packed = new byte[(2 * info.Columns) + 2];
        for (int s = 0; s < planes; s++)
        {
            header[s + 1] = (uint)output.Length;
            int sample = s / bytesPerSample;
            int byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
            for (int p = 0; p < pixels; p++)
            {
                int pixelOffset = info.PlanarConfiguration == 1 || info.SamplesPerPixel == 1
                    ? ((sample * pixels) + p) * bytesPerSample
                    : ((p * info.SamplesPerPixel) + sample) * bytesPerSample;
                plane[p] = native[pixelOffset + byteInSample];
            }

            // Each row is packed on its own (PS3.5 G.3.1).
            for (int row = 0; row < info.Rows; row++)
            {
                int n = PackBits(plane.AsSpan(row * info.Columns, info.Columns), packed);
                output.Write(packed, 0, n);
            }

            if ((output.Length & 1) != 0)
            {
                output.WriteByte(0);
            }
        }

        var result = output.ToArray();
        for (int i = 0; i < 16; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(i * 4), header[i]);
        }

        return result;
    }

    /// <summary>PackBits: replicate runs of 2 to 128 equal bytes, literal runs of 1 to 128 others.</summary>
    internal static int PackBits(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int i = 0;
        int o = 0;
        while (i < source.Length)
        {
            int run = 1;
            while (i + run < source.Length && run < 128 && source[i + run] == source[i])
            {
                run++;
            }

            if (run >= 2)
            {
                destination[o++] = (byte)(1 - run);
                destination[o++] = source[i];
                i += run;
                continue;
            }

            int start = i;
            int literal = 0;
            while (i < source.Length && literal < 128 && !(i + 1 < source.Length && source[i + 1] == source[i]))
            {
                i++;
                literal++;
            }

            if (literal == 0)
            {
                continue;
            }

            destination[o++] = (byte)(literal - 1);
            source.Slice(start, literal).CopyTo(destination[o..]);
            o += literal;
        }

        return o;
    }
}
