using System.Globalization;

namespace PlaoImaging.Dicom;

/// <summary>A data element tag: group and element number, ordered as the standard orders them.</summary>
public readonly record struct DicomTag(ushort Group, ushort Element) : IComparable<DicomTag>
{
    /// <summary>Creates a tag from its 32-bit form (group in the high 16 bits).</summary>
    public DicomTag(uint value) : this((ushort)(value >> 16), (ushort)value)
    {
    }

    /// <summary>The tag as one 32-bit number (group in the high 16 bits).</summary>
    public uint Value => ((uint)Group << 16) | Element;

    /// <summary>Odd group numbers above 0008 are private (PS3.5 7.8.1).</summary>
    public bool IsPrivate => (Group & 1) == 1 && Group > 0x0008 && Group != 0xFFFF;

    /// <summary>A private creator data element, (gggg,0010-00FF) in an odd group.</summary>
    public bool IsPrivateCreator => IsPrivate && Element >= 0x0010 && Element <= 0x00FF;

    /// <summary>For a private data element (gggg,xxee), the tag of its private creator (gggg,00xx); otherwise null.</summary>
    public DicomTag? PrivateCreatorTag =>
        IsPrivate && Element >= 0x1000 ? new DicomTag(Group, (ushort)(Element >> 8)) : null;

    /// <summary>Group length element (gggg,0000).</summary>
    public bool IsGroupLength => Element == 0x0000;

    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    public static bool operator <(DicomTag left, DicomTag right) => left.Value < right.Value;
    public static bool operator >(DicomTag left, DicomTag right) => left.Value > right.Value;
    public static bool operator <=(DicomTag left, DicomTag right) => left.Value <= right.Value;
    public static bool operator >=(DicomTag left, DicomTag right) => left.Value >= right.Value;

    /// <summary>The tag as (gggg,eeee) in upper-case hexadecimal.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Group:X4},{Element:X4})");

    /// <summary>The eight hexadecimal digits used as a DICOM JSON attribute name.</summary>
    public string ToJsonKey() => string.Create(CultureInfo.InvariantCulture, $"{Group:X4}{Element:X4}");

    /// <summary>Parses "(gggg,eeee)", "gggg,eeee" or "ggggeeee".</summary>
    public static DicomTag Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParse(text, out var tag))
        {
            return tag;
        }

        throw new FormatException($"'{text}' is not a DICOM tag: expected (gggg,eeee) or ggggeeee.");
    }

    public static bool TryParse(ReadOnlySpan<char> text, out DicomTag tag)
    {
        tag = default;
        text = text.Trim();
        if (text.Length > 0 && text[0] == '(' && text[^1] == ')')
        {
            text = text[1..^1];
        }

        ushort group;
        ushort element;
        if (text.Length == 9 && text[4] == ',')
        {
            if (!ushort.TryParse(text[..4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out group) ||
                !ushort.TryParse(text[5..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out element))
            {
                return false;
            }
        }
        else if (text.Length == 8)
        {
            if (!ushort.TryParse(text[..4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out group) ||
                !ushort.TryParse(text[4..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out element))
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        tag = new DicomTag(group, element);
        return true;
    }

    // Tags the library itself needs; the full set is generated into DicomTags.
    public static readonly DicomTag Item = new(0xFFFE, 0xE000);
    public static readonly DicomTag ItemDelimitationItem = new(0xFFFE, 0xE00D);
    public static readonly DicomTag SequenceDelimitationItem = new(0xFFFE, 0xE0DD);
    public static readonly DicomTag PixelData = new(0x7FE0, 0x0010);
    public static readonly DicomTag FloatPixelData = new(0x7FE0, 0x0008);
    public static readonly DicomTag DoubleFloatPixelData = new(0x7FE0, 0x0009);
    public static readonly DicomTag SpecificCharacterSet = new(0x0008, 0x0005);
    public static readonly DicomTag TransferSyntaxUid = new(0x0002, 0x0010);
}
