using System.Collections.Frozen;

namespace PlaoImaging.DictionaryGenerator;

/// <summary>VR codes as the TSV files write them: one code, several joined with " or ", or NONE (items and delimiters).</summary>
internal static class Vr
{
    public const string None = "NONE";

    public static readonly FrozenSet<string> Codes = new[]
    {
        "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW",
        "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Splits "US or SS" into its codes; NONE gives an empty list. Throws on an unknown code.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        if (text == None)
        {
            return [];
        }

        var codes = text.Split(" or ", StringSplitOptions.TrimEntries);
        foreach (var code in codes)
        {
            if (!Codes.Contains(code))
            {
                throw new FormatException($"'{text}' is not a VR: expected codes such as US, 'US or SS', or {None}.");
            }
        }

        return codes;
    }

    /// <summary>The TSV form of a list of codes.</summary>
    public static string Join(IEnumerable<string> codes)
    {
        var text = string.Join(" or ", codes);
        return text.Length == 0 ? None : text;
    }

    /// <summary>
    /// DCMTK's dictionaries use lower-case internal VRs where the standard allows several:
    /// ox = OB or OW, px = OB or OW (pixel data), xs = US or SS, lt = US, SS or OW (lookup table data),
    /// up = UL (an offset that DCMTK rewrites), na = no VR (items and delimiters).
    /// </summary>
    public static string FromDcmtk(string dcmtkVr) => dcmtkVr switch
    {
        "ox" or "px" => "OB or OW",
        "xs" => "US or SS",
        "lt" => "US or SS or OW",
        "up" => "UL",
        "na" => None,
        _ when Codes.Contains(dcmtkVr) => dcmtkVr,
        _ => throw new FormatException($"DCMTK VR '{dcmtkVr}' is not known."),
    };
}
