using System.Buffers.Binary;

namespace PlaoImaging.Dicom.Imaging.Display;

/// <summary>
/// A lookup table of the grayscale or colour pipeline (Modality LUT, VOI LUT, palette colour LUT): input values from
/// <see cref="FirstMapped"/> on map to <see cref="Entries"/>; inputs below the first map to the first entry and inputs
/// past the last to the last entry (PS3.3 C.11.1.1.1, C.11.2.1.1, C.7.6.3.1.5).
/// </summary>
public sealed class DicomLut
{
    public DicomLut(int firstMapped, int[] entries, int bits)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Length == 0)
        {
            throw new ArgumentException("A LUT needs at least one entry.", nameof(entries));
        }

        if (bits is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "LUT entries have 1 to 16 bits.");
        }

        FirstMapped = firstMapped;
        Entries = entries;
        Bits = bits;
    }

    /// <summary>The input value mapped to the first entry (second value of the LUT Descriptor).</summary>
    public int FirstMapped { get; }

    public int[] Entries { get; }

    /// <summary>Bits of each entry (third value of the LUT Descriptor): entries range over 0..2^Bits−1.</summary>
    public int Bits { get; }

    /// <summary>The largest value an entry can take (2^Bits − 1).</summary>
    public int MaxEntryValue => (1 << Bits) - 1;

    /// <summary>The entry for an input value (clamped to the first and last entries).</summary>
    public int Lookup(long input)
    {
        long index = input - FirstMapped;
        return index <= 0 ? Entries[0] : index >= Entries.Length ? Entries[^1] : Entries[index];
    }

    /// <summary>The entry for a real input value, rounded to the nearest integer input first.</summary>
    public int Lookup(double input) =>
        double.IsNaN(input) ? Entries[0] : Lookup((long)Math.Clamp(Math.Round(input, MidpointRounding.AwayFromZero), int.MinValue, int.MaxValue));

    /// <summary>
    /// Builds a LUT from its descriptor (3 values as stored: US, or SS when the input is signed) and its data.
    /// The descriptor's first value is the number of entries (0 means 65536); the second the first input value mapped
    /// (read as signed when <paramref name="signedInput"/>); the third the bits per entry.
    /// Entries of 8 bits or fewer are read one per byte when the data holds one byte per entry and one per 16-bit word
    /// (low byte, or the high byte when every low byte is zero) when it holds a word per entry, as older files do.
    /// </summary>
    public static DicomLut Parse(ReadOnlySpan<byte> descriptor, ReadOnlySpan<byte> data, bool signedInput, string what)
    {
        var (count, first, bits) = ParseDescriptor(descriptor, signedInput, what);
        var entries = new int[count];
        if (data.Length >= 2 * count && (bits > 8 || data.Length > count + 1))
        {
            // One 16-bit word per entry.
            bool highByte = bits <= 8 && AllLowBytesZero(data, count);
            for (int i = 0; i < count; i++)
            {
                int word = BinaryPrimitives.ReadUInt16LittleEndian(data[(2 * i)..]);
                entries[i] = bits <= 8 ? (highByte ? word >> 8 : word & 0xFF) : word;
            }
        }
        else if (bits <= 8 && data.Length >= count)
        {
            for (int i = 0; i < count; i++)
            {
                entries[i] = data[i];
            }
        }
        else
        {
            throw new DicomPixelDataException(null, $"{what}: LUT Data holds {data.Length} bytes; {count} entries of {bits} bits need {(bits > 8 ? 2 * count : count)}");
        }

        int max = (1 << bits) - 1;
        for (int i = 0; i < count; i++)
        {
            entries[i] = Math.Min(entries[i], max);
        }

        return new DicomLut(first, entries, bits);
    }

    /// <summary>The three LUT Descriptor values: entries (0 read as 65536), first input mapped, bits per entry (1..16).</summary>
    public static (int Count, int FirstMapped, int Bits) ParseDescriptor(ReadOnlySpan<byte> descriptor, bool signedInput, string what)
    {
        if (descriptor.Length < 6)
        {
            throw new DicomPixelDataException(null, $"{what}: LUT Descriptor has {descriptor.Length / 2} values; 3 are needed");
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(descriptor);
        if (count == 0)
        {
            count = 65536;
        }

        ushort firstRaw = BinaryPrimitives.ReadUInt16LittleEndian(descriptor[2..]);
        int first = signedInput ? (short)firstRaw : firstRaw;
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(descriptor[4..]);
        if (bits is < 1 or > 16)
        {
            throw new DicomPixelDataException(null, $"{what}: LUT Descriptor declares {bits} bits per entry (1 to 16 are possible)");
        }

        return (count, first, bits);
    }

    /// <summary>
    /// Expands Segmented Palette Color LUT Data (PS3.3 C.7.9.2): discrete (0), linear (1) and indirect (2) segments,
    /// into <paramref name="count"/> entries.
    /// </summary>
    public static int[] ExpandSegmented(ReadOnlySpan<ushort> words, int count, string what)
    {
        var output = new List<int>(count);
        ExpandSegments(words, output, depth: 0, what);
        if (output.Count < count)
        {
            throw new DicomPixelDataException(null, $"{what}: segmented LUT data expands to {output.Count} entries; the descriptor declares {count}");
        }

        return output.GetRange(0, count).ToArray();
    }

    private static void ExpandSegments(ReadOnlySpan<ushort> words, List<int> output, int depth, string what)
    {
        const int MaxEntries = 1 << 20;
        int i = 0;
        while (i < words.Length)
        {
            if (i + 2 > words.Length)
            {
                throw new DicomPixelDataException(null, $"{what}: segmented LUT data ends inside a segment header");
            }

            int opcode = words[i];
            int length = words[i + 1];
            i += 2;
            switch (opcode)
            {
                case 0:
                    if (i + length > words.Length)
                    {
                        throw new DicomPixelDataException(null, $"{what}: discrete segment of {length} entries runs past the data");
                    }

                    for (int k = 0; k < length; k++)
                    {
                        output.Add(words[i + k]);
                    }

                    i += length;
                    break;
                case 1:
                    if (output.Count == 0 || i >= words.Length)
                    {
                        throw new DicomPixelDataException(null, $"{what}: linear segment without a previous value or an end value");
                    }

                    // A line from the last value output to the end value, over 'length' new entries.
                    double start = output[^1];
                    double end = words[i++];
                    for (int k = 1; k <= length; k++)
                    {
                        output.Add((int)Math.Round(start + ((end - start) * k / length), MidpointRounding.AwayFromZero));
                    }

                    break;
                case 2:
                    if (depth > 0 || i + 2 > words.Length)
                    {
                        throw new DicomPixelDataException(null, $"{what}: indirect segment nested or truncated");
                    }

                    // Copies 'length' segments starting at a 32-bit word offset (low word first) into the data.
                    int offset = words[i] | (words[i + 1] << 16);
                    i += 2;
                    int position = offset;
                    for (int s = 0; s < length; s++)
                    {
                        int segmentLength = SegmentWords(words, position, what);
                        ExpandSegments(words.Slice(position, segmentLength), output, depth + 1, what);
                        position += segmentLength;
                    }

                    break;
                default:
                    throw new DicomPixelDataException(null, $"{what}: unknown segment type {opcode}");
            }

            if (output.Count > MaxEntries)
            {
                throw new DicomPixelDataException(null, $"{what}: segmented LUT data expands past {MaxEntries} entries");
            }
        }
    }

    private static int SegmentWords(ReadOnlySpan<ushort> words, int position, string what)
    {
        if (position < 0 || position + 2 > words.Length)
        {
            throw new DicomPixelDataException(null, $"{what}: indirect segment offset {position} is outside the data");
        }

        int words2 = words[position] switch
        {
            0 => 2 + words[position + 1],
            1 => 3,
            _ => throw new DicomPixelDataException(null, $"{what}: an indirect segment may refer only to discrete or linear segments"),
        };
        if (position + words2 > words.Length)
        {
            throw new DicomPixelDataException(null, $"{what}: indirect segment at {position} runs past the data");
        }

        return words2;
    }

    private static bool AllLowBytesZero(ReadOnlySpan<byte> data, int count)
    {
        bool anyHigh = false;
        for (int i = 0; i < count; i++)
        {
            if (data[2 * i] != 0)
            {
                return false;
            }

            anyHigh |= data[(2 * i) + 1] != 0;
        }

        return anyHigh;
    }
}
