using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>
/// A Huffman decoding table (ITU-T T.81 C and F.2.2.3) built from the 16 code-length counts and the symbol values of a
/// DHT segment. Checked on construction: at most 256 symbols and no code length over-subscribed.
/// </summary>
internal sealed class JpegHuffmanDecodingTable
{
    private const int LookupBits = 9;

    // (code length << 8) | symbol for every 9-bit prefix that starts with a code of 9 bits or fewer; 0 otherwise.
    private readonly ushort[] lookup = new ushort[1 << LookupBits];
    private readonly int[] maxCode = new int[17];
    private readonly int[] valueOffset = new int[17];
    private readonly byte[] values;

    // For lossless scans: (difference << 8) | bits for every 12-bit prefix that holds a whole code and its extra bits
    // (ITU-T T.81 H.2.2: a category, then that many bits); 0 where the prefix is too short. Made on first use. Twelve
    // bits (16 KiB) hold code and bits of most differences of noisy 12- to 16-bit radiographs and still sit in L1.
    private const int DifferenceBits = 12;
    private int[]? differences;

    private JpegHuffmanDecodingTable(byte[] values) => this.values = values;

    /// <summary>
    /// Decodes one lossless difference (category and extra bits, T.81 H.2.2 / F.2.2.1) with one look-up when both fit
    /// in 9 bits, which is the common case; otherwise the code and then the extra bits are read in turn.
    /// </summary>
    /// <summary>The 12-bit difference look-up (see <see cref="DecodeDifference"/>): (difference &lt;&lt; 8) | bits, 0 = not in it.</summary>
    public int[] DifferenceLookup => differences ??= BuildDifferences();

    /// <summary>How many leading bits index <see cref="DifferenceLookup"/>.</summary>
    public const int DifferenceLookupBits = DifferenceBits;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeDifference(ref JpegBitReader reader)
    {
        var fast = differences ??= BuildDifferences();
        int entry = fast[(uint)reader.Peek16() >> (16 - DifferenceBits)];
        if (entry != 0)
        {
            reader.Skip(entry & 0xFF);
            return entry >> 8;
        }

        return DecodeDifferenceSlowly(ref reader);
    }

    private int DecodeDifferenceSlowly(ref JpegBitReader reader)
    {
        int category = Decode(ref reader);
        switch (category)
        {
            case 0:
                return 0;
            case 16:
                return 32768;
            case > 16:
                throw reader.Error($"difference category {category} is over 16");
        }

        int bits = reader.Read(category);
        return bits < 1 << (category - 1) ? bits - (1 << category) + 1 : bits;
    }

    private int[] BuildDifferences()
    {
        var table = new int[1 << DifferenceBits];
        for (int prefix = 0; prefix < table.Length; prefix++)
        {
            int entry = lookup[prefix >> (DifferenceBits - LookupBits)];
            int length = entry >> 8;
            if (entry == 0)
            {
                // A code longer than the short look-up: search the canonical table for one that still fits.
                for (length = LookupBits + 1; length <= DifferenceBits; length++)
                {
                    int code = prefix >> (DifferenceBits - length);
                    if (code <= maxCode[length])
                    {
                        entry = (length << 8) | values[valueOffset[length] + code];
                        break;
                    }
                }

                if (entry == 0)
                {
                    continue;
                }
            }

            int category = entry & 0xFF;
            if (category >= 16 || length + category > DifferenceBits)
            {
                continue;
            }

            int difference = 0;
            if (category > 0)
            {
                int bits = (prefix >> (DifferenceBits - length - category)) & ((1 << category) - 1);
                difference = bits < 1 << (category - 1) ? bits - (1 << category) + 1 : bits;
            }

            table[prefix] = (difference << 8) | (length + category);
        }

        return table;
    }

