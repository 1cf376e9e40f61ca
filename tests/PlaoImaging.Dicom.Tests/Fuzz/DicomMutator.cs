using System.Buffers.Binary;
using PlaoImaging.Dicom;

namespace PlaoImaging.Dicom.Tests.Fuzz;

/// <summary>A seed for the mutator: bytes, where their length fields and VRs are, and how to turn a mutant into an input.</summary>
public sealed class FuzzSeed
{
    public FuzzSeed(string name, byte[] bytes, Func<byte[], byte[]>? wrap = null, int[]? imageValues = null)
    {
        Name = name;
        ImageValues = imageValues ?? [];
        Bytes = bytes;
        Wrap = wrap ?? (b => b);
        var lengths16 = new List<int>();
        var lengths32 = new List<int>();
        var vrs = new List<int>();
        for (int i = 4; i + 2 <= bytes.Length; i++)
        {
            if (bytes[i] is >= (byte)'A' and <= (byte)'Z' && DicomVRInfo.TryParse(bytes[i], bytes[i + 1], out var vr))
            {
                vrs.Add(i);
                (vr.HasLongExplicitLength() ? lengths32 : lengths16).Add(vr.HasLongExplicitLength() ? i + 4 : i + 2);
            }

            if (i + 8 <= bytes.Length && bytes[i] == 0xFE && bytes[i + 1] == 0xFF && bytes[i + 3] == 0xE0 && bytes[i + 2] is 0x00 or 0x0D or 0xDD)
            {
                lengths32.Add(i + 4);
            }
        }

        Lengths16 = [.. lengths16.Where(o => o + 2 <= bytes.Length)];
        Lengths32 = [.. lengths32.Where(o => o + 4 <= bytes.Length)];
        VRs = [.. vrs];
    }

    public string Name { get; }

    /// <summary>The bytes mutated (for a structured deflated seed: the inflated dataset).</summary>
    public byte[] Bytes { get; }

    /// <summary>Turns mutated bytes into the reader's input (identity, or prefix with a meta group and deflate).</summary>
    public Func<byte[], byte[]> Wrap { get; }

    /// <summary>Offsets of 16-bit explicit VR length fields.</summary>
    public int[] Lengths16 { get; }

    /// <summary>Offsets of 32-bit length fields (long explicit VRs, items, delimiters).</summary>
    public int[] Lengths32 { get; }

    /// <summary>Offsets of 16-bit Image Pixel values (Rows, Columns, Bits Allocated, Samples per Pixel) of a pixel seed; empty for others.</summary>
    public int[] ImageValues { get; }

    /// <summary>Offsets of explicit VR codes.</summary>
    public int[] VRs { get; }
}

/// <summary>
/// Mutations aimed at a DICOM parser: bit flips, bytes set to boundary values, length fields overwritten with boundary
/// values (0, 1, odd, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFE, lengths near what remains), VRs and tags replaced, chunks
/// duplicated, repeated, deleted or inserted (structural tokens among them), truncation, and splicing of two seeds.
/// Deterministic for a given <see cref="Random"/>.
/// </summary>
public sealed class DicomMutator(IReadOnlyList<FuzzSeed> seeds)
{
    public const int MaxInputLength = 256 * 1024;

