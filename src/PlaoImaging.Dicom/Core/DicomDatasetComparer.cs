using System.Globalization;
using System.Text;

namespace PlaoImaging.Dicom;

/// <summary>
/// Compares datasets by structure and value: the same tags in the same nesting, the same VRs, equal values. Text
/// values (string VRs) are compared as text, each side decoded with its own character set and with its insignificant
/// padding trimmed value by value (for PN also the delimiters of trailing empty components; a value of nothing but
/// empty values counts as empty), so the same names written in two character sets compare equal; binary values byte
/// for byte; sequences item by item; encapsulated pixel data offset table and fragment by fragment.
/// <see cref="FindFirstDifference"/> says where two datasets first differ.
/// </summary>
public sealed class DicomDatasetComparer : IEqualityComparer<DicomDataset>
{
    private const int BlockSize = 1 << 20;
    private const int MaxShownCharacters = 64;

    /// <summary>
    /// Leave out group length elements (gggg,0000), which the writer leaves out (a file read back has none where the
    /// original had them). On by default.
    /// </summary>
    public bool IgnoreGroupLengths { get; init; } = true;

    /// <summary>
    /// Leave out Specific Character Set (0008,0005) itself: compare two copies of one dataset kept in different
    /// character sets (a DICOM JSON copy declares ISO_IR 192). Off by default.
    /// </summary>
    public bool IgnoreSpecificCharacterSet { get; init; }

    /// <summary>Whether the datasets are equal as this comparer sees them.</summary>
    public bool Equals(DicomDataset? x, DicomDataset? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && FindFirstDifference(x, y) is null);

    /// <summary>A hash over the tags compared (values are left out: equal text can have different bytes).</summary>
    public int GetHashCode(DicomDataset obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var hash = new HashCode();
        foreach (var element in obj)
        {
            if (!Skip(element.Tag))
            {
                hash.Add(element.Tag.Value);
            }
        }

        return hash.ToHashCode();
    }

    /// <summary>The first difference in tag order, depth first; null when the datasets are equal.</summary>
    public DicomDatasetDifference? FindFirstDifference(DicomDataset left, DicomDataset right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return CompareDatasets(left, right, string.Empty);
    }

    private bool Skip(DicomTag tag) =>
        (IgnoreGroupLengths && tag.IsGroupLength) || (IgnoreSpecificCharacterSet && tag == DicomTag.SpecificCharacterSet);

    private DicomDatasetDifference? CompareDatasets(DicomDataset left, DicomDataset right, string path)
    {
        using var l = left.Where(e => !Skip(e.Tag)).GetEnumerator();
        using var r = right.Where(e => !Skip(e.Tag)).GetEnumerator();
        bool hasLeft = l.MoveNext();
        bool hasRight = r.MoveNext();
        while (hasLeft || hasRight)
        {
            if (!hasRight || (hasLeft && l.Current.Tag < r.Current.Tag))
            {
                return new DicomDatasetDifference(path + l.Current.Tag, DicomDifferenceKind.OnlyLeft, $"{l.Current.VR.Code()} element on the left only");
            }

            if (!hasLeft || r.Current.Tag < l.Current.Tag)
            {
                return new DicomDatasetDifference(path + r.Current.Tag, DicomDifferenceKind.OnlyRight, $"{r.Current.VR.Code()} element on the right only");
            }

            if (CompareElements(left, l.Current, right, r.Current, path + l.Current.Tag) is { } difference)
            {
                return difference;
            }

            hasLeft = l.MoveNext();
            hasRight = r.MoveNext();
        }

        return null;
    }