    /// <summary>
    /// Reads every table of a DHT segment (ITU-T T.81 B.2.4.2) into the DC (class 0) or AC (class 1) slots; AC tables
    /// are checked but dropped when <paramref name="acTables"/> is null.
    /// </summary>
    public static void ReadSegment(ReadOnlySpan<byte> p, int frame, JpegHuffmanDecodingTable?[] dcTables, JpegHuffmanDecodingTable?[]? acTables)
    {
        while (!p.IsEmpty)
        {
            int tableClass = p[0] >> 4;
            int id = p[0] & 15;
            if (tableClass > 1 || id > 3)
            {
                throw new DicomPixelDataException(frame, $"JPEG Huffman table class {tableClass} / id {id} is out of range");
            }

            var table = Parse(p[1..], frame, out int consumed);
            var slots = tableClass == 0 ? dcTables : acTables;
            if (slots is not null)
            {
                slots[id] = table;
            }

            p = p[(1 + consumed)..];
        }
    }

    /// <summary>Reads one table from <paramref name="p"/> (after its Tc/Th byte): 16 counts, then the symbols; returns the bytes read.</summary>
    public static JpegHuffmanDecodingTable Parse(ReadOnlySpan<byte> p, int frame, out int consumed)
    {
        if (p.Length < 16)
        {
            throw new DicomPixelDataException(frame, "JPEG Huffman table is cut short in its code-length counts");
        }

        int total = 0;
        for (int i = 0; i < 16; i++)
        {
            total += p[i];
        }

        if (total > 256 || p.Length < 16 + total)
        {
            throw new DicomPixelDataException(frame, $"JPEG Huffman table declares {total} symbols; {p.Length - 16} bytes are left in the segment");
        }

        var table = new JpegHuffmanDecodingTable(p.Slice(16, total).ToArray());
        int code = 0;
        int k = 0;
        for (int length = 1; length <= 16; length++)
        {
            int count = p[length - 1];
            table.valueOffset[length] = k - code;
            table.maxCode[length] = count == 0 ? -1 : code + count - 1;
            for (int i = 0; i < count; i++, code++, k++)
            {
                if (code >= 1 << length)
                {
                    throw new DicomPixelDataException(frame, $"JPEG Huffman table has more codes of length {length} or less than fit");
                }

                if (length <= LookupBits)
                {
                    int shift = LookupBits - length;
                    for (int fill = 0; fill < 1 << shift; fill++)
                    {
                        table.lookup[(code << shift) | fill] = (ushort)((length << 8) | table.values[k]);
                    }
                }
            }

            code <<= 1;
        }

        consumed = 16 + total;
        return table;
    }

    public int Decode(ref JpegBitReader reader)
    {
        int peek = reader.Peek16();
        int entry = lookup[peek >> (16 - LookupBits)];
        if (entry != 0)
        {
            reader.Skip(entry >> 8);
            return entry & 0xFF;
        }

        for (int length = LookupBits + 1; length <= 16; length++)
        {
            int code = peek >> (16 - length);
            if (code <= maxCode[length])
            {
                reader.Skip(length);
                return values[valueOffset[length] + code];
            }
        }

        throw reader.Error("a Huffman code matches no entry of the table");
    }
}

