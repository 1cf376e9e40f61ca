using System.Globalization;
using System.Text.Json;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Json;
using PlaoImaging.Tests.Shared;

namespace PlaoImaging.Interop.Tests.Part10;

/// <summary>How one file came out: what DCMTK made of it, what we made of it, and every difference.</summary>
internal sealed record FileComparison(string File, string DcmtkMode, string? DcmtkError, string OurOutcome, IReadOnlyList<string> Failures, IReadOnlyList<string> Notes)
{
    /// <summary>True when dcm2json gave a reference for the whole file (possibly through a documented workaround).</summary>
    public bool Compared => DcmtkError is null;
}

/// <summary>
/// Runs DCMTK's dcm2json and our reader plus <see cref="DicomJsonWriter"/> (the code <c>plao dump --json</c> runs) on one
/// file and compares the two documents with <see cref="DicomJsonComparer"/>.
/// <para>
/// Where dcm2json cannot write a document for a file it reads, the file is changed the least needed and the rest is
/// still compared (each is in NORMALISATION.md):
/// encapsulated pixel data (dcm2json: "JSON InlineBinary encoding not supported for compressed pixel data") is erased
/// with <c>dcmodify -ea (7fe0,0010)</c> on a copy, and our fragments are checked against dcmdump's item list instead;
/// a Specific Character Set its iconv cannot convert (ISO 2022 IR 87 and IR 159 with glibc) is replaced by ISO_IR 100 (dcmodify -ma),
/// the text VRs it governs are then compared with pydicom's decoding and all other elements with dcm2json;
/// non-finite FL/FD make dcm2json refuse unless run with <c>--encode-extended</c>, so it is run again with it.
/// A file dcm2json still rejects must give our typed <see cref="DicomException"/> or a complete read: never another
/// exception, never a hang.
/// </para>
/// </summary>
internal static class Dcm2JsonComparison
{
    private const int TimeoutSeconds = 120;
    private static readonly string[] EncapsulatedMessage = ["compressed pixel data"];
    private static readonly string[] CharsetMessages = ["character set", "character encoding"];
    private static readonly string[] NonFiniteMessage = ["'nan' or 'inf'"];

    public static FileComparison Compare(string file, string scratch)
    {
        var failures = new List<string>();
        var notes = new List<string>();
        string name = Path.GetFileName(file);

        // Ours first: the same calls as `plao dump --json` (DumpCommand), under a time limit.
        var ours = ReadOurs(file);
        string ourOutcome = ours.Error switch
        {
            null => "read",
            DicomException e => "typed error: " + e.Message,
            TimeoutException => "HANG",
            var e => "CRASH " + e.GetType().FullName + ": " + e.Message,
        };
        if (ours.Error is not null and not DicomException)
        {
            failures.Add($"{name}: our reader or JSON writer did not finish cleanly: {ourOutcome}\n{ours.Error}");
        }

        var reference = RunDcm2Json(file, scratch, notes);
        if (reference.Error is not null)
        {
            notes.Add($"{name}: dcm2json rejects it ({reference.Error}); ours: {ourOutcome}");
            return new(file, reference.Mode, reference.Error, ourOutcome, failures, notes);
        }

        if (ours.Json is null)
        {
            if (ours.Error is DicomException)
            {
                failures.Add($"{name}: DCMTK reads it but we throw {ours.Error.GetType().Name}: {ours.Error.Message}");
            }

            return new(file, reference.Mode, null, ourOutcome, failures, notes);
        }

        JsonNode ourTree = LenientJson.Parse(ours.Json);
        JsonNode theirTree;
        try
        {
            theirTree = LenientJson.Parse(reference.Json!);
        }
        catch (FormatException e)
        {
            failures.Add($"{name}: cannot parse dcm2json's output: {e.Message}");
            return new(file, reference.Mode, null, ourOutcome, failures, notes);
        }

        var fragmentPaths = new HashSet<string>(StringComparer.Ordinal);
        var ownCharsetItems = new List<string>();
        CollectPaths(ours.File!.Dataset, string.Empty, fragmentPaths, ownCharsetItems);
        bool charsetErased = reference.Workarounds.Contains("charset");
        bool pixelsErased = reference.Workarounds.Contains("encapsulated");
        if (ownCharsetItems.Count > 0)
        {
            notes.Add($"{name}: items with their own Specific Character Set ({string.Join(", ", ownCharsetItems)}): their text is compared with pydicom (N8)");
        }

        var mismatches = DicomJsonComparer.Compare(ourTree, theirTree, (path, vr) =>
            (pixelsErased && (fragmentPaths.Contains(path) || path == "FFFCFFFC")) ||
            ((charsetErased || ownCharsetItems.Any(p => path.StartsWith(p, StringComparison.Ordinal))) &&
             (DicomJsonComparer.IsCharsetText(vr) || path.EndsWith("00080005", StringComparison.Ordinal))));
        failures.AddRange(mismatches.Select(m => $"{name}: {m}"));
        if (pixelsErased)
        {
            CompareFragments(file, ours.File!, failures);
        }

        if (charsetErased || ownCharsetItems.Count > 0)
        {
            CompareTextWithPydicom(file, ourTree, failures);
        }

        return new(file, reference.Mode, null, ourOutcome, failures, notes);
    }

