using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>
/// Lossless JPEG (ITU-T T.81 Annex H, process 14, Huffman coded): predictors 1 to 7, point transform, restart intervals,
/// interleaved and one-component scans, 2 to 16 bits. Our own code: checked against dcmdjpeg, JpegLibrary 0.4.32's
/// lossless scan decoder reconstructs selection values 2, 3, 6 and 7 wrongly at any precision, 5 (and 7) wrongly at
/// 16 bits (it keeps samples as signed shorts), and does not undo the point transform; and it has no lossless encoder.
/// </summary>
internal static class JpegLossless
{
    /// <summary>Decodes the frame to one plane per component, samples as unsigned values.</summary>
    public static ushort[][] Decode(ReadOnlySpan<byte> data, JpegCodestream stream, int frame)
    {
        var header = stream.Frame;
        int count = header.Components.Length;
        if (count > 1 && header.Components.Any(c => c.H != 1 || c.V != 1))
        {
            throw new DicomPixelDataException(frame, "JPEG lossless with subsampled components is not supported");
        }

        var planes = new ushort[count][];
        for (int i = 0; i < count; i++)
        {
            planes[i] = new ushort[(long)header.SamplesPerLine * header.Lines];
        }

        DecodeScans(data, stream, frame, planes, []);
        return planes;
    }

    /// <summary>
    /// Decodes a one-component frame into <paramref name="plane"/> (at least its samples long): the same samples as
    /// <see cref="Decode"/>'s plane, written where the caller wants them (the radiograph case: straight into the native
    /// frame's bytes, with no plane to copy from).
    /// </summary>
    public static void DecodeInto(ReadOnlySpan<byte> data, JpegCodestream stream, int frame, Span<ushort> plane)
    {
        var header = stream.Frame;
        if (header.Components.Length != 1 || plane.Length < (long)header.SamplesPerLine * header.Lines)
        {
            throw new ArgumentException($"a plane of {plane.Length} samples for {header.Components.Length} components of {header.SamplesPerLine} × {header.Lines}", nameof(plane));
        }

        DecodeScans(data, stream, frame, [], plane[..(header.SamplesPerLine * header.Lines)]);
    }

    /// <summary>Every scan of the frame into <paramref name="planes"/>, or into <paramref name="single"/> when it is not empty (one component).</summary>
    private static void DecodeScans(ReadOnlySpan<byte> data, JpegCodestream stream, int frame, ushort[][] planes, Span<ushort> single)
    {
        var header = stream.Frame;
        int count = header.Components.Length;
        var decoded = new bool[count];
        var tables = new JpegHuffmanDecodingTable?[4];
        int restartInterval = 0;
        foreach (var segment in stream.Segments)
        {
            var p = data.Slice(segment.Start, segment.Length);
            switch (segment.Marker)
            {
                case 0xC4:
                    JpegHuffmanDecodingTable.ReadSegment(p, frame, tables, acTables: null); // lossless scans use the DC slots
                    break;
                case 0xDD:
                    restartInterval = JpegCodestream.ReadRestartInterval(p, frame);
                    break;
                case 0xDA:
                    DecodeScan(data.Slice(segment.EntropyStart, segment.EntropyLength), p, header, tables, restartInterval, planes, single, decoded, frame);
                    break;
            }
        }

        int missing = Array.IndexOf(decoded, false);
        if (missing >= 0)
        {
            throw new DicomPixelDataException(frame, $"JPEG lossless component {header.Components[missing].Id} is in no scan");
        }
    }

