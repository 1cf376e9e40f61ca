using System.Text;

namespace PlaoImaging.Dicom;

/// <summary>How many bytes one character of a graphic character set takes and how many positions a byte has.</summary>
internal enum GraphicSetKind
{
    /// <summary>94 characters at 0x21..0x7E (plus SPACE and DELETE from the code table itself), one byte each.</summary>
    SingleByte94,

    /// <summary>96 characters at 0x20..0x7F (0xA0..0xFF once invoked into GR), one byte each.</summary>
    SingleByte96,

    /// <summary>94 x 94 characters, two bytes each in 0x21..0x7E (0xA1..0xFE in GR).</summary>
    DoubleByte94,
}

/// <summary>
/// One graphic character set that ISO 2022 designates into G0 or G1 (PS3.5 6.1.2.5, PS3.3 Tables C.12-2 to C.12-4):
/// its code table, the escape sequence DICOM uses to designate it, and a reverse map for encoding.
/// Positions are kept in 7-bit form (0x20..0x7F); the caller strips or adds the high bit for GR.
/// </summary>
internal sealed class DicomGraphicCharacterSet
{
    private readonly Func<char[]> _buildTable;
    private char[]? _table;
    private Dictionary<char, ushort>? _reverse;

    private DicomGraphicCharacterSet(string name, GraphicSetKind kind, bool isG1, byte[] escape, Func<char[]> buildTable)
    {
        Name = name;
        Kind = kind;
        IsG1 = isG1;
        Escape = escape;
        _buildTable = buildTable;
    }

    /// <summary>Registration name, e.g. "ISO-IR 100".</summary>
    public string Name { get; }

    public GraphicSetKind Kind { get; }

    public bool IsDoubleByte => Kind == GraphicSetKind.DoubleByte94;

    /// <summary>True when DICOM designates this set into G1 (invoked in GR); false for G0 (GL).</summary>
    public bool IsG1 { get; }

    /// <summary>True for the ISO 646 variants in which DICOM's delimiters (05/12, 05/14, 03/13) are recognised.</summary>
    public bool IsIso646Variant => ReferenceEquals(this, Ascii) || ReferenceEquals(this, JisRomaji);

    /// <summary>The designation escape sequence, ESC included.</summary>
    public byte[] Escape { get; }

    /// <summary>
    /// The code table: for single-byte sets 96 entries for 0x20..0x7F, for double-byte sets 94*94 entries
    /// indexed by (first - 0x21) * 94 + (second - 0x21). U+FFFD marks an unassigned position.
    /// </summary>
    public char[] Table => _table ?? InitTable();

    public override string ToString() => Name;

    /// <summary>Decodes one single-byte position (7-bit form, 0x20..0x7F).</summary>
    public char Decode(int b7) => Table[b7 - 0x20];

    /// <summary>Decodes one double-byte position (7-bit form, both 0x21..0x7E).</summary>
    public char Decode(int first7, int second7) => Table[((first7 - 0x21) * 94) + (second7 - 0x21)];

    /// <summary>The 7-bit position(s) of a character: one byte in the low 8 bits, or first byte &lt;&lt; 8 | second byte.</summary>
    public bool TryEncode(char c, out ushort code)
    {
        var reverse = _reverse ?? InitReverse();
        return reverse.TryGetValue(c, out code);
    }

    private char[] InitTable()
    {
        var table = _buildTable();
        Interlocked.CompareExchange(ref _table, table, null);
        return _table!;
    }

    private Dictionary<char, ushort> InitReverse()
    {
        var table = Table;
        var reverse = new Dictionary<char, ushort>(IsDoubleByte ? 8192 : 96);
        if (IsDoubleByte)
        {
            for (var i = 0; i < table.Length; i++)
            {
                var c = table[i];
                if (c != '\uFFFD')
                {
                    reverse.TryAdd(c, (ushort)((((i / 94) + 0x21) << 8) | ((i % 94) + 0x21)));
                }
            }
        }
        else
        {
            for (var i = 0; i < table.Length; i++)
            {
                var c = table[i];
                if (c != '\uFFFD')
                {
                    reverse.TryAdd(c, (ushort)(i + 0x20));
                }
            }
        }

        Interlocked.CompareExchange(ref _reverse, reverse, null);
        return _reverse!;
    }

    // ---- the sets ----------------------------------------------------------------------------------------------

    /// <summary>ISO-IR 6, ISO 646 IRV = ASCII (ESC ( B).</summary>
    public static readonly DicomGraphicCharacterSet Ascii = new("ISO-IR 6", GraphicSetKind.SingleByte94, false, Esc("(B"), () =>
    {
        var t = new char[96];
        for (var i = 0; i < 96; i++)
        {
            t[i] = (char)(0x20 + i);
        }

        return t;
    });

