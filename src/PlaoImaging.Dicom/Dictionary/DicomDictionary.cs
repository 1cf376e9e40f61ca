using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PlaoImaging.Dicom;

/// <summary>
/// A data element of the registry (PS3.6): the tag or tag pattern it covers, its allowed VRs, value multiplicity,
/// keyword, name and whether it is retired.
/// </summary>
/// <param name="Tag">The tag; for a repeating entry such as (60xx,3000) the lowest tag it covers, (6000,3000).</param>
/// <param name="Mask">
/// The bits of a tag that must equal <paramref name="Tag"/> for the entry to apply: 0xFFFFFFFF for a single tag,
/// 0xFFE1FFFF for the 50xx/60xx groups (even groups 00-1E only), 0xFFFFFF00 for (0020,31xx), and so on.
/// </param>
/// <param name="VRs">The allowed VRs, as the standard orders them ("OB or OW"); empty for items and delimiters.</param>
/// <param name="VM">The value multiplicity as written in PS3.6: "1", "1-n", "2-2n", ...</param>
/// <param name="Keyword">The keyword, e.g. PatientName; empty for the few retired placeholders without one.</param>
/// <param name="Name">The name, e.g. "Patient's Name".</param>
/// <param name="IsRetired">True when PS3.6 marks the element RET.</param>
public sealed record DicomDictionaryEntry(
    DicomTag Tag, uint Mask, IReadOnlyList<DicomVR> VRs, string VM, string Keyword, string Name, bool IsRetired)
{
    /// <summary>The mask of an entry for one tag.</summary>
    public const uint ExactMask = 0xFFFF_FFFF;

    /// <summary>The VR to use when a file does not say (implicit VR): the first allowed VR, or <see cref="DicomVR.None"/>.</summary>
    /// <remarks>
    /// For "US or SS" and "OB or OW" elements the right choice can depend on other elements (Pixel Representation,
    /// Bits Allocated) and on the transfer syntax (PS3.5 A.1: OW in implicit VR); this is only the first listed.
    /// </remarks>
    public DicomVR DefaultVR => VRs.Count > 0 ? VRs[0] : DicomVR.None;

    /// <summary>True when the entry covers more than one tag: a repeating group or an element range.</summary>
    public bool IsRepeating => Mask != ExactMask;

    /// <summary>True when <paramref name="tag"/> is one the entry covers.</summary>
    public bool Matches(DicomTag tag) => (tag.Value & Mask) == Tag.Value;

    /// <summary>The least number of values (the "1" of "1-n").</summary>
    public int MinValueCount => ParseVM(VM).Min;

    /// <summary>The greatest number of values, or null when unbounded ("n").</summary>
    public int? MaxValueCount => ParseVM(VM).Max;

    /// <summary>Values come in groups of this many: 2 for "2-2n", 3 for "3-3n", otherwise 1.</summary>
    public int ValueCountStep => ParseVM(VM).Step;

    /// <summary>True when <paramref name="count"/> values satisfy the VM.</summary>
    public bool AllowsValueCount(int count)
    {
        var (min, max, step) = ParseVM(VM);
        return count >= min && (max is null || count <= max) && count % step == 0;
    }

    /// <summary>The tag as PS3.6 writes it, with 'x' for free digits: (0010,0010), (60xx,3000), (0020,31xx).</summary>
    public string TagPattern
    {
        get
        {
            var digits = Tag.ToJsonKey().ToCharArray();
            for (var i = 0; i < 8; i++)
            {
                if (((Mask >> (28 - (4 * i))) & 0xF) != 0xF)
                {
                    digits[i] = 'x';
                }
            }

            return string.Create(CultureInfo.InvariantCulture, $"({digits.AsSpan(0, 4)},{digits.AsSpan(4, 4)})");
        }
    }

    /// <summary>The entry as PS3.6 lists it, e.g. "(60xx,3000) OB or OW 1 OverlayData".</summary>
    public override string ToString()
    {
        var vrs = VRs.Count == 0 ? "-" : string.Join(" or ", VRs.Select(v => v.Code()));
        return $"{TagPattern} {vrs} {VM} {(Keyword.Length > 0 ? Keyword : Name)}{(IsRetired ? " (retired)" : "")}";
    }

    private static (int Min, int? Max, int Step) ParseVM(string vm)
    {
        var dash = vm.IndexOf('-', StringComparison.Ordinal);
        var min = ParseCount(dash < 0 ? vm : vm[..dash]);
        if (dash < 0)
        {
            return (min, min, 1);
        }

        var upper = vm.AsSpan(dash + 1);
        if (upper.Length > 0 && upper[^1] == 'n')
        {
            var step = upper.Length == 1 ? 1 : ParseCount(upper[..^1]);
            return (min, null, step);
        }

        return (min, ParseCount(upper), 1);
    }

    private static int ParseCount(ReadOnlySpan<char> text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a value multiplicity.");
}

/// <summary>
/// The DICOM data dictionary: every public data element of PS3.6 (and the PS3.7 command group), generated into
/// DicomDictionary.g.cs from Dictionary/Data/tags.tsv, plus DCMTK's private tag dictionary for the VRs of private
/// elements read from implicit VR files.
/// </summary>
public static partial class DicomDictionary
{
    // Built on first use, each on its own: the public tables for Lookup, the keyword index, and DCMTK's private tags.
    private static readonly Lazy<Tables> s_tables = new(Tables.Build, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<FrozenDictionary<string, DicomDictionaryEntry>> s_byKeyword = new(
        () => s_tables.Value.Entries.Where(e => e.Keyword.Length > 0).ToFrozenDictionary(e => e.Keyword, StringComparer.Ordinal),
        LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<PrivateTables> s_privateTables = new(PrivateTables.Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Every entry of the registry in tag order (single tags and repeating patterns).</summary>
    public static IReadOnlyList<DicomDictionaryEntry> Entries => s_tables.Value.Entries;

    /// <summary>
    /// The entry for <paramref name="tag"/>, or null when neither the registry nor a generic rule covers it.
    /// In order: a single-tag entry; a group length (gggg,0000) of any group, as UL "Group Length"; a private creator
    /// element (odd group 0009 or above, element 0010-00FF), as LO "Private Creator"; a repeating entry such as
    /// (60xx,3000) (even groups 6000-601E), (50xx,eeee), (7Fxx,eeee), (0020,31xx) or (1000,xxx0).
    /// The two generic entries are made for the tag asked about and have no keyword.
    /// Private data elements are not here: see <see cref="LookupPrivateVR"/>.
    /// </summary>
    public static DicomDictionaryEntry? Lookup(DicomTag tag)
    {
        var tables = s_tables.Value;
        if (tables.Exact.TryGetValue(tag.Value, out var entry))
        {
            return entry;
        }

        if (tag.IsGroupLength)
        {
            return new DicomDictionaryEntry(tag, DicomDictionaryEntry.ExactMask, VR_UL, "1", "", "Group Length", false);
        }

        if (tag.IsPrivateCreator)
        {
            return new DicomDictionaryEntry(tag, DicomDictionaryEntry.ExactMask, VR_LO, "1", "", "Private Creator", false);
        }

        foreach (var (mask, entries) in tables.Repeating)
        {
            if (entries.TryGetValue(tag.Value & mask, out entry))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>Finds an entry by its keyword (case-sensitive), e.g. "PatientName" or "OverlayData".</summary>
    public static bool TryGetByKeyword(string keyword, [MaybeNullWhen(false)] out DicomDictionaryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        return s_byKeyword.Value.TryGetValue(keyword, out entry);
    }

    /// <summary>
    /// The VR that DCMTK's private dictionary (private.dic) gives the private data element <paramref name="tag"/>
    /// in the block reserved by <paramref name="creator"/>, or null when it has none (DCMTK then reads the value as UN).
    /// Matching follows DCMTK: the creator string exactly (trailing spaces and NULs of the stored value ignored);
    /// first an entry for that exact element (gggg,xxee written with four digits), then one for its low byte ee in any
    /// block, then entries for ranges of odd groups. Where the entry allows several VRs the first is returned.
    /// </summary>
    public static DicomVR? LookupPrivateVR(string creator, DicomTag tag)
    {
        ArgumentNullException.ThrowIfNull(creator);
        if (!tag.IsPrivate)
        {
            return null;
        }

        var tables = s_privateTables.Value;
        var name = creator.TrimEnd(' ', '\0');
        if (tables.PrivateFixed.TryGetValue((name, tag.Value), out var vr) ||
            tables.PrivateLowByte.TryGetValue((name, tag.Value & 0xFFFF_00FF), out vr))
        {
            return vr;
        }

        var lowByte = (ushort)(tag.Element & 0xFF);
        foreach (var range in tables.PrivateRanges)
        {
            if (tag.Group >= range.GroupFirst && tag.Group <= range.GroupLast &&
                (range.FixedElement ? tag.Element == range.Element : lowByte == range.Element) &&
                string.Equals(range.Creator, name, StringComparison.Ordinal))
            {
                return range.VRs.Count > 0 ? range.VRs[0] : null;
            }
        }

        return null;
    }

    /// <summary>A line of private.dic: see <see cref="LookupPrivateVR"/>.</summary>
    private sealed record PrivateTagEntry(
        string Creator, ushort GroupFirst, ushort GroupLast, ushort Element, bool FixedElement,
        IReadOnlyList<DicomVR> VRs, string VM, string Name);

    private static readonly IReadOnlyList<DicomVR> VR_UL = Array.AsReadOnly([DicomVR.UL]);
    private static readonly IReadOnlyList<DicomVR> VR_LO = Array.AsReadOnly([DicomVR.LO]);

    /// <summary>The public lookup tables, built once on first use from the generated data.</summary>
    private sealed class Tables
    {
        public required IReadOnlyList<DicomDictionaryEntry> Entries { get; init; }

        public required FrozenDictionary<uint, DicomDictionaryEntry> Exact { get; init; }

        /// <summary>Repeating entries by mask, most specific mask first; each keyed by the entry's tag.</summary>
        public required (uint Mask, FrozenDictionary<uint, DicomDictionaryEntry> Entries)[] Repeating { get; init; }

        public static Tables Build()
        {
            var vrLists = new Dictionary<string, IReadOnlyList<DicomVR>>(StringComparer.Ordinal);
            var entries = new List<DicomDictionaryEntry>(5000);
            foreach (var line in PublicEntryData.AsSpan().EnumerateLines())
            {
                var f = new GeneratedTableLine(line, 7);
                entries.Add(new DicomDictionaryEntry(
                    new DicomTag(f.Hex32(0)), f.Hex32(1), f.VRs(2, vrLists), f.Text(3), f.Text(4), f.Text(5), f.YesNo(6)));
            }

            return new Tables
            {
                Entries = entries.AsReadOnly(),
                Exact = entries.Where(e => !e.IsRepeating).ToFrozenDictionary(e => e.Tag.Value),
                Repeating = [.. entries
                    .Where(e => e.IsRepeating)
                    .GroupBy(e => e.Mask)
                    .OrderByDescending(g => uint.PopCount(g.Key))
                    .ThenByDescending(g => g.Key)
                    .Select(g => (g.Key, g.ToFrozenDictionary(e => e.Tag.Value)))],
            };
        }
    }

    /// <summary>DCMTK's private tags, indexed as <see cref="LookupPrivateVR"/> searches them.</summary>
    private sealed class PrivateTables
    {
        /// <summary>Single-group entries for one element (four digits in private.dic), keyed by creator and tag.</summary>
        public required Dictionary<(string Creator, uint Tag), DicomVR> PrivateFixed { get; init; }

        /// <summary>Single-group entries for an element low byte in any block, keyed by creator and (group, 00ee).</summary>
        public required Dictionary<(string Creator, uint Tag), DicomVR> PrivateLowByte { get; init; }

        /// <summary>Entries for a range of odd groups, searched in order.</summary>
        public required PrivateTagEntry[] PrivateRanges { get; init; }

        public static PrivateTables Build()
        {
            var vrLists = new Dictionary<string, IReadOnlyList<DicomVR>>(StringComparer.Ordinal);
            var fixedElements = new Dictionary<(string, uint), DicomVR>();
            var lowBytes = new Dictionary<(string, uint), DicomVR>();
            var ranges = new List<PrivateTagEntry>();
            foreach (var line in PrivateEntryData.AsSpan().EnumerateLines())
            {
                var f = new GeneratedTableLine(line, 7);
                var entry = new PrivateTagEntry(
                    f.Text(0), f.Hex16(1), f.Hex16(2), f.Hex16(3), f.Length(3) == 4, f.VRs(4, vrLists), f.Text(5), f.Text(6));
                if (entry.GroupFirst != entry.GroupLast)
                {
                    ranges.Add(entry);
                }
                else if (entry.VRs.Count > 0)
                {
                    var key = (entry.Creator, ((uint)entry.GroupFirst << 16) | entry.Element);
                    (entry.FixedElement ? fixedElements : lowBytes)[key] = entry.VRs[0];
                }
            }

            return new PrivateTables { PrivateFixed = fixedElements, PrivateLowByte = lowBytes, PrivateRanges = [.. ranges] };
        }
    }
}

/// <summary>One '|'-separated line of the tables in DicomDictionary.g.cs and DicomUids.g.cs.</summary>
internal readonly ref struct GeneratedTableLine
{
    private readonly ReadOnlySpan<char> _line;
    private readonly Span<Range> _fields;

    public GeneratedTableLine(ReadOnlySpan<char> line, int count)
    {
        _line = line;
        _fields = new Range[count + 1];
        if (_line.Split(_fields, '|') != count)
        {
            throw new InvalidOperationException($"Corrupt generated dictionary line '{line}': expected {count} fields.");
        }
    }

    public int Length(int index) => _fields[index].GetOffsetAndLength(_line.Length).Length;

    public string Text(int index) => _line[_fields[index]].ToString();

    public bool YesNo(int index) => _line[_fields[index]] is "Y";

    public uint Hex32(int index) => uint.Parse(_line[_fields[index]], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    public ushort Hex16(int index) => ushort.Parse(_line[_fields[index]], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>"US or SS" as a shared read-only list; "NONE" as an empty one.</summary>
    public IReadOnlyList<DicomVR> VRs(int index, Dictionary<string, IReadOnlyList<DicomVR>> cache)
    {
        var text = Text(index);
        if (cache.TryGetValue(text, out var list))
        {
            return list;
        }

        var vrs = new List<DicomVR>(2);
        if (text != "NONE")
        {
            foreach (var code in text.Split(" or "))
            {
                vrs.Add(DicomVRInfo.TryParse(code, out var vr) ? vr : throw new InvalidOperationException($"Unknown VR '{code}' in the generated dictionary."));
            }
        }

        list = vrs.AsReadOnly();
        cache.Add(text, list);
        return list;
    }
}
