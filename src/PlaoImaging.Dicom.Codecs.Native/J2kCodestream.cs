using System.Buffers.Binary;
using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>What the main header of a JPEG 2000 codestream declares (ISO/IEC 15444-1 A.5, A.6), read before OpenJPEG sees it.</summary>
internal sealed record J2kHeader(
    int Offset,
    int Length,
    bool IsJp2,
    long Width,
    long Height,
    int[] Precision,
    bool[] Signed,
    bool Subsampled,
    long Tiles,
    bool MultipleComponentTransform,
    bool Reversible,
    bool HighThroughput)
{
    public int Components => Precision.Length;
}

/// <summary>
/// A bounds-checked reader of the JPEG 2000 main header: the optional JP2 box wrapper, SOC, SIZ, then the markers up to
/// the first tile-part (COD for the transform, CAP for Part 15). Every length is checked against the buffer.
/// </summary>
internal static class J2kCodestream
{
    private const ushort Soc = 0xFF4F;
    private const ushort Siz = 0xFF51;
    private const ushort Cod = 0xFF52;
    private const ushort Cap = 0xFF50;
    private const ushort Sot = 0xFF90;
    private const ushort Eoc = 0xFFD9;
    private const uint Jp2Codestream = 0x6A703263; // 'jp2c'

    private static ReadOnlySpan<byte> Jp2Signature => [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];

    public static J2kHeader Parse(ReadOnlySpan<byte> data, int frame)
    {
        int offset = 0;
        int length = data.Length;
        bool jp2 = data.StartsWith(Jp2Signature);
        if (jp2)
        {
            (offset, length) = FindCodestreamBox(data, frame);
        }

        var stream = data.Slice(offset, length);
        if (stream.Length < 2 || BinaryPrimitives.ReadUInt16BigEndian(stream) != Soc)
        {
            throw Bad(frame, "does not start with an SOC marker (FF4F) or a JP2 signature");
        }

        if (stream.Length < 4 || BinaryPrimitives.ReadUInt16BigEndian(stream[2..]) != Siz)
        {
            throw Bad(frame, "has no SIZ marker (FF51) after SOC");
        }

        var siz = Segment(stream, 2, frame, "SIZ");
        if (siz.Length < 36 + 3)
        {
            throw Bad(frame, $"SIZ segment of {siz.Length} bytes is too short");
        }

        ushort rsiz = BinaryPrimitives.ReadUInt16BigEndian(siz);
        uint xsiz = BinaryPrimitives.ReadUInt32BigEndian(siz[2..]);
        uint ysiz = BinaryPrimitives.ReadUInt32BigEndian(siz[6..]);
        uint xosiz = BinaryPrimitives.ReadUInt32BigEndian(siz[10..]);
        uint yosiz = BinaryPrimitives.ReadUInt32BigEndian(siz[14..]);
        uint xtsiz = BinaryPrimitives.ReadUInt32BigEndian(siz[18..]);
        uint ytsiz = BinaryPrimitives.ReadUInt32BigEndian(siz[22..]);
        uint xtosiz = BinaryPrimitives.ReadUInt32BigEndian(siz[26..]);
        uint ytosiz = BinaryPrimitives.ReadUInt32BigEndian(siz[30..]);
        int csiz = BinaryPrimitives.ReadUInt16BigEndian(siz[34..]);
        if (csiz is < 1 or > 16384 || siz.Length != 36 + (3 * csiz))
        {
            throw Bad(frame, $"SIZ declares {csiz} components in a {siz.Length + 2}-byte segment");
        }

        if (xsiz <= xosiz || ysiz <= yosiz || xtsiz == 0 || ytsiz == 0 || xtosiz > xosiz || ytosiz > yosiz
            || (ulong)xtosiz + xtsiz <= xosiz || (ulong)ytosiz + ytsiz <= yosiz)
        {
            throw Bad(frame, $"SIZ has an inconsistent image or tile grid (image {xosiz}..{xsiz} × {yosiz}..{ysiz}, tiles {xtsiz} × {ytsiz} from {xtosiz}, {ytosiz})");
        }

        long tiles = (long)(((ulong)xsiz - xtosiz + xtsiz - 1) / xtsiz) * (long)(((ulong)ysiz - ytosiz + ytsiz - 1) / ytsiz);
        var precision = new int[csiz];
        var signed = new bool[csiz];
        bool subsampled = false;
        for (int c = 0; c < csiz; c++)
        {
            byte ssiz = siz[36 + (3 * c)];
            byte dx = siz[37 + (3 * c)];
            byte dy = siz[38 + (3 * c)];
            precision[c] = (ssiz & 0x7F) + 1;
            signed[c] = (ssiz & 0x80) != 0;
            if (dx == 0 || dy == 0)
            {
                throw Bad(frame, $"component {c} has a zero sampling separation");
            }

            subsampled |= dx != 1 || dy != 1;
        }

        bool highThroughput = (rsiz & 0x4000) != 0;
        bool? mct = null;
        bool reversible = false;
        int position = 2 + 4 + siz.Length;
        while (true)
        {
            if (position + 2 > stream.Length)
            {
                throw Bad(frame, "main header ends before the first tile-part (SOT)");
            }

            ushort marker = BinaryPrimitives.ReadUInt16BigEndian(stream[position..]);
            if (marker == Sot)
            {
                break;
            }

            if (marker == Eoc || marker < 0xFF30)
            {
                throw Bad(frame, $"unexpected marker {marker:X4} at byte {position} of the main header");
            }

            var segment = Segment(stream, position, frame, $"{marker:X4}");
            if (marker == Cod)
            {
                // Scod, SGcod (progression, layers(2), MCT), SPcod (levels, code-block w, h, style, transform).
                if (segment.Length < 10)
                {
                    throw Bad(frame, $"COD segment of {segment.Length + 2} bytes is too short");
                }

                mct = segment[4] != 0;
                reversible = segment[9] == 1;
            }
            else if (marker == Cap)
            {
                highThroughput = true;
            }

            position += 4 + segment.Length;
        }

        if (mct is null)
        {
            throw Bad(frame, "has no COD marker in its main header");
        }

        return new J2kHeader(offset, length, jp2, (long)xsiz - xosiz, (long)ysiz - yosiz, precision, signed, subsampled, tiles, mct.Value, reversible, highThroughput);
    }

