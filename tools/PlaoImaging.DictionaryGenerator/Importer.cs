using System.Text;

namespace PlaoImaging.DictionaryGenerator;

/// <summary>
/// Builds the TSV files from two transcriptions of PS3.6: pydicom's dictionaries (names, keywords, RET column,
/// the standard's own VR wording, UIDs) and DCMTK's dicom.dic (same tags, newer edition here) and private.dic.
/// pydicom's values win where both have an entry; every disagreement is reported. Tags only DCMTK has are added,
/// with a name spelled out from the keyword (reported, so that a person can check them against the standard).
/// </summary>
internal static class Importer
{
    public static void Run(ImportOptions options, TextWriter output)
    {
        var report = new Report();

        var pyTags = PydicomReader.ReadTags(options.PydicomDictionary);
        var pyUids = PydicomReader.ReadUids(options.PydicomUids);
        var dcmtk = DcmtkReader.ReadPublic(options.DcmtkDictionary);
        var privateRows = DcmtkReader.ReadPrivate(options.DcmtkPrivateDictionary, report);

        var tags = MergeTags(pyTags, dcmtk, report);
        var uids = ConvertUids(pyUids, report);

        Directory.CreateDirectory(options.DataDirectory);
        DataFiles.WriteTags(Path.Combine(options.DataDirectory, DataFiles.TagsFile), tags);
        DataFiles.WriteUids(Path.Combine(options.DataDirectory, DataFiles.UidsFile), uids);
        DataFiles.WritePrivateTags(Path.Combine(options.DataDirectory, DataFiles.PrivateTagsFile),
            privateRows.OrderBy(r => r.Creator, StringComparer.Ordinal).ThenBy(r => r.GroupFirst).ThenBy(r => r.GroupLast)
                .ThenBy(r => r.FixedElement).ThenBy(r => r.Element));

        report.WriteTo(output);
        output.WriteLine($"Wrote {tags.Count} tags, {uids.Count} UIDs and {privateRows.Count} private tags to {options.DataDirectory}.");
    }

