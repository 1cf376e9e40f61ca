using System.Buffers.Binary;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>
/// The samples of one frame, unpacked from its native bytes into one full-resolution plane per sample, row by row.
/// Integer samples keep their stored values: bits [HighBit − BitsStored + 1 .. HighBit] of each allocated cell, as
/// two's complement when Pixel Representation is 1 (PS3.5 8.1.1, PS3.3 C.7.6.3.1); Float and Double Float Pixel Data
/// come as <see cref="RealPlanes"/>. Colour stays in the photometric interpretation it was stored in (no conversion
/// here); 4:2:2 chroma is repeated onto both pixels of each pair.
/// </summary>
public sealed class DicomFrameSamples
{
    private DicomFrameSamples(int rows, int columns, string photometric, int bitsStored, bool isSigned, int[][]? integers, float[][]? reals)
    {
        Rows = rows;
        Columns = columns;
        PhotometricInterpretation = photometric;
        BitsStored = bitsStored;
        IsSigned = isSigned;
        IntegerPlanes = integers;
        RealPlanes = reals;
    }

    public int Rows { get; }

    public int Columns { get; }

    public int PixelCount => Rows * Columns;

    /// <summary>Planes held: 1 for grayscale and palette indices, 3 for colour.</summary>
    public int SamplesPerPixel => IntegerPlanes?.Length ?? RealPlanes!.Length;

    /// <summary>
    /// The colour space of the samples, as the frame was stored or decoded (MONOCHROME1/2, PALETTE COLOR, RGB,
    /// YBR_FULL...). A 4:2:2 name means the chroma was upsampled here: the planes are always full resolution.
    /// </summary>
    public string PhotometricInterpretation { get; }

    /// <summary>Bits of each integer sample (the stored range is 0..2^BitsStored−1, or ±2^(BitsStored−1) when signed).</summary>
    public int BitsStored { get; }

    public bool IsSigned { get; }

    /// <summary>The integer samples, one array per sample (null when the samples are real numbers).</summary>
    public int[][]? IntegerPlanes { get; }

    /// <summary>
    /// The real samples, one array per sample: Float and Double Float Pixel Data (double narrowed to float), and unsigned
    /// samples of 32 stored bits when a value exceeds <see cref="int.MaxValue"/> (exact up to 2^24). Null otherwise.
    /// </summary>
    public float[][]? RealPlanes { get; }

    public bool IsReal => RealPlanes is not null;

    /// <summary>Smallest value the stored bits can hold.</summary>
    public long MinimumStorable => IsSigned ? -(1L << (BitsStored - 1)) : 0;

    /// <summary>Largest value the stored bits can hold.</summary>
    public long MaximumStorable => IsSigned ? (1L << (BitsStored - 1)) - 1 : (1L << BitsStored) - 1;