    private DicomDatasetDifference? CompareElements(DicomDataset leftDataset, DicomElement left, DicomDataset rightDataset, DicomElement right, string path)
    {
        if (left.VR != right.VR)
        {
            return new DicomDatasetDifference(path, DicomDifferenceKind.VR, $"VR {left.VR.Code()} vs {right.VR.Code()}");
        }

        switch (left, right)
        {
            case (DicomSequence ls, DicomSequence rs):
                if (ls.Items.Count != rs.Items.Count)
                {
                    return new DicomDatasetDifference(path, DicomDifferenceKind.ItemCount, $"{ls.Items.Count} items vs {rs.Items.Count}");
                }

                for (int i = 0; i < ls.Items.Count; i++)
                {
                    var itemPath = string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]>");
                    if (CompareDatasets(ls.Items[i], rs.Items[i], itemPath) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case (DicomFragmentSequence lf, DicomFragmentSequence rf):
                if (CompareBytes(lf.OffsetTable, rf.OffsetTable) is { } table)
                {
                    return new DicomDatasetDifference(path, DicomDifferenceKind.Fragments, "basic offset table: " + table);
                }

                if (lf.Fragments.Count != rf.Fragments.Count)
                {
                    return new DicomDatasetDifference(path, DicomDifferenceKind.Fragments, $"{lf.Fragments.Count} fragments vs {rf.Fragments.Count}");
                }

                for (int i = 0; i < lf.Fragments.Count; i++)
                {
                    if (CompareBytes(lf.Fragments[i], rf.Fragments[i]) is { } fragment)
                    {
                        return new DicomDatasetDifference(path, DicomDifferenceKind.Fragments, string.Create(CultureInfo.InvariantCulture, $"fragment {i}: {fragment}"));
                    }
                }

                return null;
            case (DicomValueElement lv, DicomValueElement rv):
                return CompareValues(leftDataset, lv, rightDataset, rv, path);
            default:
                return new DicomDatasetDifference(path, DicomDifferenceKind.ElementKind, $"{Kind(left)} vs {Kind(right)}");
        }
    }

    private static DicomDatasetDifference? CompareValues(DicomDataset leftDataset, DicomValueElement left, DicomDataset rightDataset, DicomValueElement right, string path)
    {
        var vr = left.VR;
        if (vr.IsString())
        {
            string leftText = DicomValueCodec.DecodeText(left, leftDataset.TextEncoding);
            string rightText = DicomValueCodec.DecodeText(right, rightDataset.TextEncoding);
            var leftValues = Significant(DicomDataset.SplitValues(leftText, vr), vr);
            var rightValues = Significant(DicomDataset.SplitValues(rightText, vr), vr);
            if (leftValues.AsSpan().SequenceEqual(rightValues))
            {
                return null;
            }

            return new DicomDatasetDifference(path, DicomDifferenceKind.Value, $"'{Shorten(string.Join('\\', leftValues))}' vs '{Shorten(string.Join('\\', rightValues))}'");
        }

        return CompareBytes(left.Buffer, right.Buffer) is { } bytes
            ? new DicomDatasetDifference(path, DicomDifferenceKind.Value, bytes)
            : null;
    }

    /// <summary>
    /// The values as compared: a PN value without the delimiters of trailing empty components and component groups
    /// (PS3.5 6.2.1: "^^^^" and "" both say no name); a value list of nothing but empty values is no value.
    /// </summary>
    private static string[] Significant(string[] values, DicomVR vr)
    {
        if (vr == DicomVR.PN)
        {
            values = [.. values.Select(v => string.Join('=', v.Split('=').Select(g => g.TrimEnd('^'))).TrimEnd('='))];
        }

        return values.All(v => v.Length == 0) ? [] : values;
    }

    /// <summary>Null when equal, else where the bytes first differ.</summary>
    private static string? CompareBytes(DicomBuffer left, DicomBuffer right)
    {
        if (ReferenceEquals(left, right))
        {
            return null;
        }

        if (left.Length != right.Length)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{left.Length} bytes vs {right.Length}");
        }

        if (left.IsInMemory && right.IsInMemory)
        {
            return FirstDifference(left.GetMemory().Span, right.GetMemory().Span, 0);
        }

        var a = new byte[(int)Math.Min(BlockSize, left.Length)];
        var b = new byte[a.Length];
        for (long offset = 0; offset < left.Length; offset += a.Length)
        {
            int n = (int)Math.Min(a.Length, left.Length - offset);
            left.Read(offset, a.AsSpan(0, n));
            right.Read(offset, b.AsSpan(0, n));
            if (FirstDifference(a.AsSpan(0, n), b.AsSpan(0, n), offset) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static string? FirstDifference(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, long offset)
    {
        int i = left.CommonPrefixLength(right);
        return i == left.Length
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"bytes differ at offset {offset + i} (0x{left[i]:X2} vs 0x{right[i]:X2})");
    }

    private static string Kind(DicomElement element) => element switch
    {
        DicomSequence => "a sequence",
        DicomFragmentSequence => "encapsulated fragments",
        _ => "a value",
    };

    private static string Shorten(string text)
    {
        var shown = text.Length > MaxShownCharacters ? text[..MaxShownCharacters] + "..." : text;
        var result = new StringBuilder(shown.Length);
        foreach (char c in shown)
        {
            if (char.IsControl(c))
            {
                result.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}

/// <summary>What kind of difference <see cref="DicomDatasetComparer"/> found.</summary>
public enum DicomDifferenceKind
{
    /// <summary>An element present on the left only.</summary>
    OnlyLeft,

    /// <summary>An element present on the right only.</summary>
    OnlyRight,

    /// <summary>The same tag with different VRs.</summary>
    VR,

    /// <summary>The same tag holding a value on one side and items or fragments on the other.</summary>
    ElementKind,

    /// <summary>Different values (text after decoding and trimming, or bytes).</summary>
    Value,

    /// <summary>Sequences with different numbers of items.</summary>
    ItemCount,

    /// <summary>Encapsulated pixel data with a different offset table, fragment count or fragment bytes.</summary>
    Fragments,
}

/// <summary>
/// Where two datasets first differ: <see cref="Path"/> names the element through the sequences and items that hold it,
/// as "(0040,A730)[2]>(0040,A043)[0]>(0008,0100)" (item numbers from 0), and <see cref="Detail"/> says how it differs.
/// </summary>
public sealed record DicomDatasetDifference(string Path, DicomDifferenceKind Kind, string Detail)
{
    public override string ToString() => $"{Path}: {Detail}";
}
