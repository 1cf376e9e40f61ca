using System.Globalization;

namespace PlaoImaging.DictionaryGenerator;

/// <summary>
/// A tag as PS3.6 writes it, "(gggg,eeee)", where any hexadecimal digit may be 'x' (all values 0-F).
/// <see cref="Value"/> holds the digits with every 'x' as 0; <see cref="DigitMask"/> has F for each fixed digit.
/// </summary>
internal readonly record struct TagPattern(uint Value, uint DigitMask)
{
    public const uint Exact = 0xFFFF_FFFF;

    public ushort Group => (ushort)(Value >> 16);

    public ushort Element => (ushort)Value;

    public bool IsExact => DigitMask == Exact;

    public bool HasRepeatingGroup => (DigitMask >> 16) != 0xFFFF;

    /// <summary>
    /// The mask the library matches tags with: <c>(tag &amp; LookupMask) == Value</c>.
    /// Element digits written 'x' match anything. A group written 'ggxx' is a repeating group of PS3.5 7.6:
    /// only even groups match, and for the curve (50xx) and overlay (60xx) groups only 5000-501E / 6000-601E
    /// (mask E1 on the low byte). 7Fxx (retired variable pixel data) matches the even groups 7F00-7FFE, as DCMTK does.
    /// </summary>
    public uint LookupMask
    {
        get
        {
            if (!HasRepeatingGroup)
            {
                return DigitMask;
            }

            var groupMask = (DigitMask >> 16) | 0x0001;
            if ((DigitMask >> 16) == 0xFF00 && (Group >> 8) is 0x50 or 0x60)
            {
                groupMask = 0xFFE1;
            }

            return (groupMask << 16) | (DigitMask & 0xFFFF);
        }
    }

    public bool Matches(uint tag) => (tag & LookupMask) == Value;

    public static TagPattern Parse(string text)
    {
        if (!TryParse(text, out var pattern))
        {
            throw new FormatException($"'{text}' is not a tag pattern like (0028,0010) or (60xx,3000).");
        }

        return pattern;
    }

    public static bool TryParse(string text, out TagPattern pattern)
    {
        pattern = default;
        var span = text.AsSpan().Trim();
        if (span.Length != 11 || span[0] != '(' || span[5] != ',' || span[10] != ')')
        {
            return false;
        }

        uint value = 0;
        uint mask = 0;
        foreach (var c in string.Concat(span.Slice(1, 4), span.Slice(6, 4)))
        {
            value <<= 4;
            mask <<= 4;
            if (c is 'x' or 'X')
            {
                continue;
            }

            if (!uint.TryParse(c.ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var digit))
            {
                return false;
            }

            value |= digit;
            mask |= 0xF;
        }

        pattern = new TagPattern(value, mask);
        return true;
    }

    /// <summary>"(gggg,eeee)" with upper-case digits and a lower-case 'x' for each free digit.</summary>
    public override string ToString()
    {
        var digits = new char[8];
        for (var i = 0; i < 8; i++)
        {
            var shift = 28 - (4 * i);
            digits[i] = ((DigitMask >> shift) & 0xF) == 0 ? 'x' : "0123456789ABCDEF"[(int)((Value >> shift) & 0xF)];
        }

        return $"({new string(digits, 0, 4)},{new string(digits, 4, 4)})";
    }
}
