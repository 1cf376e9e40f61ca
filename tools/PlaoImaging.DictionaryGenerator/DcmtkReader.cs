using System.Globalization;
using System.Text.RegularExpressions;

namespace PlaoImaging.DictionaryGenerator;

/// <summary>Which numbers of a DCMTK range take part: DCMTK's default is even numbers only; "-o-" odd, "-u-" all.</summary>
internal enum DcmtkRangeKind
{
    Even,
    Odd,
    All,
}

/// <summary>A range of group or element numbers as DCMTK writes them: "6000-60FF", "0009-o-FFFF", or one number.</summary>
internal readonly record struct DcmtkRange(ushort First, ushort Last, DcmtkRangeKind Kind)
{
    public bool IsSingle => First == Last;

    public bool Contains(ushort value) =>
        value >= First && value <= Last && (IsSingle || Kind switch
        {
            DcmtkRangeKind.Even => (value & 1) == 0,
            DcmtkRangeKind.Odd => (value & 1) == 1,
            _ => true,
        });

    public static DcmtkRange Parse(string text)
    {
        var parts = text.Split('-');
        return parts.Length switch
        {
            1 => new DcmtkRange(Hex(parts[0]), Hex(parts[0]), DcmtkRangeKind.All),
            2 => new DcmtkRange(Hex(parts[0]), Hex(parts[1]), DcmtkRangeKind.Even),
            3 when parts[1] is "o" or "u" =>
                new DcmtkRange(Hex(parts[0]), Hex(parts[2]), parts[1] == "o" ? DcmtkRangeKind.Odd : DcmtkRangeKind.All),
            _ => throw new FormatException($"'{text}' is not a DCMTK number or range."),
        };
    }

    private static ushort Hex(string text) =>
        ushort.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}

/// <summary>
/// One line of DCMTK's dicom.dic: tag or ranges, VR (DCMTK may use its internal lower-case VRs), keyword
/// (retired ones prefixed RETIRED_), VM and the "version" column (DICOM, DICOM/retired, DICOM/DICONDE, DICOM/DICOS,
/// or PRIVATE / ILLEGAL / GENERIC for DCMTK's own catch-all entries).
/// </summary>
internal sealed record DcmtkEntry(DcmtkRange Group, DcmtkRange Element, string VR, string Keyword, string VM, string Version)
{
    public const string RetiredPrefix = "RETIRED_";

    public bool IsStandard => Version.StartsWith("DICOM", StringComparison.Ordinal);

    public bool IsRetired => Version.EndsWith("/retired", StringComparison.Ordinal);

    public string PlainKeyword => Keyword.StartsWith(RetiredPrefix, StringComparison.Ordinal) ? Keyword[RetiredPrefix.Length..] : Keyword;

    /// <summary>The lowest tag the entry covers.</summary>
    public uint FirstTag => ((uint)Group.First << 16) | Element.First;

    public string TagText => $"({Range(Group)},{Range(Element)})";

    private static string Range(DcmtkRange range) => range.IsSingle
        ? DataFiles.Hex4(range.First)
        : $"{DataFiles.Hex4(range.First)}-{DataFiles.Hex4(range.Last)}";
}

/// <summary>Reads DCMTK's dicom.dic and private.dic (tab-separated, '#' comments).</summary>
internal static partial class DcmtkReader
{
    [GeneratedRegex(@"^\((?<group>[0-9A-Fa-f]{4}(-[ou])?(-[0-9A-Fa-f]{4})?),(?<element>[0-9A-Fa-f]{4}(-[ou])?(-[0-9A-Fa-f]{4})?)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex PublicTag();

    [GeneratedRegex(@"^\((?<group>[0-9A-Fa-f]{4}(-[ou])?(-[0-9A-Fa-f]{4})?),""(?<creator>[^""]*)"",(?<element>[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4})\)$", RegexOptions.CultureInvariant)]
    private static partial Regex PrivateTag();

    public static List<DcmtkEntry> ReadPublic(string path)
    {
        var entries = new List<DcmtkEntry>();
        foreach (var (fields, where) in Lines(path))
        {
            var match = PublicTag().Match(fields[0]);
            if (!match.Success || fields.Length < 5)
            {
                throw new FormatException($"{where}: expected '(gggg,eeee)<TAB>VR<TAB>Keyword<TAB>VM<TAB>Version'.");
            }

            entries.Add(new DcmtkEntry(
                DcmtkRange.Parse(match.Groups["group"].Value),
                DcmtkRange.Parse(match.Groups["element"].Value),
                fields[1], fields[2], fields[3], fields[4]));
        }

        return entries;
    }

    /// <summary>Reads private.dic. Later lines override earlier ones with the same key, as in DCMTK; each override is reported.</summary>
    public static List<PrivateTagRow> ReadPrivate(string path, Report report)
    {
        var rows = new Dictionary<(string, ushort, ushort, ushort, bool), PrivateTagRow>();
        foreach (var (fields, where) in Lines(path))
        {
            var match = PrivateTag().Match(fields[0]);
            if (!match.Success || fields.Length < 4)
            {
                throw new FormatException($"{where}: expected '(gggg,\"CREATOR\",ee)<TAB>VR<TAB>Name<TAB>VM'.");
            }

            var group = DcmtkRange.Parse(match.Groups["group"].Value);
            if ((group.First & 1) == 0 || (group.Last & 1) == 0 || (!group.IsSingle && group.Kind != DcmtkRangeKind.Odd))
            {
                throw new FormatException($"{where}: private groups must be odd (use -o- for a range).");
            }

            var elementText = match.Groups["element"].Value;
            var element = ushort.Parse(elementText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            var isFixed = elementText.Length == 4;
            if (isFixed && element < 0x1000)
            {
                throw new FormatException($"{where}: a four-digit private element must be 1000 or above.");
            }

            var row = new PrivateTagRow(match.Groups["creator"].Value, group.First, group.Last, element, isFixed,
                Vr.FromDcmtk(fields[1]), fields[3], fields[2]);
            var key = (row.Creator, row.GroupFirst, row.GroupLast, row.Element, row.FixedElement);
            if (rows.TryGetValue(key, out var earlier))
            {
                report.Section("private.dic lines that override an earlier line (the later one is kept, as in DCMTK)");
                report.Note($"{where}: {fields[0]} overrides an earlier line ({earlier.VR} {earlier.Name} -> {row.VR} {row.Name}).");
            }

            rows[key] = row;
        }

        return [.. rows.Values];
    }

    private static IEnumerable<(string[] Fields, string Where)> Lines(string path)
    {
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#' || string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return (line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                $"{Path.GetFileName(path)} line {i + 1}");
        }
    }
}