    private static void DecodeScan(ReadOnlySpan<byte> entropy, ReadOnlySpan<byte> scan, JpegFrameHeader header, JpegHuffmanDecodingTable?[] tables,
        int restartInterval, ushort[][] planes, Span<ushort> single, bool[] decoded, int frame)
    {
        int n = scan[0];
        var components = new int[n];
        var componentTables = new JpegHuffmanDecodingTable[n];
        for (int i = 0; i < n; i++)
        {
            int index = header.IndexOf(scan[1 + (2 * i)]);
            int tableId = scan[2 + (2 * i)] >> 4;
            if (decoded[index] || components.AsSpan(0, i).Contains(index))
            {
                throw new DicomPixelDataException(frame, $"JPEG lossless component {header.Components[index].Id} is in more than one scan");
            }

            components[i] = index;
            componentTables[i] = (tableId < 4 ? tables[tableId] : null)
                ?? throw new DicomPixelDataException(frame, $"JPEG lossless scan uses Huffman table {tableId}, which is not defined");
            decoded[index] = true;
        }

        int predictor = scan[1 + (2 * n)];
        int pointTransform = scan[3 + (2 * n)] & 15;
        int precision = header.Precision;
        if (predictor is < 1 or > 7)
        {
            throw new DicomPixelDataException(frame, $"JPEG lossless scan selection value {predictor} is not 1 to 7");
        }

        if (pointTransform >= precision)
        {
            throw new DicomPixelDataException(frame, $"JPEG lossless point transform {pointTransform} is not below the precision {precision}");
        }

        int width = header.SamplesPerLine;
        int height = header.Lines;

        // One MCU is one sample of each scan component, so a restart interval must hold whole lines for the
        // first-line prediction rule (H.1.2.1) to apply to it.
        if (restartInterval > 0 && restartInterval % width != 0)
        {
            throw new DicomPixelDataException(frame, $"JPEG lossless restart interval {restartInterval} is not a whole number of {width}-sample lines");
        }

        int linesPerInterval = restartInterval / width;
        int initial = 1 << (precision - pointTransform - 1);
        var reader = new JpegBitReader(entropy, frame);
        var lineDifferences = n == 1 ? new int[width] : [];
        int restart = 0;
        for (int y = 0; y < height; y++)
        {
            bool firstLine = y == 0;
            if (linesPerInterval > 0 && y > 0 && y % linesPerInterval == 0)
            {
                reader.ReadRestartMarker(restart);
                restart = (restart + 1) & 7;
                firstLine = true;
            }

            int row = y * width;
            if (n == 1)
            {
                DecodeLine(ref reader, single.IsEmpty ? planes[components[0]] : single, componentTables[0], row, width, firstLine, predictor, initial, lineDifferences);
                continue;
            }

            for (int x = 0; x < width; x++)
            {
                for (int k = 0; k < n; k++)
                {
                    var plane = planes[components[k]];
                    int i = row + x;
                    int prediction;
                    if (firstLine)
                    {
                        prediction = x == 0 ? initial : plane[i - 1];
                    }
                    else if (x == 0)
                    {
                        prediction = plane[i - width];
                    }
                    else
                    {
                        prediction = Predict(predictor, plane[i - 1], plane[i - width], plane[i - width - 1]);
                    }

                    plane[i] = (ushort)(prediction + ReadDifference(ref reader, componentTables[k]));
                }
            }
        }

        if (pointTransform > 0)
        {
            foreach (int index in components)
            {
                var plane = single.IsEmpty ? planes[index] : single;
                for (int i = 0; i < plane.Length; i++)
                {
                    plane[i] = (ushort)(plane[i] << pointTransform);
                }
            }
        }
    }

    /// <summary>
    /// One line of a single-component scan (the radiograph case): the line's differences are entropy-decoded in one
    /// pass, then the predictor, chosen once per line, adds them up; the same arithmetic as the interleaved loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeLine(ref JpegBitReader reader, Span<ushort> plane, JpegHuffmanDecodingTable table, int row, int width, bool firstLine, int predictor, int initial, Span<int> differences)
    {
        var d = differences[..width];
        reader.DecodeDifferences(table, d);
        var line = plane.Slice(row, width);
        line[0] = (ushort)((firstLine ? initial : plane[row - width]) + d[0]);
        if (firstLine || predictor == 1)
        {
            int previous = line[0];
            for (int x = 1; x < line.Length; x++)
            {
                previous = (ushort)(previous + d[x]);
                line[x] = (ushort)previous;
            }

            return;
        }

        var above = plane.Slice(row - width, width);
        switch (predictor)
        {
            case 2:
                for (int x = 1; x < line.Length; x++)
                {
                    line[x] = (ushort)(above[x] + d[x]);
                }

                break;
            default:
                for (int x = 1; x < line.Length; x++)
                {
                    line[x] = (ushort)(Predict(predictor, line[x - 1], above[x], above[x - 1]) + d[x]);
                }

                break;
        }
    }

