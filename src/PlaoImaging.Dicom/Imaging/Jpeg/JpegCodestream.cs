using System.Buffers.Binary;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>The coding process a frame header (SOFn) declares.</summary>
internal enum JpegProcess
{
    /// <summary>SOF0: baseline sequential DCT, Huffman.</summary>
    Baseline,

    /// <summary>SOF1: extended sequential DCT, Huffman (8 or 12 bits).</summary>
    Extended,

    /// <summary>SOF2: progressive DCT, Huffman.</summary>
    Progressive,

    /// <summary>SOF3: lossless sequential, Huffman.</summary>
    Lossless,
}

/// <summary>One frame component (ITU-T T.81 B.2.2): identifier, sampling factors, quantization table.</summary>
internal readonly record struct JpegComponent(byte Id, int H, int V, int Tq);

/// <summary>The frame header (SOFn) of a codestream.</summary>
internal sealed record JpegFrameHeader(JpegProcess Process, int Precision, int Lines, int SamplesPerLine, JpegComponent[] Components)
{
    public int MaxH => Components.Max(c => c.H);

    public int MaxV => Components.Max(c => c.V);

    public int IndexOf(byte id) => Array.FindIndex(Components, c => c.Id == id);
}

/// <summary>
/// A marker segment: the marker code, where its parameters start and how many bytes they take (after the length field).
/// For a scan (SOS) also where its entropy-coded data starts and how long it is, restart markers included.
/// </summary>
internal readonly record struct JpegSegment(byte Marker, int Start, int Length, int EntropyStart = 0, int EntropyLength = 0);

/// <summary>
/// The marker structure of one JPEG codestream (ITU-T T.81 Annex B), walked and checked before anything is decoded:
/// SOI first, every segment length inside the data, one frame header of a supported process, at least one scan, and
/// an EOI marker (a codestream without one is truncated). Bytes after EOI (fragment padding) are ignored.
/// </summary>
internal sealed class JpegCodestream
{
    /// <summary>The restart interval of a DRI segment's parameters (ITU-T T.81 B.2.4.4): two bytes, MCUs per interval.</summary>
    public static int ReadRestartInterval(ReadOnlySpan<byte> parameters, int frame) =>
        parameters.Length == 2
            ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(parameters)
            : throw new DicomPixelDataException(frame, $"JPEG restart interval segment has {parameters.Length} bytes of parameters");

    private JpegCodestream(JpegFrameHeader frame, List<JpegSegment> segments, int end)
    {
        Frame = frame;
        Segments = segments;
        End = end;
    }

    public JpegFrameHeader Frame { get; }

    /// <summary>The segments between SOI and EOI in stream order (SOF, DHT, DQT, DRI, SOS, APPn, COM, ...).</summary>
    public IReadOnlyList<JpegSegment> Segments { get; }

    /// <summary>Offset just past the EOI marker.</summary>
    public int End { get; }

    public static JpegCodestream Parse(ReadOnlySpan<byte> data, int frame)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
        {
            throw new DicomPixelDataException(frame, data.Length < 2
                ? $"JPEG codestream of {data.Length} bytes has no SOI marker"
                : $"JPEG codestream does not start with an SOI marker (FFD8); it starts with {data[0]:X2}{data[1]:X2}");
        }