/// <summary>
/// Reads the bits of one entropy-coded segment (ITU-T T.81 F.2.2.5): stuffed 0xFF00 bytes give 0xFF, and a marker ends
/// the data. Reading past the end is an error rather than zero bits, so a truncated scan is found.
/// </summary>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> data;
    private readonly int frame;
    private int position;
    private ulong buffer;
    private int count;
    private int padding;
    private bool ended;

    public JpegBitReader(ReadOnlySpan<byte> data, int frame)
    {
        this.data = data;
        this.frame = frame;
    }

    /// <summary>The next 16 bits, most significant first (zero bits past the end, which <see cref="Skip"/> refuses to consume).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Peek16()
    {
        Fill();
        return (int)(buffer >> 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Skip(int bits)
    {
        buffer <<= bits;
        count -= bits;
        if (count < padding)
        {
            ThrowTruncated();
        }
    }

    [DoesNotReturn]
    private readonly void ThrowTruncated() => throw Error("the entropy-coded data ends before the last sample (truncated scan)");

    /// <summary>
    /// Decodes <paramref name="output"/>.Length lossless differences (T.81 H.2.2) of one table into
    /// <paramref name="output"/>. The bit state lives in locals while the 12-bit look-up hits and the next four bytes
    /// hold no 0xFF; anything else (a long code, stuffing, a marker, the end) takes the general path for one sample.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per line: no slow first tier for the first images
    public void DecodeDifferences(JpegHuffmanDecodingTable table, Span<int> output)
    {
        var lookup = table.DifferenceLookup;
        const int shift = 64 - JpegHuffmanDecodingTable.DifferenceLookupBits;
        int i = 0;
        while (i < output.Length)
        {
            if (padding == 0 && !ended)
            {
                ulong bits = buffer;
                int available = count;
                int at = position;
                while (i < output.Length)
                {
                    if (available <= 32)
                    {
                        if (at + 4 > data.Length)
                        {
                            break;
                        }

                        uint word = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(at, 4));
                        uint inverted = ~word;
                        if (((inverted - 0x01010101u) & ~inverted & 0x80808080u) != 0)
                        {
                            break;
                        }

                        bits |= (ulong)word << (32 - available);
                        available += 32;
                        at += 4;
                    }

                    int entry = lookup[(int)(bits >> shift)];
                    if (entry == 0)
                    {
                        break;
                    }

                    int length = entry & 0xFF;
                    bits <<= length;
                    available -= length;
                    output[i++] = entry >> 8;
                }

                buffer = bits;
                count = available;
                position = at;
                if (i == output.Length)
                {
                    return;
                }
            }

            output[i++] = table.DecodeDifference(ref this);
        }
    }

    /// <summary>Reads 1 to 16 bits as an unsigned value.</summary>
    public int Read(int bits)
    {
        Fill();
        int value = (int)(buffer >> (64 - bits));
        Skip(bits);
        return value;
    }

    /// <summary>At a restart interval boundary: drops the bits left in the current byte and reads the restart marker RSTn.</summary>
    public void ReadRestartMarker(int n)
    {
        if (!ended)
        {
            // Bytes between the last code and the marker (libjpeg skips them with a warning): find the marker.
            while (position < data.Length && !(data[position] == 0xFF && position + 1 < data.Length && data[position + 1] != 0))
            {
                position += data[position] == 0xFF ? 2 : 1;
            }
        }

        while (position + 2 < data.Length && data[position] == 0xFF && data[position + 1] == 0xFF)
        {
            position++; // fill bytes before the marker
        }

        if (position + 1 >= data.Length || data[position] != 0xFF)
        {
            throw Error($"restart marker RST{n} is missing");
        }

        if (data[position + 1] != 0xD0 + n)
        {
            throw Error($"restart marker RST{n} was expected; found FF{data[position + 1]:X2}");
        }

        position += 2;
        buffer = 0;
        count = 0;
        padding = 0;
        ended = false;
    }

    public readonly DicomPixelDataException Error(string problem) => new(frame, $"JPEG scan: {problem}");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Fill()
    {
        if (count > 56)
        {
            return;
        }

        Refill();
    }

    private void Refill()
    {
        // Fast path: four bytes at once when none of them is 0xFF (no stuffing, no marker), which is nearly always.
        if (count <= 32 && !ended && position + 4 <= data.Length)
        {
            uint word = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(position, 4));
            uint inverted = ~word;
            if (((inverted - 0x01010101u) & ~inverted & 0x80808080u) == 0)
            {
                buffer |= (ulong)word << (32 - count);
                count += 32;
                position += 4;
                if (count > 56)
                {
                    return;
                }
            }
        }

        FillBytes();
    }

    private void FillBytes()
    {
        while (count <= 56)
        {
            int b = 0;
            if (!ended)
            {
                if (position < data.Length && data[position] != 0xFF)
                {
                    b = data[position++];
                }
                else if (position + 1 < data.Length && data[position] == 0xFF && data[position + 1] == 0)
                {
                    b = 0xFF;
                    position += 2;
                }
                else
                {
                    ended = true; // a marker or the end of the data
                }
            }

            if (ended)
            {
                padding += 8;
            }

            buffer |= (ulong)b << (56 - count);
            count += 8;
        }
    }
}