    /// <summary>Our side: DicomFile.Open then DicomJsonWriter, as the CLI does, with a time limit.</summary>
    public static (string? Json, DicomFile? File, Exception? Error) ReadOurs(string file)
    {
        var task = Task.Run(() =>
        {
            var dicom = DicomFile.Open(file);
            return (DicomJsonWriter.Write(dicom.Dataset, new DicomJsonWriteOptions()), dicom);
        });
        try
        {
            if (!task.Wait(TimeSpan.FromSeconds(TimeoutSeconds)))
            {
                return (null, null, new TimeoutException($"no result after {TimeoutSeconds} s"));
            }

            return (task.Result.Item1, task.Result.dicom, null);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            return (null, null, e.InnerException);
        }
    }

    private sealed record Reference(string? Json, string Mode, string? Error, IReadOnlyList<string> Workarounds);

    private static Reference RunDcm2Json(string file, string scratch, List<string> notes)
    {
        var applied = new List<string>();
        string current = file;
        bool extended = false;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            string[] args = extended ? ["-ee", current] : [current];
            var (code, stdout, stderr) = Peers.Run("dcm2json", args, timeoutSeconds: TimeoutSeconds);
            if (code == 0)
            {
                string mode = applied.Count == 0 && !extended ? "dcm2json" : "dcm2json after " + string.Join(", ", extended ? [.. applied, "-ee"] : applied);
                return new(stdout, mode, null, applied);
            }

            string error = stderr.Trim().Replace('\n', ' ');
            string? fix = Matches(error, EncapsulatedMessage) && !applied.Contains("encapsulated") ? "encapsulated"
                : Matches(error, CharsetMessages) && !applied.Contains("charset") ? "charset"
                : Matches(error, NonFiniteMessage) && !extended ? "nonfinite"
                : null;
            if (fix is null)
            {
                return new(null, "rejected", $"exit {code}: {Shorten(error)}", applied);
            }

            if (fix == "nonfinite")
            {
                extended = true;
                continue;
            }

            string copy = Path.Combine(scratch, $"{Path.GetFileNameWithoutExtension(file)}-{Guid.NewGuid():N}.dcm");
            File.Copy(current, copy);

            // Encapsulated pixel data: erased everywhere. A character set iconv cannot convert: replaced everywhere
            // by ISO_IR 100, in which every byte is a character, so that conversion cannot fail (the text it
            // governs is then compared with pydicom instead, and (0008,0005) itself is not compared).
            string[] edit = fix == "encapsulated" ? ["-ea", "(7fe0,0010)"] : ["-ma", "(0008,0005)=ISO_IR 100"];
            var (mcode, _, merr) = Peers.Run("dcmodify", ["-nb", "-ie", "-imt", .. edit, copy], timeoutSeconds: TimeoutSeconds);
            if (mcode != 0)
            {
                return new(null, "rejected", $"exit {code}: {Shorten(error)}; dcmodify {string.Join(' ', edit)} failed too: {Shorten(merr)}", applied);
            }

            notes.Add($"{Path.GetFileName(file)}: dcm2json: {Shorten(error)} -> compared a copy made with dcmodify {string.Join(' ', edit)}");
            applied.Add(fix);
            current = copy;
        }