    private static List<TagRow> MergeTags(List<PydicomTagEntry> pyTags, List<DcmtkEntry> dcmtk, Report report)
    {
        var rows = new List<TagRow>();
        var byTag = new Dictionary<TagPattern, int>();
        foreach (var py in pyTags)
        {
            if (byTag.ContainsKey(py.Tag))
            {
                throw new FormatException($"pydicom lists {py.Tag} twice.");
            }

            var vr = py.VR == "NONE" ? Vr.None : py.VR;
            Vr.Split(vr);
            var name = py.Name;
            if (name == "Retired-blank")
            {
                // pydicom's stand-in for a placeholder row whose name the standard leaves empty.
                name = "";
            }

            byTag[py.Tag] = rows.Count;
            rows.Add(new TagRow(py.Tag, vr, py.VM, py.Keyword, name, py.Retired));
        }

        var matchedRows = new HashSet<int>();
        var added = new List<TagRow>();
        foreach (var entry in dcmtk)
        {
            if (!entry.IsStandard)
            {
                report.Section("DCMTK entries that are not standard data elements (skipped)");
                report.Note($"{entry.TagText} {entry.Keyword} ({entry.Version})");
                continue;
            }

            var index = FindRow(rows, byTag, entry);
            if (index < 0)
            {
                if (!entry.Group.IsSingle || !entry.Element.IsSingle)
                {
                    throw new FormatException($"dicom.dic range {entry.TagText} {entry.Keyword} has no pydicom counterpart.");
                }

                var row = new TagRow(new TagPattern(entry.FirstTag, TagPattern.Exact), Vr.FromDcmtk(entry.VR), entry.VM,
                    entry.PlainKeyword, NameFromKeyword(entry.PlainKeyword), entry.IsRetired);
                added.Add(row);
                report.Section("Added from DCMTK (newer edition than pydicom's); name spelled out from the keyword");
                report.Note($"{row.Tag} {row.VR} {row.VM} {row.Keyword} \"{row.Name}\"{(row.Retired ? " RET" : "")}");
                continue;
            }

            matchedRows.Add(index);
            var ours = rows[index];
            if (!ours.Tag.IsExact && entry.Group.IsSingle && entry.Element.IsSingle)
            {
                report.Section("DCMTK lists one tag of a PS3.6 range (kept as the range)");
                report.Note($"{entry.TagText} {entry.Keyword} is covered by {ours.Tag} {ours.Keyword}");
            }

            Compare(ours, entry, report);
        }

        report.Section("In pydicom but not in DCMTK (kept)");
        for (var i = 0; i < rows.Count; i++)
        {
            if (!matchedRows.Contains(i))
            {
                var r = rows[i];
                report.Note($"{r.Tag} {r.VR} {r.VM} '{r.Keyword}' \"{r.Name}\"{(r.Retired ? " RET" : "")}");
            }
        }

        rows.AddRange(added);
        rows.Sort((a, b) => a.Tag.Value != b.Tag.Value
            ? a.Tag.Value.CompareTo(b.Tag.Value)
            : b.Tag.DigitMask.CompareTo(a.Tag.DigitMask));

        var keywords = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => r.Keyword.Length > 0))
        {
            if (!keywords.Add(row.Keyword))
            {
                throw new FormatException($"Keyword {row.Keyword} appears twice.");
            }
        }

        return rows;
    }

    /// <summary>The pydicom row describing the DCMTK entry: same tag, or a PS3.6 pattern covering DCMTK's first tag.</summary>
    private static int FindRow(List<TagRow> rows, Dictionary<TagPattern, int> byTag, DcmtkEntry entry)
    {
        if (entry.Group.IsSingle && entry.Element.IsSingle && byTag.TryGetValue(new TagPattern(entry.FirstTag, TagPattern.Exact), out var exact))
        {
            return exact;
        }

        for (var i = 0; i < rows.Count; i++)
        {
            if (!rows[i].Tag.IsExact && rows[i].Tag.Matches(entry.FirstTag) && rows[i].Keyword == entry.PlainKeyword)
            {
                return i;
            }
        }

        return -1;
    }

    private static void Compare(TagRow ours, DcmtkEntry entry, Report report)
    {
        var dcmtkVrs = Vr.Split(Vr.FromDcmtk(entry.VR)).Order(StringComparer.Ordinal);
        var ourVrs = Vr.Split(ours.VR).Order(StringComparer.Ordinal);
        if (!dcmtkVrs.SequenceEqual(ourVrs))
        {
            report.Section("VR differs (pydicom's kept)");
            report.Note($"{ours.Tag} {ours.Keyword}: pydicom {ours.VR}, DCMTK {entry.VR} ({Vr.FromDcmtk(entry.VR)})");
        }

        if (ours.Keyword != entry.PlainKeyword)
        {
            report.Section("Keyword differs (pydicom's kept)");
            report.Note($"{ours.Tag}: pydicom '{ours.Keyword}', DCMTK '{entry.Keyword}'");
        }

        if (ours.VM != entry.VM)
        {
            report.Section("VM differs (pydicom's kept)");
            report.Note($"{ours.Tag} {ours.Keyword}: pydicom {ours.VM}, DCMTK {entry.VM}");
        }

        if (ours.Retired != entry.IsRetired)
        {
            report.Section("Retired flag differs (pydicom's kept)");
            report.Note($"{ours.Tag} {ours.Keyword}: pydicom {(ours.Retired ? "retired" : "current")}, DCMTK {entry.Version}");
        }
    }

    private static List<UidRow> ConvertUids(List<PydicomUidEntry> pyUids, Report report)
    {
        var rows = new List<UidRow>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var py in pyUids)
        {
            if (!seen.Add(py.Uid))
            {
                throw new FormatException($"UID {py.Uid} appears twice.");
            }

            if (py.Keyword.Length == 0 || py.Name.Length == 0)
            {
                report.Section("UIDs without keyword or name in pydicom (kept without)");
                report.Note($"{py.Uid} '{py.Name}' {py.Type}{(py.Retired ? " RET" : "")} {py.Info}");
            }

            rows.Add(new UidRow(py.Uid, py.Name, py.Keyword, py.Type, py.Retired));
        }

        rows.Sort((a, b) => CompareUids(a.Uid, b.Uid));
        return rows;
    }

    /// <summary>Orders UIDs arc by arc, numerically.</summary>
    internal static int CompareUids(string a, string b)
    {
        var x = a.Split('.');
        var y = b.Split('.');
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var byLength = x[i].Length.CompareTo(y[i].Length);
            if (byLength != 0)
            {
                return byLength;
            }

            var byText = string.CompareOrdinal(x[i], y[i]);
            if (byText != 0)
            {
                return byText;
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    /// <summary>"AcquisitionUID" becomes "Acquisition UID": a space before each capital that starts a word.</summary>
    internal static string NameFromKeyword(string keyword)
    {
        var name = new StringBuilder(keyword.Length + 8);
        for (var i = 0; i < keyword.Length; i++)
        {
            var c = keyword[i];
            if (i > 0 && char.IsUpper(c) &&
                (char.IsLower(keyword[i - 1]) || (i + 1 < keyword.Length && char.IsLower(keyword[i + 1]) && char.IsUpper(keyword[i - 1]))))
            {
                name.Append(' ');
            }

            name.Append(c);
        }

        return name.ToString();
    }
}