    /// <summary>ISO-IR 14, JIS X 0201 Romaji (ESC ( J): ASCII with YEN SIGN at 05/12 and OVERLINE at 07/14.</summary>
    public static readonly DicomGraphicCharacterSet JisRomaji = new("ISO-IR 14", GraphicSetKind.SingleByte94, false, Esc("(J"), () =>
    {
        var t = new char[96];
        for (var i = 0; i < 96; i++)
        {
            t[i] = (char)(0x20 + i);
        }

        t[0x5C - 0x20] = '\u00A5';
        t[0x7E - 0x20] = '\u203E';
        return t;
    });

    /// <summary>ISO-IR 13, JIS X 0201 Katakana (ESC ) I): half-width katakana at 0x21..0x5F.</summary>
    public static readonly DicomGraphicCharacterSet JisKatakana = new("ISO-IR 13", GraphicSetKind.SingleByte94, true, Esc(")I"), () =>
    {
        var t = new char[96];
        Array.Fill(t, '\uFFFD');
        for (var b = 0x21; b <= 0x5F; b++)
        {
            t[b - 0x20] = (char)(0xFF61 + (b - 0x21));
        }

        return t;
    });

    public static readonly DicomGraphicCharacterSet Latin1 = new("ISO-IR 100", GraphicSetKind.SingleByte96, true, Esc("-A"), () =>
    {
        var t = new char[96];
        for (var i = 0; i < 96; i++)
        {
            t[i] = (char)(0xA0 + i);
        }

        return t;
    });

    public static readonly DicomGraphicCharacterSet Latin2 = Upper("ISO-IR 101", "-B", 28592, null);
    public static readonly DicomGraphicCharacterSet Latin3 = Upper("ISO-IR 109", "-C", 28593, null);
    public static readonly DicomGraphicCharacterSet Latin4 = Upper("ISO-IR 110", "-D", 28594, null);
    public static readonly DicomGraphicCharacterSet Cyrillic = Upper("ISO-IR 144", "-L", 28595, null);
    public static readonly DicomGraphicCharacterSet Arabic = Upper("ISO-IR 127", "-G", 28596, null);

    // Windows' table for 28597 follows ISO 8859-7:1987 as Microsoft read it (A1/A2 as modifier letters) and lacks the
    // 2003 additions; GNU libc (which DCMTK uses) decodes A1/A2 as quotation marks and has A4, A5 and AA.
    public static readonly DicomGraphicCharacterSet Greek = Upper("ISO-IR 126", "-F", 28597,
        [(0xA1, '\u2018'), (0xA2, '\u2019'), (0xA4, '\u20AC'), (0xA5, '\u20AF'), (0xAA, '\u037A')]);

    // Windows maps AF to OVERLINE; ISO 8859-8 (and GNU libc) has MACRON there, and LRM/RLM at FD/FE.
    public static readonly DicomGraphicCharacterSet Hebrew = Upper("ISO-IR 138", "-H", 28598,
        [(0xAF, '\u00AF'), (0xFD, '\u200E'), (0xFE, '\u200F')]);

    public static readonly DicomGraphicCharacterSet Latin5 = Upper("ISO-IR 148", "-M", 28599, null);
    public static readonly DicomGraphicCharacterSet Latin9 = Upper("ISO-IR 203", "-b", 28605, null);

    /// <summary>ISO-IR 166, TIS 620-2533 (ESC - T), from Windows-874 whose extra 0x80..0x9F characters lie outside the G1 set.</summary>
    public static readonly DicomGraphicCharacterSet Thai = Upper("ISO-IR 166", "-T", 874, null);

    /// <summary>
    /// ISO-IR 87, JIS X 0208 (ESC $ B), from EUC-JP code page 20932 (the JIS mapping, e.g. 0x2140 FULLWIDTH REVERSE
    /// SOLIDUS, 0x2141 WAVE DASH; not the CP932 variants of 51932). The vendor rows 13 and 85..94 that Windows adds are
    /// left out, which leaves the 6879 characters of the standard, as in GNU libc.
    /// </summary>
    public static readonly DicomGraphicCharacterSet JisX0208 = new("ISO-IR 87", GraphicSetKind.DoubleByte94, false, Esc("$B"),
        () => FromEucCodePage(20932, row => row is not (0x2D or >= 0x75), null));

    /// <summary>ISO-IR 159, JIS X 0212 (ESC $ ( D), from the table carried in <see cref="JisX0212Table"/>.</summary>
    public static readonly DicomGraphicCharacterSet JisX0212 = new("ISO-IR 159", GraphicSetKind.DoubleByte94, false, Esc("$(D"), () =>
    {
        var t = new char[94 * 94];
        Array.Fill(t, '\uFFFD');
        var rows = JisX0212Table.Rows;
        var data = JisX0212Table.Data;
        for (var r = 0; r < rows.Length; r++)
        {
            data.AsSpan(r * 94, 94).CopyTo(t.AsSpan((rows[r] - 0x21) * 94, 94));
        }

        return t;
    });

