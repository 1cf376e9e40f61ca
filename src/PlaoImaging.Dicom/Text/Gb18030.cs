using System.Text;

namespace PlaoImaging.Dicom;

/// <summary>
/// GB18030 through .NET's code page 54936, which implements the 2000 edition: 25 two-byte codes that GB18030-2005
/// (and GNU libc, hence DCMTK) maps to real characters decode there to private-use code points. Decoding replaces
/// those code points by the 2005 characters and encoding maps the 2005 characters back, so both directions agree with
/// GB18030-2005.
/// </summary>
internal static class Gb18030
{
    // (code point .NET decodes the two-byte code to, character of GB18030-2005). Codes: A6D9..A6DF, A6EC, A6ED, A6F3
    // (vertical presentation forms), A8BC (m with acute), FE51..FEA0 (CJK ideographs).
    private static readonly (char Pua, int CodePoint)[] Fixes =
    [
        ('\uE78D', 0xFE10), ('\uE78E', 0xFE12), ('\uE78F', 0xFE11), ('\uE790', 0xFE13), ('\uE791', 0xFE14),
        ('\uE792', 0xFE15), ('\uE793', 0xFE16), ('\uE794', 0xFE17), ('\uE795', 0xFE18), ('\uE796', 0xFE19),
        ('\uE7C7', 0x1E3F), ('\uE816', 0x20087), ('\uE817', 0x20089), ('\uE818', 0x200CC), ('\uE81E', 0x9FB4),
        ('\uE826', 0x9FB5), ('\uE82B', 0x9FB6), ('\uE82C', 0x9FB7), ('\uE831', 0x215D7), ('\uE832', 0x9FB8),
        ('\uE83B', 0x2298F), ('\uE843', 0x9FB9), ('\uE854', 0x9FBA), ('\uE855', 0x241FE), ('\uE864', 0x9FBB),
    ];

    private static readonly Dictionary<char, string> PuaToCharacter =
        Fixes.ToDictionary(f => f.Pua, f => char.ConvertFromUtf32(f.CodePoint));

    private static readonly Dictionary<int, char> CharacterToPua =
        Fixes.ToDictionary(f => f.CodePoint, f => f.Pua);

    public static string Decode(ReadOnlySpan<byte> value, Encoding encoding)
    {
        var text = encoding.GetString(value);
        if (!text.AsSpan().ContainsAnyInRange('\uE78D', '\uE864'))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            if (PuaToCharacter.TryGetValue(c, out var replacement))
            {
                builder.Append(replacement);
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    public static byte[] Encode(string text, Encoding encoding)
    {
        if (!NeedsMapping(text))
        {
            return encoding.GetBytes(text);
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            int codePoint = text[i];
            var width = 1;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                codePoint = char.ConvertToUtf32(text[i], text[i + 1]);
                width = 2;
            }

            if (CharacterToPua.TryGetValue(codePoint, out var pua))
            {
                builder.Append(pua);
            }
            else
            {
                builder.Append(text, i, width);
            }

            i += width - 1;
        }

        return encoding.GetBytes(builder.ToString());
    }

    private static bool NeedsMapping(string text)
    {
        foreach (var c in text)
        {
            if (c is '\u1E3F' or (>= '\uFE10' and <= '\uFE19') or (>= '\u9FB4' and <= '\u9FBB') || char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }
}