        return new(null, "rejected", "dcm2json kept failing", applied);
    }

    private static bool Matches(string error, string[] needles) =>
        needles.Any(n => error.Contains(n, StringComparison.OrdinalIgnoreCase));

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "..." : text;

    /// <summary>JSON paths (as the comparer writes them) of our encapsulated pixel data, and of items with their own character set.</summary>
    private static void CollectPaths(DicomDataset dataset, string prefix, HashSet<string> fragments, List<string> ownCharsetItems)
    {
        if (prefix.Length > 0 && dataset.TryGetElement(new DicomTag(0x0008, 0x0005), out var charset) && charset.Length > 0)
        {
            ownCharsetItems.Add(prefix);
        }

        foreach (var element in dataset)
        {
            string key = prefix + element.Tag.ToJsonKey();
            if (element is DicomFragmentSequence)
            {
                fragments.Add(key);
            }
            else if (element is DicomSequence sequence)
            {
                for (int i = 0; i < sequence.Items.Count; i++)
                {
                    CollectPaths(sequence.Items[i], $"{key}[{i}].", fragments, ownCharsetItems);
                }
            }
        }
    }

    /// <summary>Our fragments of the top-level pixel data against the items dcmdump lists (count and lengths).</summary>
    private static void CompareFragments(string file, DicomFile ours, List<string> failures)
    {
        string name = Path.GetFileName(file);
        if (!ours.Dataset.TryGetElement(new DicomTag(0x7FE0, 0x0010), out var element) || element is not DicomFragmentSequence fragments)
        {
            failures.Add($"{name}: dcm2json reports compressed pixel data but we did not read (7FE0,0010) as fragments");
            return;
        }

        var (code, stdout, stderr) = Peers.Run("dcmdump", ["+P", "7fe0,0010", file], timeoutSeconds: TimeoutSeconds);
        if (code != 0)
        {
            failures.Add($"{name}: dcmdump +P 7fe0,0010 failed: {Shorten(stderr)}");
            return;
        }

        // "(fffe,e000) pi ff\d8\ff\e0...   # 1234, 1 Item" for the offset table and for every fragment.
        var lengths = stdout.Split('\n')
            .Where(l => l.TrimStart().StartsWith("(fffe,e000) pi", StringComparison.Ordinal))
            .Select(l => long.Parse(l[(l.LastIndexOf('#') + 1)..].Split(',')[0].Trim(), CultureInfo.InvariantCulture))
            .ToList();
        var mine = new List<long> { fragments.OffsetTable.Length };
        mine.AddRange(fragments.Fragments.Select(f => f.Length));
        if (!lengths.SequenceEqual(mine))
        {
            failures.Add($"{name}: (7FE0,0010) items: ours [{string.Join(", ", mine)}] vs dcmdump [{string.Join(", ", lengths)}]");
        }
    }

    /// <summary>For character sets dcm2json cannot convert: our text values against pydicom's decoding (padding ignored).</summary>
    private static void CompareTextWithPydicom(string file, JsonNode ours, List<string> failures)
    {
        string name = Path.GetFileName(file);
        var (code, stdout, stderr) = Peers.Run(TestCorpus.Python, [Path.Combine(TestCorpus.SourceDirectory, "pydicom_text.py"), file], timeoutSeconds: TimeoutSeconds);
        if (code != 0)
        {
            failures.Add($"{name}: pydicom_text.py failed: {Shorten(stderr)}");
            return;
        }

        var theirs = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(stdout) ?? [];
        var mine = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        CollectText((JsonObject)ours, string.Empty, mine);
        // Only the elements we hold as text: whether an element is text at all (a VR question) is checked against
        // DCMTK, which keeps e.g. an explicit UN private element UN where pydicom turns it into text.
        foreach (var key in mine.Keys.Order(StringComparer.Ordinal))
        {
            var t = theirs.GetValueOrDefault(key)?.Select(NormaliseText).ToList() ?? [];
            var o = mine.GetValueOrDefault(key)?.Select(NormaliseText).ToList() ?? [];
            if (t.All(v => v.Length == 0) && o.All(v => v.Length == 0))
            {
                continue;
            }

            if (!t.SequenceEqual(o))
            {
                failures.Add($"{name}: {key}: ours [{string.Join(" | ", o)}] vs pydicom [{string.Join(" | ", t)}]   [character set (pydicom is the reference here)]");
            }
        }
    }

    private static void CollectText(JsonObject dataset, string prefix, Dictionary<string, List<string>> result)
    {
        foreach (var (key, node) in dataset.Members.Select(m => (m.Key, m.Value)))
        {
            if (node is not JsonObject element || element["vr"] is not JsonString vr)
            {
                continue;
            }

            if (vr.Value == "SQ" && element["Value"] is JsonArray items)
            {
                for (int i = 0; i < items.Items.Count; i++)
                {
                    if (items.Items[i] is JsonObject item)
                    {
                        CollectText(item, $"{prefix}{key}[{i}].", result);
                    }
                }
            }
            else if (DicomJsonComparer.IsCharsetText(vr.Value) && element["Value"] is JsonArray values)
            {
                result[prefix + key] = values.Items.Select(v => v switch
                {
                    JsonString s => s.Value,
                    JsonObject pn => string.Join('=', new[] { "Alphabetic", "Ideographic", "Phonetic" }
                        .Select(g => (pn[g] as JsonString)?.Value ?? string.Empty)).TrimEnd('='),
                    _ => string.Empty,
                }).ToList();
            }
        }
    }

    /// <summary>Padding ignored; a PN's components trimmed and trailing empty components and groups dropped.</summary>
    private static string NormaliseText(string value)
    {
        value = value.Trim(' ', '\0');
        if (!value.Contains('^', StringComparison.Ordinal) && !value.Contains('=', StringComparison.Ordinal))
        {
            return value;
        }

        var groups = value.Split('=').Select(g => string.Join('^', g.Split('^').Select(c => c.Trim(' '))).TrimEnd('^'));
        return string.Join('=', groups).TrimEnd('=');
    }
}