    /// <summary>
    /// ISO-IR 149, KS X 1001 (ESC $ ) C), from code page 949 (Windows 51949 misplaces B4D3); 0x2268 is the 1998
    /// addition U+327E that Windows lacks.
    /// </summary>
    public static readonly DicomGraphicCharacterSet KsX1001 = new("ISO-IR 149", GraphicSetKind.DoubleByte94, true, Esc("$)C"),
        () => FromEucCodePage(949, static _ => true, [(0x2268, '\u327E')]));

    /// <summary>ISO-IR 58, GB 2312 (ESC $ ) A), from code page 20936; 0x212C is DOUBLE VERTICAL LINE as in GB 2312 and GNU libc.</summary>
    public static readonly DicomGraphicCharacterSet Gb2312 = new("ISO-IR 58", GraphicSetKind.DoubleByte94, true, Esc("$)A"),
        () => FromEucCodePage(20936, static _ => true, [(0x212C, '\u2016')]));

    private static byte[] Esc(string sequence)
    {
        var bytes = new byte[sequence.Length + 1];
        bytes[0] = 0x1B;
        for (var i = 0; i < sequence.Length; i++)
        {
            bytes[i + 1] = (byte)sequence[i];
        }

        return bytes;
    }

    /// <summary>A 96-set right half of an ISO 8859 part (or TIS 620) built from a Windows code page.</summary>
    private static DicomGraphicCharacterSet Upper(string name, string escape, int codePage, (int Byte, char Char)[]? patches) =>
        new(name, GraphicSetKind.SingleByte96, true, Esc(escape), () =>
        {
            var encoding = DicomCodePages.Get(codePage);
            var t = new char[96];
            Span<byte> one = stackalloc byte[1];
            Span<char> chars = stackalloc char[2];
            for (var i = 0; i < 96; i++)
            {
                one[0] = (byte)(0xA0 + i);
                t[i] = encoding.GetChars(one, chars) == 1 && RoundTrips(encoding, chars[0], one) ? chars[0] : '\uFFFD';
            }

            foreach (var (b, c) in patches ?? [])
            {
                t[b - 0xA0] = c;
            }

            return t;
        });

    /// <summary>A 94x94 set read from the GR part (both bytes 0xA1..0xFE) of an EUC-style Windows code page.</summary>
    private static char[] FromEucCodePage(int codePage, Func<int, bool> includeRow, (int Code, char Char)[]? patches)
    {
        var encoding = DicomCodePages.Get(codePage);
        var t = new char[94 * 94];
        Span<byte> pair = stackalloc byte[2];
        Span<char> chars = stackalloc char[4];
        for (var row = 0x21; row <= 0x7E; row++)
        {
            for (var col = 0x21; col <= 0x7E; col++)
            {
                var c = '\uFFFD';
                if (includeRow(row))
                {
                    pair[0] = (byte)(row | 0x80);
                    pair[1] = (byte)(col | 0x80);
                    if (encoding.GetChars(pair, chars) == 1 && chars[0] >= 0x80 && !char.IsSurrogate(chars[0])
                        && chars[0] is not (>= '\uE000' and <= '\uF8FF') && RoundTrips(encoding, chars[0], pair))
                    {
                        c = chars[0];
                    }
                }

                t[((row - 0x21) * 94) + (col - 0x21)] = c;
            }
        }

        foreach (var (code, c) in patches ?? [])
        {
            t[(((code >> 8) - 0x21) * 94) + ((code & 0xFF) - 0x21)] = c;
        }

        return t;
    }

    /// <summary>
    /// A Windows table entry is kept only when encoding the character gives the same bytes back: this drops
    /// the placeholder that unassigned positions decode to, private-use fillers and duplicate (non-canonical) codes.
    /// </summary>
    private static bool RoundTrips(Encoding encoding, char c, ReadOnlySpan<byte> expected)
    {
        if (c == '\uFFFD' || c is >= '\uE000' and <= '\uF8FF')
        {
            return false;
        }

        Span<byte> back = stackalloc byte[8];
        ReadOnlySpan<char> one = [c];
        try
        {
            var n = encoding.GetBytes(one, back);
            return back[..n].SequenceEqual(expected);
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }
}

/// <summary>Windows code pages from <see cref="CodePagesEncodingProvider"/>, strict in both directions, without registering the provider globally.</summary>
internal static class DicomCodePages
{
    public static Encoding Get(int codePage) =>
        CodePagesEncodingProvider.Instance.GetEncoding(codePage, EncoderFallback.ExceptionFallback, DecoderFallback.ReplacementFallback)
        ?? throw new InvalidOperationException($"Code page {codePage} is not provided by CodePagesEncodingProvider.");
}
