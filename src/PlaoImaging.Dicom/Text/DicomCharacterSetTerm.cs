namespace PlaoImaging.Dicom;

/// <summary>How a Specific Character Set term encodes text.</summary>
internal enum CharacterSetTermKind
{
    /// <summary>ISO 646 G0 plus an optional single-byte G1 set (Table C.12-2), or their ISO 2022 forms (Table C.12-3).</summary>
    SingleByte,

    /// <summary>A double-byte set used only with code extensions (Table C.12-4).</summary>
    MultiByteIso2022,

    /// <summary>ISO_IR 192: UTF-8 (Table C.12-5); no code extensions.</summary>
    Utf8,

    /// <summary>GB18030 (Table C.12-5); no code extensions.</summary>
    Gb18030,

    /// <summary>GBK (Table C.12-5); no code extensions.</summary>
    Gbk,
}

/// <summary>One Defined Term of Specific Character Set (0008,0005), PS3.3 C.12.1.1.2 Tables C.12-2 to C.12-5.</summary>
internal sealed record DicomCharacterSetTerm(
    string Term,
    CharacterSetTermKind Kind,
    bool IsIso2022,
    DicomGraphicCharacterSet? G0,
    DicomGraphicCharacterSet? G1)
{
    private static readonly DicomCharacterSetTerm[] AllTerms = Build();

    private static readonly Dictionary<string, DicomCharacterSetTerm> ByTerm =
        AllTerms.ToDictionary(t => t.Term, StringComparer.Ordinal);

    /// <summary>Looser keys (upper case, no spaces, underscores or hyphens) for values written slightly off the Defined Terms.</summary>
    private static readonly Dictionary<string, DicomCharacterSetTerm> ByLooseKey = BuildLoose();

    /// <summary>The default repertoire: empty value 1 or no (0008,0005) at all.</summary>
    public static DicomCharacterSetTerm Default { get; } = new(string.Empty, CharacterSetTermKind.SingleByte, false,
        DicomGraphicCharacterSet.Ascii, null);

    /// <summary>ISO 2022 IR 6, what an empty value 1 means when code extensions are used (PS3.5 6.1.2.5.1).</summary>
    public static DicomCharacterSetTerm Iso2022Ir6 => ByTerm["ISO 2022 IR 6"];

    public static bool TryGet(string term, out DicomCharacterSetTerm definition) => ByTerm.TryGetValue(term, out definition!);

    /// <summary>Finds a Defined Term for a value that differs only in case or in spaces, underscores and hyphens.</summary>
    public static bool TryGetLoose(string term, out DicomCharacterSetTerm definition) =>
        ByLooseKey.TryGetValue(LooseKey(term), out definition!);

    /// <summary>The ISO 2022 form of a single-byte term without code extensions ("ISO_IR 100" to "ISO 2022 IR 100").</summary>
    public DicomCharacterSetTerm? Iso2022Form =>
        !IsIso2022 && Kind == CharacterSetTermKind.SingleByte && Term.StartsWith("ISO_IR ", StringComparison.Ordinal)
            && ByTerm.TryGetValue("ISO 2022 IR " + Term["ISO_IR ".Length..], out var t) ? t : null;

    public override string ToString() => Term;

    private static string LooseKey(string term)
    {
        Span<char> buffer = stackalloc char[Math.Min(term.Length, 64)];
        var n = 0;
        foreach (var c in term.AsSpan(0, Math.Min(term.Length, 64)))
        {
            if (c is not (' ' or '_' or '-'))
            {
                buffer[n++] = char.ToUpperInvariant(c);
            }
        }

        return new string(buffer[..n]);
    }

    private static Dictionary<string, DicomCharacterSetTerm> BuildLoose()
    {
        var loose = new Dictionary<string, DicomCharacterSetTerm>(StringComparer.Ordinal);
        foreach (var t in AllTerms)
        {
            loose.TryAdd(LooseKey(t.Term), t);
        }

        // Values seen in the wild for sets that DICOM defines only with code extensions, or under another name.
        foreach (var (alias, term) in new[]
                 {
                     ("ISO_IR 87", "ISO 2022 IR 87"), ("ISO_IR 159", "ISO 2022 IR 159"), ("ISO_IR 149", "ISO 2022 IR 149"),
                     ("ISO_IR 58", "ISO 2022 IR 58"), ("UTF-8", "ISO_IR 192"), ("UTF8", "ISO_IR 192"), ("GB2312", "GBK"),
                 })
        {
            loose.TryAdd(LooseKey(alias), ByTerm[term]);
        }

        return loose;
    }

    private static DicomCharacterSetTerm[] Build()
    {
        var ascii = DicomGraphicCharacterSet.Ascii;
        var list = new List<DicomCharacterSetTerm>();
        foreach (var (number, g1) in new (string, DicomGraphicCharacterSet)[]
                 {
                     ("100", DicomGraphicCharacterSet.Latin1), ("101", DicomGraphicCharacterSet.Latin2),
                     ("109", DicomGraphicCharacterSet.Latin3), ("110", DicomGraphicCharacterSet.Latin4),
                     ("144", DicomGraphicCharacterSet.Cyrillic), ("127", DicomGraphicCharacterSet.Arabic),
                     ("126", DicomGraphicCharacterSet.Greek), ("138", DicomGraphicCharacterSet.Hebrew),
                     ("148", DicomGraphicCharacterSet.Latin5), ("203", DicomGraphicCharacterSet.Latin9),
                     ("166", DicomGraphicCharacterSet.Thai),
                 })
        {
            list.Add(new("ISO_IR " + number, CharacterSetTermKind.SingleByte, false, ascii, g1));
            list.Add(new("ISO 2022 IR " + number, CharacterSetTermKind.SingleByte, true, ascii, g1));
        }

        list.Add(new("ISO_IR 13", CharacterSetTermKind.SingleByte, false, DicomGraphicCharacterSet.JisRomaji, DicomGraphicCharacterSet.JisKatakana));
        list.Add(new("ISO 2022 IR 13", CharacterSetTermKind.SingleByte, true, DicomGraphicCharacterSet.JisRomaji, DicomGraphicCharacterSet.JisKatakana));
        list.Add(new("ISO 2022 IR 6", CharacterSetTermKind.SingleByte, true, ascii, null));
        list.Add(new("ISO 2022 IR 87", CharacterSetTermKind.MultiByteIso2022, true, DicomGraphicCharacterSet.JisX0208, null));
        list.Add(new("ISO 2022 IR 159", CharacterSetTermKind.MultiByteIso2022, true, DicomGraphicCharacterSet.JisX0212, null));
        list.Add(new("ISO 2022 IR 149", CharacterSetTermKind.MultiByteIso2022, true, null, DicomGraphicCharacterSet.KsX1001));
        list.Add(new("ISO 2022 IR 58", CharacterSetTermKind.MultiByteIso2022, true, null, DicomGraphicCharacterSet.Gb2312));
        list.Add(new("ISO_IR 192", CharacterSetTermKind.Utf8, false, null, null));
        list.Add(new("GB18030", CharacterSetTermKind.Gb18030, false, null, null));
        list.Add(new("GBK", CharacterSetTermKind.Gbk, false, null, null));
        return [.. list];
    }
}