        var segments = new List<JpegSegment>();
        JpegFrameHeader? header = null;
        bool sawScan = false;
        int position = 2;
        while (true)
        {
            if (position >= data.Length)
            {
                throw Truncated(frame, data.Length, "before the EOI marker");
            }

            if (data[position] != 0xFF)
            {
                throw new DicomPixelDataException(frame, $"JPEG codestream: a marker was expected at byte {position}, found 0x{data[position]:X2}");
            }

            // Any number of 0xFF fill bytes may precede a marker (B.1.1.2).
            while (position < data.Length && data[position] == 0xFF)
            {
                position++;
            }

            if (position >= data.Length)
            {
                throw Truncated(frame, data.Length, "inside a marker");
            }

            int markerAt = position - 1;
            byte marker = data[position++];
            switch (marker)
            {
                case 0xD9:
                    if (header is null)
                    {
                        throw new DicomPixelDataException(frame, "JPEG codestream has no frame header (SOF) before EOI");
                    }

                    if (!sawScan)
                    {
                        throw new DicomPixelDataException(frame, "JPEG codestream has no scan (SOS) before EOI");
                    }

                    return new JpegCodestream(header, segments, position);
                case 0x01:
                    continue; // TEM: no parameters
                case 0x00:
                case 0xD8:
                case >= 0xD0 and <= 0xD7:
                    throw new DicomPixelDataException(frame, $"JPEG codestream: marker FF{marker:X2} at byte {markerAt} is not allowed here");
            }

            if (data.Length - position < 2)
            {
                throw Truncated(frame, data.Length, $"in the length of marker FF{marker:X2} at byte {markerAt}");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(data[position..]);
            if (length < 2)
            {
                throw new DicomPixelDataException(frame, $"JPEG codestream: marker FF{marker:X2} at byte {markerAt} has length {length}");
            }

            if (length > data.Length - position)
            {
                throw Truncated(frame, data.Length, $"inside marker segment FF{marker:X2} at byte {markerAt} ({length} bytes declared)");
            }

            int start = position + 2;
            var parameters = data.Slice(start, length - 2);
            position += length;
            switch (marker)
            {
                case >= 0xC0 and <= 0xCF when marker is not (0xC4 or 0xC8 or 0xCC):
                    if (header is not null)
                    {
                        throw new DicomPixelDataException(frame, $"JPEG codestream has a second frame header (FF{marker:X2} at byte {markerAt}); hierarchical JPEG is not supported");
                    }

                    header = ParseFrameHeader(marker, parameters, frame);
                    segments.Add(new JpegSegment(marker, start, length - 2));
                    break;
                case 0xDA:
                    if (header is null)
                    {
                        throw new DicomPixelDataException(frame, $"JPEG codestream: scan header at byte {markerAt} comes before the frame header");
                    }

                    CheckScanHeader(parameters, header, markerAt, frame);
                    int entropyEnd = FindEntropyEnd(data, position);
                    if (entropyEnd < 0)
                    {
                        throw Truncated(frame, data.Length, $"inside the entropy-coded data of the scan at byte {markerAt}");
                    }

                    segments.Add(new JpegSegment(marker, start, length - 2, position, entropyEnd - position));
                    sawScan = true;
                    position = entropyEnd;
                    break;
                default:
                    segments.Add(new JpegSegment(marker, start, length - 2));
                    break;
            }
        }
    }

    private static DicomPixelDataException Truncated(int frame, int length, string where) =>
        new(frame, $"JPEG codestream of {length} bytes ends {where}: it is truncated (no EOI marker)");

    /// <summary>The offset of the marker that ends entropy-coded data starting at <paramref name="start"/>, or -1 at the end of the data.</summary>
    private static int FindEntropyEnd(ReadOnlySpan<byte> data, int start)
    {
        int i = start;
        while (true)
        {
            int next = data[i..].IndexOf((byte)0xFF);
            if (next < 0)
            {
                return -1;
            }

            i += next;
            if (i + 1 >= data.Length)
            {
                return -1;
            }

            byte b = data[i + 1];
            if (b == 0x00 || b is >= 0xD0 and <= 0xD7)
            {
                i += 2; // stuffed byte or restart marker: still entropy-coded data
                continue;
            }

            return i;
        }
    }