    /// <summary>The body of the marker segment at <paramref name="position"/> (after the marker and its length field).</summary>
    private static ReadOnlySpan<byte> Segment(ReadOnlySpan<byte> stream, int position, int frame, string name)
    {
        if (position + 4 > stream.Length)
        {
            throw Bad(frame, $"{name} marker segment at byte {position} is cut off");
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(stream[(position + 2)..]);
        if (length < 2 || position + 2 + length > stream.Length)
        {
            throw Bad(frame, $"{name} marker segment at byte {position} declares {length} bytes; {stream.Length - position - 2} remain");
        }

        return stream.Slice(position + 4, length - 2);
    }

    private static (int Offset, int Length) FindCodestreamBox(ReadOnlySpan<byte> data, int frame)
    {
        long position = 0;
        while (position + 8 <= data.Length)
        {
            ulong boxLength = BinaryPrimitives.ReadUInt32BigEndian(data[(int)position..]);
            uint type = BinaryPrimitives.ReadUInt32BigEndian(data[((int)position + 4)..]);
            int header = 8;
            if (boxLength == 1)
            {
                if (position + 16 > data.Length)
                {
                    throw Bad(frame, $"JP2 box at byte {position} is cut off");
                }

                boxLength = BinaryPrimitives.ReadUInt64BigEndian(data[((int)position + 8)..]);
                header = 16;
            }
            else if (boxLength == 0)
            {
                boxLength = (ulong)(data.Length - position);
            }

            if (boxLength < (ulong)header || boxLength > (ulong)(data.Length - position))
            {
                throw Bad(frame, $"JP2 box at byte {position} declares {boxLength} bytes; {data.Length - position} remain");
            }

            if (type == Jp2Codestream)
            {
                return ((int)position + header, (int)boxLength - header);
            }

            position += (long)boxLength;
        }

        throw Bad(frame, "JP2 file has no contiguous codestream box (jp2c)");
    }

    private static DicomPixelDataException Bad(int frame, string problem) =>
        new(frame, "JPEG 2000 codestream " + problem);
}
