using System.Globalization;
using System.Text;
using PlaoImaging.Dicom;

namespace PlaoImaging.Analysis.Selection;

/// <summary>
/// Lenient reads for decisions: a value that is absent, empty or unreadable reads as null (or empty), never throws.
/// Enhanced multi-frame attributes are looked up in the frame's Per-Frame Functional Groups item, then in the Shared
/// Functional Groups item.
/// </summary>
internal static class DatasetReading
{
    public static string? Text(DicomDataset dataset, DicomTag tag)
    {
        try
        {
            var text = dataset.GetStringOrDefault(tag)?.Trim();
            return string.IsNullOrEmpty(text) ? null : text;
        }
        catch (DicomException)
        {
            return null;
        }
    }

    public static string[] Values(DicomDataset dataset, DicomTag tag)
    {
        try
        {
            return [.. dataset.GetValues<string>(tag).Select(v => v.Trim()).Where(v => v.Length > 0)];
        }
        catch (DicomException)
        {
            return [];
        }
    }

    public static double? Number(DicomDataset dataset, DicomTag tag) =>
        dataset.TryGetSingleValue<double>(tag, out var value) && double.IsFinite(value) ? value : null;

    public static int? Integer(DicomDataset dataset, DicomTag tag) =>
        dataset.TryGetSingleValue<int>(tag, out var value) ? value : null;

    public static double[] Numbers(DicomDataset dataset, DicomTag tag)
    {
        try
        {
            var values = dataset.GetValues<double>(tag);
            return values.All(double.IsFinite) ? values : [];
        }
        catch (DicomException)
        {
            return [];
        }
    }

    /// <summary>
    /// The item of a functional group macro sequence (for example Plane Orientation Sequence) for one frame: the frame's
    /// Per-Frame Functional Groups item first, then the Shared Functional Groups item; null when neither has it.
    /// </summary>
    public static DicomDataset? FunctionalGroup(DicomDataset dataset, DicomTag macroSequence, int frame)
    {
        if (dataset.TryGetSequence(DicomTags.PerFrameFunctionalGroupsSequence, out var perFrame) &&
            frame >= 0 && frame < perFrame.Items.Count &&
            perFrame.Items[frame].TryGetSequence(macroSequence, out var own) && own.Items.Count > 0)
        {
            return own.Items[0];
        }

        if (dataset.TryGetSequence(DicomTags.SharedFunctionalGroupsSequence, out var shared) && shared.Items.Count > 0 &&
            shared.Items[0].TryGetSequence(macroSequence, out var common) && common.Items.Count > 0)
        {
            return common.Items[0];
        }

        return null;
    }

    /// <summary>Numbers of an attribute at the top level, else inside a functional group macro of the frame.</summary>
    public static double[] NumbersWithFunctionalGroups(DicomDataset dataset, DicomTag tag, DicomTag macroSequence, int frame)
    {
        var top = Numbers(dataset, tag);
        if (top.Length > 0)
        {
            return top;
        }

        return FunctionalGroup(dataset, macroSequence, frame) is { } item ? Numbers(item, tag) : [];
    }

    /// <summary>The first code of a code sequence as <c>SCHEME:VALUE</c> with its meaning; null when absent.</summary>
    public static (string Key, string Meaning)? FirstCode(DicomDataset dataset, DicomTag sequence)
    {
        if (!dataset.TryGetSequence(sequence, out var items) || items.Items.Count == 0)
        {
            return null;
        }

        var item = items.Items[0];
        var value = Text(item, DicomTags.CodeValue);
        var scheme = Text(item, DicomTags.CodingSchemeDesignator);
        if (value is null || scheme is null)
        {
            return null;
        }

        return (CodeKey(scheme, value), Text(item, DicomTags.CodeMeaning) ?? string.Empty);
    }

    /// <summary><c>SCHEME:VALUE</c>, upper-case, with the legacy SNOMED designators (SNM3, 99SDM) read as SRT.</summary>
    public static string CodeKey(string scheme, string value)
    {
        string s = scheme.Trim().ToUpperInvariant();
        if (s is "SNM3" or "99SDM")
        {
            s = "SRT";
        }

        return $"{s}:{value.Trim().ToUpperInvariant()}";
    }

    /// <summary>Upper case, spaces, hyphens and underscores removed (Body Part Examined and View Position comparisons).</summary>
    public static string CompactUpper(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            if (c is not (' ' or '-' or '_'))
            {
                builder.Append(char.ToUpperInvariant(c));
            }
        }

        return builder.ToString();
    }

    /// <summary>Lower case; every run of characters other than letters and digits becomes one space.</summary>
    public static string NormaliseDescription(string text)
    {
        var builder = new StringBuilder(text.Length + 2);
        builder.Append(' ');
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
            else if (builder[^1] != ' ')
            {
                builder.Append(' ');
            }
        }

        if (builder[^1] != ' ')
        {
            builder.Append(' ');
        }

        return builder.ToString();
    }

    public static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