    /// <summary>The prediction for selection value 1 to 7 (Table H.1), in full-width integer arithmetic as libjpeg computes it.</summary>
    private static int Predict(int predictor, int ra, int rb, int rc) => predictor switch
    {
        1 => ra,
        2 => rb,
        3 => rc,
        4 => ra + rb - rc,
        5 => ra + ((rb - rc) >> 1),
        6 => rb + ((ra - rc) >> 1),
        _ => (ra + rb) >> 1,
    };

    private static int ReadDifference(ref JpegBitReader reader, JpegHuffmanDecodingTable table) => table.DecodeDifference(ref reader);

    /// <summary>
    /// Encodes one native frame as a lossless JPEG codestream: sample precision = Bits Allocated (as DCMTK and GDCM write
    /// it, so every stored bit comes back, sign extension included), one interleaved scan, one optimal Huffman table.
    /// <paramref name="restartLines"/> &gt; 0 puts a restart marker every that many lines (for tests of decoders).
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<byte> native, DicomImageInfo info, int predictor, int frame, int restartLines = 0)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (predictor is < 1 or > 7)
        {
            throw new ArgumentOutOfRangeException(nameof(predictor), predictor, "selection value must be 1 to 7");
        }

        JpegCodecs.Validate(info, frame);
        if (restartLines < 0 || (long)restartLines * info.Columns > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(restartLines), restartLines, "the restart interval must fit 16 bits");
        }

        if (info.IsFloat || info.BitsAllocated is not (8 or 16))
        {
            throw new DicomPixelDataException(frame, $"lossless JPEG encodes Bits Allocated 8 or 16, not {info.BitsAllocated}{(info.IsFloat ? " float" : string.Empty)}");
        }

        if (info.SamplesPerPixel is not (1 or 3))
        {
            throw new DicomPixelDataException(frame, $"lossless JPEG encoding of {info.SamplesPerPixel} samples per pixel is not supported");
        }

        if (info.PhotometricInterpretation is "YBR_FULL_422" or "YBR_PARTIAL_422" or "YBR_PARTIAL_420")
        {
            throw new DicomPixelDataException(frame, $"native {info.PhotometricInterpretation} frames are subsampled; lossless JPEG encoding needs full-resolution samples");
        }

        if (native.Length < info.FrameBytes)
        {
            throw new DicomPixelDataException(frame, $"native frame of {native.Length} bytes; {info.FrameBytes} expected");
        }

        int width = info.Columns;
        int height = info.Rows;
        int n = info.SamplesPerPixel;
        int precision = info.BitsAllocated;
        var planes = new ushort[n][];
        for (int s = 0; s < n; s++)
        {
            var plane = planes[s] = new ushort[width * height];
            for (int p = 0; p < plane.Length; p++)
            {
                int sampleIndex = info.PlanarConfiguration == 1 || n == 1 ? (s * plane.Length) + p : (p * n) + s;
                plane[p] = precision == 8 ? native[sampleIndex] : BinaryPrimitives.ReadUInt16LittleEndian(native[(2 * sampleIndex)..]);
            }
        }

        // The differences, modulo 2^16 in -32767..32768 (H.1.2.2), and their categories.
        var differences = new int[n][];
        var histogram = new long[17];
        int initial = 1 << (precision - 1);
        for (int s = 0; s < n; s++)
        {
            var plane = planes[s];
            var diff = differences[s] = new int[plane.Length];
            for (int y = 0, i = 0; y < height; y++)
            {
                bool firstLine = y == 0 || (restartLines > 0 && y % restartLines == 0);
                for (int x = 0; x < width; x++, i++)
                {
                    int prediction = firstLine
                        ? (x == 0 ? initial : plane[i - 1])
                        : x == 0 ? plane[i - width] : Predict(predictor, plane[i - 1], plane[i - width], plane[i - width - 1]);
                    int d = (plane[i] - prediction) & 0xFFFF;
                    d = d > 32768 ? d - 65536 : d;
                    diff[i] = d;
                    histogram[Category(d)]++;
                }
            }
        }

        var (bits, values) = JpegHuffmanEncoding.Build(histogram);
        var (codes, lengths) = JpegHuffmanEncoding.Codes(bits, values);
        var output = new JpegByteWriter(64 + values.Length + (width * height * n * 2));
        output.Marker(0xD8);
        output.Marker(0xC3);
        output.UInt16(8 + (3 * n));
        output.Byte(precision);
        output.UInt16(height);
        output.UInt16(width);
        output.Byte(n);
        for (int s = 0; s < n; s++)
        {
            output.Byte(s + 1);
            output.Byte(0x11);
            output.Byte(0);
        }

        output.Marker(0xC4);
        output.UInt16(2 + 1 + 16 + values.Length);
        output.Byte(0x00);
        output.Bytes(bits);
        output.Bytes(values);
        if (restartLines > 0)
        {
            output.Marker(0xDD);
            output.UInt16(4);
            output.UInt16(restartLines * width);
        }

        output.Marker(0xDA);
        output.UInt16(6 + (2 * n));
        output.Byte(n);
        for (int s = 0; s < n; s++)
        {
            output.Byte(s + 1);
            output.Byte(0x00);
        }

        output.Byte(predictor);
        output.Byte(0);
        output.Byte(0);
        for (int i = 0; i < width * height; i++)
        {
            if (restartLines > 0 && i > 0 && i % (restartLines * width) == 0)
            {
                output.FlushBits();
                output.Marker(0xD0 + ((i / (restartLines * width)) - 1) % 8);
            }

            for (int s = 0; s < n; s++)
            {
                int d = differences[s][i];
                int category = Category(d);
                output.Bits(codes[category], lengths[category]);
                if (category is > 0 and < 16)
                {
                    // Negative differences are sent as d - 1 in the low bits (F.1.2.1.1).
                    output.Bits((d < 0 ? d - 1 : d) & ((1 << category) - 1), category);
                }
            }
        }

        output.FlushBits();
        output.Marker(0xD9);
        return output.ToArray();
    }

    private static int Category(int difference) =>
        difference == 32768 ? 16 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)Math.Abs(difference));
}