/// <summary>Optimal Huffman code lengths for a symbol histogram (ITU-T T.81 K.2: at most 16 bits, no all-ones code).</summary>
internal static class JpegHuffmanEncoding
{
    /// <summary>Returns the 16 code-length counts and the symbols ordered by code length, for the symbols 0..255 with a non-zero count.</summary>
    public static (byte[] Bits, byte[] Values) Build(ReadOnlySpan<long> histogram)
    {
        var frequency = new long[257];
        histogram.CopyTo(frequency);
        frequency[256] = 1; // reserves one code point so no code is all ones
        var codeSize = new int[257];
        var others = new int[257];
        Array.Fill(others, -1);
        while (true)
        {
            int v1 = -1;
            int v2 = -1;
            for (int i = 0; i < 257; i++)
            {
                // The least frequent symbol, the larger value on ties; then the next least frequent.
                if (frequency[i] == 0)
                {
                    continue;
                }

                if (v1 < 0 || frequency[i] <= frequency[v1])
                {
                    v2 = v1;
                    v1 = i;
                }
                else if (v2 < 0 || frequency[i] <= frequency[v2])
                {
                    v2 = i;
                }
            }

            if (v2 < 0)
            {
                break;
            }

            frequency[v1] += frequency[v2];
            frequency[v2] = 0;
            for (int v = v1; ; v = others[v])
            {
                codeSize[v]++;
                if (others[v] < 0)
                {
                    others[v] = v2;
                    break;
                }
            }

            for (int v = v2; v >= 0; v = others[v])
            {
                codeSize[v]++;
            }
        }

        var bits = new int[33];
        for (int i = 0; i < 257; i++)
        {
            if (codeSize[i] > 0)
            {
                bits[codeSize[i]]++;
            }
        }

        // Lengths over 16: move pairs of the longest codes up (K.3, Adjust_BITS).
        for (int i = 32; i > 16;)
        {
            if (bits[i] == 0)
            {
                i--;
                continue;
            }

            int j = i - 2;
            while (bits[j] == 0)
            {
                j--;
            }

            bits[i] -= 2;
            bits[i - 1]++;
            bits[j + 1] += 2;
            bits[j]--;
        }

        int longest = 16;
        while (bits[longest] == 0)
        {
            longest--;
        }

        bits[longest]--; // drop the reserved code point

        var values = new List<byte>();
        for (int size = 1; size <= 32; size++)
        {
            for (int symbol = 0; symbol < 256; symbol++)
            {
                if (codeSize[symbol] == size)
                {
                    values.Add((byte)symbol);
                }
            }
        }

        var result = new byte[16];
        for (int i = 1; i <= 16; i++)
        {
            result[i - 1] = (byte)bits[i];
        }

        return (result, values.ToArray());
    }

    /// <summary>The canonical code and length of each symbol (C.2), for the table <see cref="Build"/> made.</summary>
    public static (int[] Codes, int[] Lengths) Codes(byte[] bits, byte[] values)
    {
        var codes = new int[256];
        var lengths = new int[256];
        int code = 0;
        int k = 0;
        for (int length = 1; length <= 16; length++)
        {
            for (int i = 0; i < bits[length - 1]; i++, k++, code++)
            {
                codes[values[k]] = code;
                lengths[values[k]] = length;
            }

            code <<= 1;
        }

        return (codes, lengths);
    }
}
