using System.Globalization;
using System.Text;

namespace PlaoImaging.DictionaryGenerator;

/// <summary>One row of tags.tsv: a public data element of PS3.6 (or of the PS3.7 command group).</summary>
internal sealed record TagRow(TagPattern Tag, string VR, string VM, string Keyword, string Name, bool Retired);

/// <summary>One row of uids.tsv: a UID of PS3.6 Annex A.</summary>
internal sealed record UidRow(string Uid, string Name, string Keyword, string Type, bool Retired);

/// <summary>
/// One row of private-tags.tsv, as DCMTK's private.dic defines it. <see cref="GroupLast"/> is above
/// <see cref="GroupFirst"/> for a range of odd groups. <see cref="Element"/> is either the low byte of the
/// element (any private block, <see cref="FixedElement"/> false) or, when it is 1000 or above, the one element it applies to.
/// </summary>
internal sealed record PrivateTagRow(
    string Creator, ushort GroupFirst, ushort GroupLast, ushort Element, bool FixedElement, string VR, string VM, string Name);

/// <summary>Reads and writes the tab-separated source files in Dictionary/Data.</summary>
internal static class DataFiles
{
    public const string TagsFile = "tags.tsv";
    public const string UidsFile = "uids.tsv";
    public const string PrivateTagsFile = "private-tags.tsv";

    private static readonly string[] TagsHeader = ["Tag", "VR", "VM", "Keyword", "Name", "Retired"];
    private static readonly string[] UidsHeader = ["UID", "Name", "Keyword", "Type", "Retired"];
    private static readonly string[] PrivateHeader = ["Creator", "Group", "Element", "VR", "VM", "Name"];

    public static void WriteTags(string path, IEnumerable<TagRow> rows) =>
        Write(path, TagsHeader, rows.Select(r => new[] { r.Tag.ToString(), r.VR, r.VM, r.Keyword, r.Name, YesNo(r.Retired) }));

    public static void WriteUids(string path, IEnumerable<UidRow> rows) =>
        Write(path, UidsHeader, rows.Select(r => new[] { r.Uid, r.Name, r.Keyword, r.Type, YesNo(r.Retired) }));

    public static void WritePrivateTags(string path, IEnumerable<PrivateTagRow> rows) =>
        Write(path, PrivateHeader, rows.Select(r => new[]
        {
            r.Creator,
            r.GroupFirst == r.GroupLast ? Hex4(r.GroupFirst) : $"{Hex4(r.GroupFirst)}-{Hex4(r.GroupLast)}",
            r.FixedElement ? Hex4(r.Element) : r.Element.ToString("X2", CultureInfo.InvariantCulture),
            r.VR, r.VM, r.Name,
        }));

    public static List<TagRow> ReadTags(string path) =>
        Read(path, TagsHeader, (f, where) =>
        {
            if (!TagPattern.TryParse(f[0], out var tag))
            {
                throw new FormatException($"{where}: '{f[0]}' is not a tag like (0028,0010) or (60xx,3000).");
            }

            return new TagRow(tag, CheckVr(f[1], where), CheckVm(f[2], where), f[3], f[4], ParseYesNo(f[5], where));
        });

    public static List<UidRow> ReadUids(string path) =>
        Read(path, UidsHeader, (f, where) => new UidRow(f[0], f[1], f[2], f[3], ParseYesNo(f[4], where)));

    public static List<PrivateTagRow> ReadPrivateTags(string path) =>
        Read(path, PrivateHeader, (f, where) =>
        {
            var groups = f[1].Split('-');
            var first = ParseHex(groups[0], where);
            var last = groups.Length == 2 ? ParseHex(groups[1], where) : first;
            if (groups.Length > 2 || last < first || (first & 1) == 0 || (last & 1) == 0)
            {
                throw new FormatException($"{where}: group '{f[1]}' must be an odd group or a range of odd groups.");
            }

            if (f[2].Length is not (2 or 4))
            {
                throw new FormatException($"{where}: element '{f[2]}' must be 2 hex digits (low byte) or 4 (fixed element).");
            }

            var element = ParseHex(f[2], where);
            var isFixed = f[2].Length == 4;
            if (isFixed && element < 0x1000)
            {
                throw new FormatException($"{where}: a fixed private element must be 1000 or above.");
            }

            return new PrivateTagRow(f[0], first, last, element, isFixed, CheckVr(f[3], where), CheckVm(f[4], where), f[5]);
        });

    public static string Hex4(ushort value) => value.ToString("X4", CultureInfo.InvariantCulture);

    private static string YesNo(bool value) => value ? "Y" : "N";

    private static bool ParseYesNo(string text, string where) => text switch
    {
        "Y" => true,
        "N" => false,
        _ => throw new FormatException($"{where}: the retired flag must be Y or N, not '{text}'."),
    };

    private static ushort ParseHex(string text, string where) =>
        text.Length <= 4 && ushort.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{where}: '{text}' is not a hexadecimal number.");

    private static string CheckVr(string vr, string where)
    {
        try
        {
            Vr.Split(vr);
            return vr;
        }
        catch (FormatException e)
        {
            throw new FormatException($"{where}: {e.Message}", e);
        }
    }

    private static string CheckVm(string vm, string where) =>
        Vm.IsValid(vm) ? vm : throw new FormatException($"{where}: '{vm}' is not a value multiplicity such as 1, 1-n or 2-2n.");

    private static void Write(string path, string[] header, IEnumerable<string[]> rows)
    {
        var text = new StringBuilder();
        text.AppendJoin('\t', header).Append('\n');
        foreach (var row in rows)
        {
            foreach (var field in row)
            {
                if (field.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
                {
                    throw new InvalidOperationException($"A field holds a tab or line break: '{field}'.");
                }
            }

            text.AppendJoin('\t', row).Append('\n');
        }

        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
    }

    private static List<T> Read<T>(string path, string[] header, Func<string[], string, T> parse)
    {
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        if (lines.Length == 0 || lines[0] != string.Join('\t', header))
        {
            throw new FormatException($"{path}: the first line must be the header '{string.Join("<TAB>", header)}'.");
        }

        var rows = new List<T>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var where = $"{Path.GetFileName(path)} line {i + 1}";
            var fields = lines[i].Split('\t');
            if (fields.Length != header.Length)
            {
                throw new FormatException($"{where}: {fields.Length} fields, expected {header.Length}.");
            }

            rows.Add(parse(fields, where));
        }

        return rows;
    }
}