/// <summary>A growing byte buffer for codestream writing: big-endian fields, and entropy-coded bits with 0xFF stuffing.</summary>
internal sealed class JpegByteWriter(int capacity)
{
    private byte[] bytes = new byte[Math.Max(capacity, 64)];
    private int length;
    private ulong bitBuffer;
    private int bitCount;

    public void Byte(int value)
    {
        if (length == bytes.Length)
        {
            Array.Resize(ref bytes, bytes.Length * 2);
        }

        bytes[length++] = (byte)value;
    }

    public void UInt16(int value)
    {
        Byte(value >> 8);
        Byte(value);
    }

    public void Marker(int code)
    {
        Byte(0xFF);
        Byte(code);
    }

    public void Bytes(ReadOnlySpan<byte> values)
    {
        foreach (byte b in values)
        {
            Byte(b);
        }
    }

    /// <summary>Appends the low <paramref name="count"/> bits (0 to 16) of <paramref name="value"/>, most significant first.</summary>
    public void Bits(int value, int count)
    {
        bitBuffer = (bitBuffer << count) | (uint)(value & ((1 << count) - 1));
        bitCount += count;
        while (bitCount >= 8)
        {
            bitCount -= 8;
            int b = (int)(bitBuffer >> bitCount) & 0xFF;
            Byte(b);
            if (b == 0xFF)
            {
                Byte(0);
            }
        }
    }

    /// <summary>Pads the last byte with 1 bits (F.1.2.3).</summary>
    public void FlushBits()
    {
        if (bitCount > 0)
        {
            Bits((1 << (8 - bitCount)) - 1, 8 - bitCount);
        }
    }

    public byte[] ToArray() => bytes.AsSpan(0, length).ToArray();
}