    /// <summary>One frame of a dataset: sliced when native, decoded by <paramref name="codecs"/> when encapsulated; nothing else is decoded.</summary>
    public static DicomFrameSamples Read(DicomPixelData pixels, int frame, DicomCodecRegistry codecs)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(codecs);
        return Unpack(pixels.DecodeFrame(frame, codecs), pixels.Info, frame);
    }

    /// <summary>Unpacks a decoded frame, in the layout the decoder reported (photometric interpretation, planar configuration).</summary>
    public static DicomFrameSamples Unpack(DicomDecodedFrame decoded, DicomImageInfo info, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ArgumentNullException.ThrowIfNull(info);
        var layout = info with
        {
            PhotometricInterpretation = decoded.PhotometricInterpretation.Trim().ToUpperInvariant(),
            PlanarConfiguration = decoded.PlanarConfiguration,
        };

        // A decoder that kept a 4:2:2 name but returned whole samples (the size tells) did the upsampling itself.
        bool subsampled = layout.IsNativeSubsampled && decoded.Bytes.Length < layout.FrameBytes;
        return Unpack(decoded.Bytes, layout, subsampled, frame);
    }

    /// <summary>Unpacks one native frame laid out as <paramref name="info"/> says (4:2:2 names mean subsampled bytes).</summary>
    public static DicomFrameSamples Unpack(ReadOnlySpan<byte> native, DicomImageInfo info, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(info);
        return Unpack(native, info, info.IsNativeSubsampled, frame);
    }

    private static DicomFrameSamples Unpack(ReadOnlySpan<byte> bytes, DicomImageInfo info, bool subsampled, int frame)
    {
        long needed = subsampled ? info.NativeFrameBytes : info.FrameBytes;
        if (bytes.Length < needed)
        {
            throw new DicomPixelDataException(frame, $"the frame holds {bytes.Length} bytes; {needed} are needed for {info.Rows} × {info.Columns} × {info.SamplesPerPixel} samples of {info.BitsAllocated} bits");
        }

        if (info.IsFloat)
        {
            return new DicomFrameSamples(info.Rows, info.Columns, info.PhotometricInterpretation, info.BitsAllocated, true, null, UnpackReal(bytes, info));
        }

        if (info.BitsAllocated == 32 && !info.IsSigned && info.BitsStored == 32 && NeedsReal(bytes, info))
        {
            return new DicomFrameSamples(info.Rows, info.Columns, info.PhotometricInterpretation, 32, false, null, UnpackUnsigned32(bytes, info));
        }

        int[][] planes = subsampled ? Unpack422(bytes, info) : UnpackInteger(bytes, info);
        return new DicomFrameSamples(info.Rows, info.Columns, info.PhotometricInterpretation, info.BitsStored, info.IsSigned, planes, null);
    }

    /// <summary>The stored value of one allocated cell: its stored bits moved down, sign-extended when signed.</summary>
    internal static int StoredValue(uint cell, int bitsStored, int highBit, bool signed)
    {
        int shift = highBit - bitsStored + 1;
        uint value = cell >> shift;
        if (bitsStored < 32)
        {
            value &= (1u << bitsStored) - 1;
            if (signed && (value & (1u << (bitsStored - 1))) != 0)
            {
                value |= ~((1u << bitsStored) - 1);
            }
        }

        return unchecked((int)value);
    }

    /// <summary>
    /// The stored values of a one-sample integer frame of 1, 8 or 16 bits allocated (native bytes, as <see cref="Unpack(ReadOnlySpan{byte}, DicomImageInfo, int)"/>
    /// reads them) written into <paramref name="destination"/>, which holds at least one value per pixel: the same values
    /// as that method's plane, into memory the caller owns.
    /// </summary>
    public static void UnpackStored(ReadOnlySpan<byte> native, DicomImageInfo info, Span<int> destination, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.SamplesPerPixel != 1 || info.IsFloat || info.BitsAllocated is not (1 or 8 or 16))
        {
            throw new DicomPixelDataException(frame, $"{info.SamplesPerPixel} samples of {info.BitsAllocated} bits{(info.IsFloat ? " (float)" : string.Empty)} are not one integer sample per pixel");
        }

        int pixels = info.PixelCount;
        long needed = info.FrameBytes;
        if (native.Length < needed)
        {
            throw new DicomPixelDataException(frame, $"the frame holds {native.Length} bytes; {needed} are needed for {info.Rows} × {info.Columns} × {info.SamplesPerPixel} samples of {info.BitsAllocated} bits");
        }

        if (destination.Length < pixels)
        {
            throw new ArgumentException($"the frame has {pixels} pixels; the destination holds {destination.Length}", nameof(destination));
        }

        int bitsStored = info.BitsStored;
        int highBit = info.HighBit;
        bool signed = info.IsSigned;
        var plane = destination[..pixels];
        switch (info.BitsAllocated)
        {
            case 8 when bitsStored == 8 && highBit == 7:
                for (int p = 0; p < pixels; p++)
                {
                    plane[p] = signed ? (int)(sbyte)native[p] : native[p];
                }

                break;
            case 16 when bitsStored == 16 && highBit == 15:
                var words = native[..(pixels * 2)];
                for (int p = 0; p < plane.Length; p++)
                {
                    ushort word = BinaryPrimitives.ReadUInt16LittleEndian(words[(p * 2)..]);
                    plane[p] = signed ? (int)(short)word : word;
                }

                break;
            case 16:
                for (int p = 0; p < pixels; p++)
                {
                    plane[p] = StoredValue(BinaryPrimitives.ReadUInt16LittleEndian(native[(p * 2)..]), bitsStored, highBit, signed);
                }

                break;
            default:
                for (int p = 0; p < pixels; p++)
                {
                    uint raw = info.BitsAllocated == 1 ? (uint)(native[p >> 3] >> (p & 7)) & 1 : native[p];
                    plane[p] = StoredValue(raw, bitsStored, highBit, signed);
                }

                break;
        }
    }

    private static int[][] UnpackInteger(ReadOnlySpan<byte> bytes, DicomImageInfo info)
    {
        int pixels = info.PixelCount;
        int samples = info.SamplesPerPixel;
        if (samples == 1 && info.BitsAllocated is 1 or 8 or 16)
        {
            var single = new int[pixels];
            UnpackStored(bytes, info, single);
            return [single];
        }

        var planes = new int[samples][];
        for (int s = 0; s < samples; s++)
        {
            planes[s] = new int[pixels];
        }

        int bitsStored = info.BitsStored;
        int highBit = info.HighBit;
        bool signed = info.IsSigned;
        bool byPlane = info.PlanarConfiguration == 1 && samples > 1;
        for (int s = 0; s < samples; s++)
        {
            var plane = planes[s];
            for (int p = 0; p < pixels; p++)
            {
                // Index of the cell in the frame: colour-by-pixel interleaves the samples, colour-by-plane stacks them.
                int cell = byPlane ? (s * pixels) + p : (p * samples) + s;
                uint raw = info.BitsAllocated switch
                {
                    1 => (uint)(bytes[cell >> 3] >> (cell & 7)) & 1,
                    8 => bytes[cell],
                    16 => BinaryPrimitives.ReadUInt16LittleEndian(bytes[(cell * 2)..]),
                    _ => BinaryPrimitives.ReadUInt32LittleEndian(bytes[(cell * 4)..]),
                };
                plane[p] = StoredValue(raw, bitsStored, highBit, signed);
            }
        }

        return planes;
    }

    private static int[][] Unpack422(ReadOnlySpan<byte> bytes, DicomImageInfo info)
    {
        // Each pair of pixels of a row is stored as Y1 Y2 Cb Cr (PS3.3 C.7.6.3.1.2); Cb and Cr serve both pixels.
        int rows = info.Rows;
        int columns = info.Columns;
        int pairs = (columns + 1) / 2;
        int size = info.BitsAllocated / 8;
        var y = new int[info.PixelCount];
        var cb = new int[info.PixelCount];
        var cr = new int[info.PixelCount];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < pairs; j++)
            {
                int cell = ((r * pairs) + j) * 4;
                int y1 = Cell(bytes, cell, size, info);
                int y2 = Cell(bytes, cell + 1, size, info);
                int b = Cell(bytes, cell + 2, size, info);
                int c = Cell(bytes, cell + 3, size, info);
                int p = (r * columns) + (2 * j);
                y[p] = y1;
                cb[p] = b;
                cr[p] = c;
                if ((2 * j) + 1 < columns)
                {
                    y[p + 1] = y2;
                    cb[p + 1] = b;
                    cr[p + 1] = c;
                }
            }
        }

        return [y, cb, cr];
    }

    private static int Cell(ReadOnlySpan<byte> bytes, int cell, int size, DicomImageInfo info)
    {
        uint raw = size switch
        {
            1 => bytes[cell],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes[(cell * 2)..]),
            _ => BinaryPrimitives.ReadUInt32LittleEndian(bytes[(cell * 4)..]),
        };
        return StoredValue(raw, info.BitsStored, info.HighBit, info.IsSigned);
    }

    private static float[][] UnpackReal(ReadOnlySpan<byte> bytes, DicomImageInfo info)
    {
        int pixels = info.PixelCount;
        int samples = info.SamplesPerPixel;
        bool byPlane = info.PlanarConfiguration == 1 && samples > 1;
        var planes = new float[samples][];
        for (int s = 0; s < samples; s++)
        {
            var plane = planes[s] = new float[pixels];
            for (int p = 0; p < pixels; p++)
            {
                int cell = byPlane ? (s * pixels) + p : (p * samples) + s;
                plane[p] = info.BitsAllocated == 64
                    ? (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(cell * 8)..])
                    : BinaryPrimitives.ReadSingleLittleEndian(bytes[(cell * 4)..]);
            }
        }

        return planes;
    }

    private static bool NeedsReal(ReadOnlySpan<byte> bytes, DicomImageInfo info)
    {
        long cells = (long)info.PixelCount * info.SamplesPerPixel;
        for (int i = 0; i < cells; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]) > int.MaxValue)
            {
                return true;
            }
        }

        return false;
    }

    private static float[][] UnpackUnsigned32(ReadOnlySpan<byte> bytes, DicomImageInfo info)
    {
        int pixels = info.PixelCount;
        int samples = info.SamplesPerPixel;
        bool byPlane = info.PlanarConfiguration == 1 && samples > 1;
        var planes = new float[samples][];
        for (int s = 0; s < samples; s++)
        {
            var plane = planes[s] = new float[pixels];
            for (int p = 0; p < pixels; p++)
            {
                int cell = byPlane ? (s * pixels) + p : (p * samples) + s;
                plane[p] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(cell * 4)..]);
            }
        }

        return planes;
    }
}