    private static JpegFrameHeader ParseFrameHeader(byte marker, ReadOnlySpan<byte> p, int frame)
    {
        var process = marker switch
        {
            0xC0 => JpegProcess.Baseline,
            0xC1 => JpegProcess.Extended,
            0xC2 => JpegProcess.Progressive,
            0xC3 => JpegProcess.Lossless,
            0xC9 or 0xCA or 0xCB => throw new DicomPixelDataException(frame, $"JPEG frame header FF{marker:X2}: arithmetic coding is not supported"),
            _ => throw new DicomPixelDataException(frame, $"JPEG frame header FF{marker:X2}: hierarchical (differential) JPEG is not supported"),
        };
        if (p.Length < 6)
        {
            throw new DicomPixelDataException(frame, $"JPEG frame header of {p.Length} bytes is too short");
        }

        int precision = p[0];
        int lines = BinaryPrimitives.ReadUInt16BigEndian(p[1..]);
        int samplesPerLine = BinaryPrimitives.ReadUInt16BigEndian(p[3..]);
        int count = p[5];
        if (p.Length != 6 + (3 * count))
        {
            throw new DicomPixelDataException(frame, $"JPEG frame header of {p.Length} bytes does not fit its {count} components");
        }

        bool validPrecision = process == JpegProcess.Lossless ? precision is >= 2 and <= 16 : precision is 8 or 12;
        if (!validPrecision)
        {
            throw new DicomPixelDataException(frame, $"JPEG {process} frame header declares sample precision {precision}");
        }

        if (lines == 0)
        {
            throw new DicomPixelDataException(frame, "JPEG frame header declares 0 lines (height defined by a DNL marker is not supported)");
        }

        if (samplesPerLine == 0 || count is < 1 or > 4)
        {
            throw new DicomPixelDataException(frame, $"JPEG frame header declares {samplesPerLine} samples per line and {count} components");
        }

        var components = new JpegComponent[count];
        for (int i = 0; i < count; i++)
        {
            byte id = p[6 + (3 * i)];
            int h = p[7 + (3 * i)] >> 4;
            int v = p[7 + (3 * i)] & 15;
            int tq = p[8 + (3 * i)];
            if (h is < 1 or > 4 || v is < 1 or > 4 || tq > 3)
            {
                throw new DicomPixelDataException(frame, $"JPEG frame component {id}: sampling {h}×{v} or quantization table {tq} is out of range");
            }

            for (int j = 0; j < i; j++)
            {
                if (components[j].Id == id)
                {
                    throw new DicomPixelDataException(frame, $"JPEG frame header lists component {id} twice");
                }
            }

            components[i] = new JpegComponent(id, h, v, tq);
        }

        return new JpegFrameHeader(process, precision, lines, samplesPerLine, components);
    }

    private static void CheckScanHeader(ReadOnlySpan<byte> p, JpegFrameHeader header, int markerAt, int frame)
    {
        if (p.Length < 1 || p[0] is < 1 or > 4 || p.Length != 4 + (2 * p[0]))
        {
            throw new DicomPixelDataException(frame, $"JPEG scan header at byte {markerAt} ({p.Length} bytes) is malformed");
        }

        int blocks = 0;
        for (int i = 0; i < p[0]; i++)
        {
            byte id = p[1 + (2 * i)];
            int index = header.IndexOf(id);
            if (index < 0)
            {
                throw new DicomPixelDataException(frame, $"JPEG scan header at byte {markerAt} names component {id}, which the frame header does not declare");
            }

            blocks += header.Components[index].H * header.Components[index].V;
        }

        if (p[0] > 1 && blocks > 10)
        {
            // B.2.3: an interleaved MCU holds at most 10 blocks (or samples); libjpeg refuses more too.
            throw new DicomPixelDataException(frame, $"JPEG scan at byte {markerAt} interleaves {blocks} blocks per MCU; at most 10 are allowed");
        }

        if (header.Process == JpegProcess.Progressive)
        {
            // Checked here so that JpegLibrary never indexes a block with them (G.1.1.1.1).
            int n = p[0];
            int ss = p[1 + (2 * n)];
            int se = p[2 + (2 * n)];
            int ah = p[3 + (2 * n)] >> 4;
            int al = p[3 + (2 * n)] & 15;
            bool valid = ss <= se && se <= 63 && (ss == 0 ? se == 0 : n == 1) && ah <= 13 && al <= 13;
            if (!valid)
            {
                throw new DicomPixelDataException(frame, $"JPEG progressive scan at byte {markerAt}: spectral selection {ss}..{se}, approximation {ah}/{al} for {n} components is not valid");
            }
        }
    }
}