    private static readonly byte[] InterestingBytes = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE];

    private static readonly ushort[] Interesting16 = [0, 1, 2, 3, 7, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF];

    private static readonly uint[] Interesting32 =
        [0, 1, 3, 7, 0xFF, 0xFFFF, 0x10000, 0x7FFFFFC7, 0x7FFFFFC8, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFE, 0xFFFFFFFF];

    private static readonly string[] VRCodes =
    [
        "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH",
        "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV", "ZZ", "  ", "\0\0", "sq", "\u00ff\u00ff",
    ];

    private static readonly uint[] InterestingTags =
    [
        0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD, 0x7FE00010, 0x7FE00008, 0x00020010, 0x00020000, 0x00080005, 0x00280103, 0x00280100,
        0x00090010, 0x00091001, 0x00400275, 0x00000000, 0xFFFFFFFF, 0xFFFCFFFC,
    ];

    private static readonly byte[][] Tokens =
    [
        [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF],
        [0xFE, 0xFF, 0x00, 0xE0, 0x00, 0x00, 0x00, 0x00],
        [0xFE, 0xFF, 0x0D, 0xE0, 0x00, 0x00, 0x00, 0x00],
        [0xFE, 0xFF, 0xDD, 0xE0, 0x00, 0x00, 0x00, 0x00],
        [0x40, 0x00, 0x75, 0x02, (byte)'S', (byte)'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF],
        [0x11, 0x00, 0x01, 0x10, (byte)'U', (byte)'N', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF],
        [0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF],
        [0x40, 0x00, 0x75, 0x02, (byte)'S', (byte)'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF],
        [0x09, 0x00, 0x10, 0x00, (byte)'L', (byte)'O', 4, 0, (byte)'A', (byte)'B', (byte)'C', (byte)' '],
        [0x08, 0x00, 0x05, 0x00, (byte)'C', (byte)'S', 10, 0, .. "ISO_IR 192"u8],
        [0x08, 0x00, 0x05, 0x00, (byte)'C', (byte)'S', 14, 0, .. "ISO 2022 IR 87"u8],
    ];

    /// <summary>Picks a seed and applies one to four mutations; returns the reader's input.</summary>
    public (FuzzSeed Seed, byte[] Input) Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var seed = seeds[random.Next(seeds.Count)];
        var data = seed.Bytes;
        int count = 1 + (random.Next(8) switch { < 4 => 0, < 6 => 1, 6 => 2, _ => 3 });
        for (int i = 0; i < count; i++)
        {
            data = Mutate(random, seed, data);
            if (data.Length > MaxInputLength)
            {
                data = data[..MaxInputLength];
            }
        }

        return (seed, seed.Wrap(data));
    }

    private byte[] Mutate(Random random, FuzzSeed seed, byte[] data)
    {
        if (data.Length == 0)
        {
            return [.. Tokens[random.Next(Tokens.Length)]];
        }

        var copy = (byte[])data.Clone();

        // Pixel seeds: one mutation in four lies about the frame's dimensions, which byte-level mutations rarely reach.
        // (No extra draw for other seeds, so their mutants stay as they were.)
        if (seed.ImageValues.Length > 0 && random.Next(4) == 0)
        {
            int valueAt = seed.ImageValues[random.Next(seed.ImageValues.Length)];
            if (valueAt + 2 <= copy.Length)
            {
                ushort value = random.Next(2) == 0 ? Interesting16[random.Next(Interesting16.Length)] : (ushort)random.Next(0x10000);
                BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(valueAt), value);
            }

            return copy;
        }

        int at = random.Next(data.Length);
        switch (random.Next(14))
        {
            case 0:
                copy[at] ^= (byte)(1 << random.Next(8));
                return copy;
            case 1:
                copy[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                return copy;
            case 2:
            case 3:
                return OverwriteLength16(random, seed, copy);
            case 4:
            case 5:
                return OverwriteLength32(random, seed, copy);
            case 6:
                return Duplicate(random, data, repeat: 1);
            case 7:
                return Duplicate(random, data, repeat: 1 + random.Next(40));
            case 8:
            {
                int length = Math.Min(data.Length - at, 1 + random.Next(random.Next(2) == 0 ? 8 : 256));
                return [.. data.AsSpan(0, at), .. data.AsSpan(at + length)];
            }

            case 9:
            {
                byte[] insert = random.Next(2) == 0 ? Tokens[random.Next(Tokens.Length)] : RandomBytes(random, 1 + random.Next(16));
                return [.. data.AsSpan(0, at), .. insert, .. data.AsSpan(at)];
            }

            case 10:
                return data[..at];
            case 11:
            {
                var other = seeds[random.Next(seeds.Count)].Bytes;
                int from = other.Length == 0 ? 0 : random.Next(other.Length);
                return [.. data.AsSpan(0, at), .. other.AsSpan(from)];
            }

            case 12:
                if (seed.VRs.Length > 0)
                {
                    int vrAt = seed.VRs[random.Next(seed.VRs.Length)];
                    if (vrAt + 2 <= copy.Length)
                    {
                        var code = VRCodes[random.Next(VRCodes.Length)];
                        copy[vrAt] = (byte)code[0];
                        copy[vrAt + 1] = (byte)code[1];
                    }
                }

                return copy;
            default:
            {
                int tagAt = seed.VRs.Length > 0 && random.Next(2) == 0 ? seed.VRs[random.Next(seed.VRs.Length)] - 4 : at & ~1;
                if (tagAt >= 0 && tagAt + 4 <= copy.Length)
                {
                    uint tag = InterestingTags[random.Next(InterestingTags.Length)];
                    BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(tagAt), (ushort)(tag >> 16));
                    BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(tagAt + 2), (ushort)tag);
                }

                return copy;
            }
        }
    }

    private static byte[] OverwriteLength16(Random random, FuzzSeed seed, byte[] copy)
    {
        int at = seed.Lengths16.Length > 0 && random.Next(4) != 0 ? seed.Lengths16[random.Next(seed.Lengths16.Length)] : random.Next(copy.Length) & ~1;
        if (at + 2 > copy.Length)
        {
            return copy;
        }

        int remaining = copy.Length - at - 2;
        ushort value = random.Next(3) == 0
            ? (ushort)Math.Clamp(remaining + random.Next(-3, 4), 0, 0xFFFF)
            : Interesting16[random.Next(Interesting16.Length)];
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    private static byte[] OverwriteLength32(Random random, FuzzSeed seed, byte[] copy)
    {
        int at = seed.Lengths32.Length > 0 && random.Next(4) != 0 ? seed.Lengths32[random.Next(seed.Lengths32.Length)] : random.Next(copy.Length) & ~1;
        if (at + 4 > copy.Length)
        {
            return copy;
        }

        long remaining = copy.Length - at - 4;
        uint value = random.Next(3) == 0
            ? (uint)Math.Max(0, remaining + random.Next(-9, 10))
            : Interesting32[random.Next(Interesting32.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    private static byte[] Duplicate(Random random, byte[] data, int repeat)
    {
        int from = random.Next(data.Length);
        int length = Math.Min(data.Length - from, 1 + random.Next(random.Next(2) == 0 ? 32 : 512));
        int to = random.Next(data.Length + 1);
        var chunk = data.AsSpan(from, length);
        var result = new List<byte>(data.Length + (length * repeat));
        result.AddRange(data.AsSpan(0, to));
        for (int i = 0; i < repeat && result.Count < MaxInputLength; i++)
        {
            result.AddRange(chunk);
        }

        result.AddRange(data.AsSpan(to));
        return [.. result];
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
