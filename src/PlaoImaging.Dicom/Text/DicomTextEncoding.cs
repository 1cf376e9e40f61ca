using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace PlaoImaging.Dicom;

/// <summary>
/// Decodes and encodes the values of text VRs under a Specific Character Set (0008,0005) (PS3.5 6.1, PS3.3 C.12.1.1.2):
/// the default repertoire, the single-byte sets ISO_IR 100/101/109/110/144/127/126/138/148/203/13/166, UTF-8
/// (ISO_IR 192), GB18030, GBK, and ISO 2022 code extensions (ISO 2022 IR 6/100/.../13/166/87/159/149/58).
/// </summary>
/// <remarks>
/// <para>Only LO, LT, PN, SH, ST, UC and UT use the specific character set; every other VR is decoded as the default
/// repertoire. Decoding never throws: undecodable bytes become U+FFFD, bytes above 0x7F where no set covers them
/// (default repertoire, or ISO 2022 with nothing designated into G1) are read as ISO 8859-1, an escape sequence this
/// class does not know is kept as text. DCMTK rejects such values instead of converting them.</para>
/// <para>With code extensions the designations return to the initial ones (value 1) at every control character
/// (CR, LF, FF, TAB, ...) and at the value delimiters recognised in an ISO 646 G0: "\" for all but LT, ST and UT, and
/// "^" and "=" for PN (PS3.5 6.1.2.5.3). In JIS X 0201 Romaji 05/12 is the value delimiter where a VR has one and
/// YEN SIGN in LT, ST and UT; 07/14 is OVERLINE.</para>
/// <para>Encoding is strict and throws <see cref="DicomTextEncodingException"/> for a character the selected sets cannot
/// represent. With code extensions it switches sets with escape sequences as needed, preferring the sets designated at
/// that moment, then value 1, then the other values in order, and returns to the initial designations before each
/// control character or delimiter and at the end of the value.</para>
/// </remarks>
public sealed class DicomTextEncoding
{
    private const int MaxCachedSets = 256;
    private const int StackBufferChars = 256;

    private static readonly ConcurrentDictionary<string, DicomTextEncoding> Cache = new(StringComparer.Ordinal);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static Encoding? _gb18030;
    private static Encoding? _gbk;

    private readonly Mode _mode;
    private readonly DicomGraphicCharacterSet _initialG0;
    private readonly DicomGraphicCharacterSet? _initialG1;
    private readonly DicomGraphicCharacterSet[] _extensionSets;
    private readonly string _description;

    private DicomTextEncoding(
        string[] terms,
        Mode mode,
        DicomGraphicCharacterSet initialG0,
        DicomGraphicCharacterSet? initialG1,
        DicomGraphicCharacterSet[] extensionSets,
        string[] warnings)
    {
        Terms = terms;
        _mode = mode;
        _initialG0 = initialG0;
        _initialG1 = initialG1;
        _extensionSets = extensionSets;
        Warnings = warnings;
        _description = terms.Length == 0 ? "the default character repertoire"
            : "Specific Character Set '" + string.Join('\\', terms) + "'";
    }

    private enum Mode
    {
        /// <summary>ISO 646 only (bytes above 0x7F decoded as ISO 8859-1).</summary>
        Default,

        /// <summary>One G0 and one G1 set, no escape sequences (ISO_IR 100 and the like).</summary>
        SingleByte,

        /// <summary>ISO 2022 code extensions.</summary>
        Iso2022,
        Utf8,
        Gb18030,
        Gbk,
    }

    /// <summary>The default character repertoire (no Specific Character Set, or an empty value).</summary>
    public static DicomTextEncoding Default { get; } =
        new([], Mode.Default, DicomGraphicCharacterSet.Ascii, null, [], []);

    /// <summary>The values of Specific Character Set, leading and trailing spaces removed; empty for <see cref="Default"/>.</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>True when text is decoded as the default repertoire, also when an unsupported term fell back to it.</summary>
    public bool IsDefault => _mode == Mode.Default;

    /// <summary>What <see cref="FromSpecificCharacterSet"/> reported for these terms.</summary>
    internal IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// The encoding for the values of Specific Character Set (0008,0005). Never throws for unknown or misspelt terms:
    /// a term that differs from a Defined Term only in case, spaces, underscores or hyphens is read as that term, an
    /// unknown term is dropped (a single one falls back to the default repertoire), and each such decision is added
    /// to <paramref name="warnings"/>.
    /// </summary>
    public static DicomTextEncoding FromSpecificCharacterSet(IReadOnlyList<string> terms, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Count == 0 || (terms.Count == 1 && string.IsNullOrWhiteSpace(terms[0]?.Trim('\0'))))
        {
            return Default;
        }

        var trimmed = new string[terms.Count];
        for (var i = 0; i < trimmed.Length; i++)
        {
            trimmed[i] = (terms[i] ?? string.Empty).Trim(' ', '\0');
        }

        var key = string.Join('\\', trimmed);
        if (!Cache.TryGetValue(key, out var encoding))
        {
            encoding = Create(trimmed);
            if (Cache.Count < MaxCachedSets)
            {
                encoding = Cache.GetOrAdd(key, encoding);
            }
        }

        if (warnings is not null)
        {
            foreach (var warning in encoding.Warnings)
            {
                warnings.Add(warning);
            }
        }

        return encoding;
    }

    /// <summary>Decodes a whole value (all its values and delimiters, padding included) to text; never throws.</summary>
    public string Decode(ReadOnlySpan<byte> value, DicomVR vr)
    {
        if (value.IsEmpty)
        {
            return string.Empty;
        }

        if (!vr.UsesSpecificCharacterSet())
        {
            return Encoding.Latin1.GetString(value);
        }

        switch (_mode)
        {
            case Mode.Default:
                return Encoding.Latin1.GetString(value);
            case Mode.Utf8:
                return Encoding.UTF8.GetString(value);
            case Mode.Gb18030:
                return Gb18030.Decode(value, Gb18030Encoding);
            case Mode.Gbk:
                return GbkEncoding.GetString(value);
            case Mode.SingleByte when ReferenceEquals(_initialG1, DicomGraphicCharacterSet.Latin1):
                return Encoding.Latin1.GetString(value);
            case Mode.SingleByte when ReferenceEquals(_initialG0, DicomGraphicCharacterSet.Ascii) && !value.ContainsAnyInRange((byte)0x80, (byte)0xFF):
                return Encoding.Latin1.GetString(value);
            case Mode.Iso2022 when ReferenceEquals(_initialG0, DicomGraphicCharacterSet.Ascii) && !value.ContainsAnyExceptInRange((byte)0x00, (byte)0x7F)
                                   && !value.Contains((byte)0x1B):
                return Encoding.Latin1.GetString(value);
            default:
                return DecodeWithTables(value, vr);
        }
    }

    /// <summary>
    /// Encodes text (a whole value, with its delimiters) to bytes, without padding. Throws
    /// <see cref="DicomTextEncodingException"/> when a character cannot be represented.
    /// </summary>
    public byte[] Encode(string text, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return [];
        }

        if (!vr.UsesSpecificCharacterSet())
        {
            return Default.EncodeWithTables(text, vr);
        }

        try
        {
            switch (_mode)
            {
                case Mode.Utf8:
                    return StrictUtf8.GetBytes(text);
                case Mode.Gb18030:
                    return Gb18030.Encode(text, Gb18030Encoding);
                case Mode.Gbk:
                    return EncodeRoundTripping(text, GbkEncoding);
                default:
                    return EncodeWithTables(text, vr);
            }
        }
        catch (EncoderFallbackException e)
        {
            throw new DicomTextEncodingException(
                $"{DescribeCharacter(e.CharUnknown, e.CharUnknownHigh, e.CharUnknownLow)} cannot be encoded with {_description}.", e);
        }
    }

    public override string ToString() => _description;

    private static Encoding Gb18030Encoding => _gb18030 ??= DicomCodePages.Get(54936);

    private static Encoding GbkEncoding => _gbk ??= DicomCodePages.Get(936);

    private static DicomTextEncoding Create(string[] terms)
    {
        var warnings = new List<string>();
        var resolved = new DicomCharacterSetTerm?[terms.Length];
        for (var i = 0; i < terms.Length; i++)
        {
            resolved[i] = terms[i].Length == 0 ? null : Resolve(terms[i], warnings);
        }

        var codeExtensions = terms.Length > 1 || terms[0].StartsWith("ISO 2022", StringComparison.Ordinal);
        if (!codeExtensions)
        {
            var single = resolved[0];
            if (single is null)
            {
                warnings.Add($"Specific Character Set (0008,0005) value '{terms[0]}' is not supported; using the default character repertoire (bytes above 0x7F decoded as ISO 8859-1)");
                return new DicomTextEncoding(terms, Mode.Default, DicomGraphicCharacterSet.Ascii, null, [], [.. warnings]);
            }

            if (!single.IsIso2022)
            {
                return ForSingleTerm(terms, single, warnings);
            }

            // A misspelt value that only exists with code extensions ("ISO_IR 149"): read it as ISO 2022.
        }

        DicomCharacterSetTerm? first = null;
        var accepted = new List<DicomCharacterSetTerm>();
        for (var i = 0; i < terms.Length; i++)
        {
            var term = terms[i];
            var position = terms.Length > 1 ? $"value {i + 1} of {terms.Length} " : string.Empty;
            var definition = resolved[i];
            if (term.Length == 0 || ReferenceEquals(definition, DicomCharacterSetTerm.Default))
            {
                if (i == 0)
                {
                    first = DicomCharacterSetTerm.Iso2022Ir6;
                    accepted.Add(first);
                }
                else
                {
                    warnings.Add($"Specific Character Set (0008,0005) {position}'{term}' does not designate a character set; ignored");
                }

                continue;
            }

            if (definition is null)
            {
                warnings.Add($"Specific Character Set (0008,0005) {position}'{term}' is not supported; ignored");
                continue;
            }

            if (definition.Kind is CharacterSetTermKind.Utf8 or CharacterSetTermKind.Gb18030 or CharacterSetTermKind.Gbk)
            {
                if (i == 0)
                {
                    warnings.Add($"Specific Character Set (0008,0005) '{definition.Term}' cannot be used with code extensions; the other values are ignored");
                    return ForSingleTerm(terms, definition, warnings);
                }

                warnings.Add($"Specific Character Set (0008,0005) {position}'{definition.Term}' cannot be used with code extensions; ignored");
                continue;
            }

            if (!definition.IsIso2022)
            {
                var extended = definition.Iso2022Form!;
                warnings.Add($"Specific Character Set (0008,0005) {position}'{definition.Term}' is not a Defined Term for code extensions; assuming '{extended.Term}'");
                definition = extended;
            }

            first ??= definition;
            if (!accepted.Contains(definition))
            {
                accepted.Add(definition);
            }
        }

        first ??= DicomCharacterSetTerm.Iso2022Ir6;

        // Value 1 gives the initial designations. DICOM's delimiters must be readable in the initial G0, so a
        // multi-byte G0 set (ISO 2022 IR 87 or 159) as value 1 leaves ISO 646 initial and is reached by escapes only.
        var initialG0 = first.G0 is { IsIso646Variant: true } g0 ? g0 : DicomGraphicCharacterSet.Ascii;
        var initialG1 = first.G1;
        var sets = new List<DicomGraphicCharacterSet>();
        foreach (var t in accepted)
        {
            foreach (var set in (ReadOnlySpan<DicomGraphicCharacterSet?>)[t.G0, t.G1])
            {
                if (set is not null && !sets.Contains(set))
                {
                    sets.Add(set);
                }
            }
        }

        return new DicomTextEncoding(terms, Mode.Iso2022, initialG0, initialG1, [.. sets], [.. warnings]);
    }

    private static DicomTextEncoding ForSingleTerm(string[] terms, DicomCharacterSetTerm term, List<string> warnings)
    {
        var mode = term.Kind switch
        {
            _ when ReferenceEquals(term, DicomCharacterSetTerm.Default) => Mode.Default,
            CharacterSetTermKind.Utf8 => Mode.Utf8,
            CharacterSetTermKind.Gb18030 => Mode.Gb18030,
            CharacterSetTermKind.Gbk => Mode.Gbk,
            _ => Mode.SingleByte,
        };
        return new DicomTextEncoding(terms, mode, term.G0 ?? DicomGraphicCharacterSet.Ascii, term.G1, [], [.. warnings]);
    }

    /// <summary>Finds the Defined Term for a value, tolerating case, spacing, underscore and hyphen differences (with a warning).</summary>
    private static DicomCharacterSetTerm? Resolve(string term, List<string> warnings)
    {
        if (DicomCharacterSetTerm.TryGet(term, out var exact))
        {
            return exact;
        }

        if (term is "ISO_IR 6" or "ISO IR 6" or "ISO-IR 6")
        {
            // DCMTK's reading of this common non-term.
            warnings.Add($"Specific Character Set (0008,0005) '{term}' is not a Defined Term; treated as an empty value (ISO 646, ASCII)");
            return DicomCharacterSetTerm.Default;
        }

        if (DicomCharacterSetTerm.TryGetLoose(term, out var loose))
        {
            warnings.Add($"Specific Character Set (0008,0005) '{term}' is not a Defined Term; assuming '{loose.Term}'");
            return loose;
        }

        return null;
    }

    // ---- table-driven decoding (single-byte sets and ISO 2022) ----------------------------------------------------

    private string DecodeWithTables(ReadOnlySpan<byte> value, DicomVR vr)
    {
        // Every byte yields at most one UTF-16 unit (escape sequences none), so the output fits in value.Length chars.
        char[]? rented = null;
        var buffer = value.Length <= StackBufferChars
            ? stackalloc char[StackBufferChars]
            : (rented = ArrayPool<char>.Shared.Rent(value.Length));
        try
        {
            var length = DecodeCore(value, vr, buffer);
            return new string(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private int DecodeCore(ReadOnlySpan<byte> value, DicomVR vr, Span<char> output)
    {
        var extensions = _mode == Mode.Iso2022;
        var isPersonName = vr == DicomVR.PN;
        var hasBackslashDelimiter = !vr.IsSingleValuedText();
        var g0 = _initialG0;
        var g1 = _initialG1;
        var o = 0;
        var i = 0;
        while (i < value.Length)
        {
            int b = value[i];
            if (b < 0x20)
            {
                if (b == 0x1B && extensions)
                {
                    var length = Iso2022EscapeSequence.Parse(value[(i + 1)..], out var set, out var toG1);
                    if (length > 0)
                    {
                        if (set is not null)
                        {
                            if (toG1)
                            {
                                g1 = set;
                            }
                            else
                            {
                                g0 = set;
                            }
                        }

                        i += 1 + length;
                        continue;
                    }
                }

                // A control character: the initial designations are in force again after it.
                output[o++] = (char)b;
                g0 = _initialG0;
                g1 = _initialG1;
                i++;
            }
            else if (b < 0x80)
            {
                if (b is 0x20 or 0x7F)
                {
                    output[o++] = (char)b;
                    i++;
                }
                else if (g0.IsDoubleByte)
                {
                    if (i + 1 < value.Length && value[i + 1] is >= 0x21 and <= 0x7E)
                    {
                        output[o++] = g0.Decode(b, value[i + 1]);
                        i += 2;
                    }
                    else
                    {
                        output[o++] = '\uFFFD';
                        i++;
                    }
                }
                else if (g0.IsIso646Variant && ((b == '\\' && hasBackslashDelimiter) || (isPersonName && b is '^' or '=')))
                {
                    output[o++] = (char)b;
                    g0 = _initialG0;
                    g1 = _initialG1;
                    i++;
                }
                else
                {
                    output[o++] = g0.Decode(b);
                    i++;
                }
            }
            else if (b < 0xA0)
            {
                // C1 control character.
                output[o++] = (char)b;
                g0 = _initialG0;
                g1 = _initialG1;
                i++;
            }
            else if (g1 is null)
            {
                output[o++] = (char)b;
                i++;
            }
            else if (g1.IsDoubleByte)
            {
                if (b <= 0xFE && i + 1 < value.Length && value[i + 1] is >= 0xA1 and <= 0xFE && b >= 0xA1)
                {
                    output[o++] = g1.Decode(b & 0x7F, value[i + 1] & 0x7F);
                    i += 2;
                }
                else
                {
                    output[o++] = '\uFFFD';
                    i++;
                }
            }
            else
            {
                output[o++] = g1.Decode(b & 0x7F);
                i++;
            }
        }

        return o;
    }

    // ---- table-driven encoding ------------------------------------------------------------------------------------

    private byte[] EncodeWithTables(string text, DicomVR vr)
    {
        var extensions = _mode == Mode.Iso2022;
        if (ReferenceEquals(_initialG0, DicomGraphicCharacterSet.Ascii) && Ascii.IsValid(text)
            && !(extensions && text.Contains('\u001B', StringComparison.Ordinal)))
        {
            // Pure ASCII never leaves the initial ISO 646 G0.
            return Encoding.ASCII.GetBytes(text);
        }

        var isPersonName = vr == DicomVR.PN;
        var hasBackslashDelimiter = !vr.IsSingleValuedText();
        var output = new ByteBuffer(text.Length * 2);
        var g0 = _initialG0;
        var g1 = _initialG1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x20 || c == 0x7F || (hasBackslashDelimiter && c == '\\') || (isPersonName && c is '^' or '='))
            {
                if (c == '\u001B' && extensions)
                {
                    throw new DicomTextEncodingException($"The text contains ESC (U+001B), which cannot be encoded with {_description}.");
                }

                ReturnToInitial(ref output, ref g0, ref g1);
                output.Add((byte)c);
                continue;
            }

            if (!TryFindSet(c, g0, g1, hasBackslashDelimiter, extensions, out var set, out var code))
            {
                var low = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? text[i + 1] : '\0';
                throw new DicomTextEncodingException(
                    $"{DescribeCharacter(c, c, low)} cannot be encoded in {vr.Code()} with {_description}.");
            }

            if (set.IsG1 && !ReferenceEquals(set, g1))
            {
                output.Add(set.Escape);
                g1 = set;
            }
            else if (!set.IsG1 && !ReferenceEquals(set, g0))
            {
                output.Add(set.Escape);
                g0 = set;
            }

            var high = set.IsG1 ? 0x80 : 0x00;
            if (set.IsDoubleByte)
            {
                output.Add((byte)((code >> 8) | high));
            }

            output.Add((byte)((code & 0xFF) | high));
        }

        ReturnToInitial(ref output, ref g0, ref g1);
        return output.ToArray();
    }

    private bool TryFindSet(
        char c,
        DicomGraphicCharacterSet g0,
        DicomGraphicCharacterSet? g1,
        bool hasBackslashDelimiter,
        bool extensions,
        out DicomGraphicCharacterSet set,
        out ushort code)
    {
        if (TryEncodeIn(g0, c, hasBackslashDelimiter, out code))
        {
            set = g0;
            return true;
        }

        if (g1 is not null && TryEncodeIn(g1, c, hasBackslashDelimiter, out code))
        {
            set = g1;
            return true;
        }

        if (extensions)
        {
            if (TryEncodeIn(_initialG0, c, hasBackslashDelimiter, out code))
            {
                set = _initialG0;
                return true;
            }

            if (_initialG1 is not null && TryEncodeIn(_initialG1, c, hasBackslashDelimiter, out code))
            {
                set = _initialG1;
                return true;
            }

            foreach (var candidate in _extensionSets)
            {
                if (TryEncodeIn(candidate, c, hasBackslashDelimiter, out code))
                {
                    set = candidate;
                    return true;
                }
            }
        }

        set = g0;
        code = 0;
        return false;
    }

    private static bool TryEncodeIn(DicomGraphicCharacterSet set, char c, bool hasBackslashDelimiter, out ushort code)
    {
        if (!set.TryEncode(c, out code))
        {
            return false;
        }

        // A single-byte G0 code 05/12 would be read back as the value delimiter (JIS X 0201 YEN SIGN in PN, LO, SH, UC).
        return !(hasBackslashDelimiter && code == 0x5C && !set.IsG1 && !set.IsDoubleByte);
    }

    private void ReturnToInitial(ref ByteBuffer output, ref DicomGraphicCharacterSet g0, ref DicomGraphicCharacterSet? g1)
    {
        if (!ReferenceEquals(g0, _initialG0))
        {
            output.Add(_initialG0.Escape);
            g0 = _initialG0;
        }

        if (!ReferenceEquals(g1, _initialG1))
        {
            // With nothing initially in G1 there is no escape sequence to emit: a decoder forgets G1 at the delimiter.
            if (_initialG1 is not null)
            {
                output.Add(_initialG1.Escape);
            }

            g1 = _initialG1;
        }
    }

    private byte[] EncodeRoundTripping(string text, Encoding encoding)
    {
        var bytes = encoding.GetBytes(text);
        if (!encoding.GetString(bytes).Equals(text, StringComparison.Ordinal))
        {
            // A best-fit substitution slipped through the code page: find the first character that does not survive.
            var back = encoding.GetString(bytes);
            var at = 0;
            while (at < text.Length && at < back.Length && text[at] == back[at])
            {
                at++;
            }

            var c = at < text.Length ? text[at] : '\uFFFD';
            throw new DicomTextEncodingException($"{DescribeCharacter(c, c, '\0')} cannot be encoded with {_description}.");
        }

        return bytes;
    }

    private static string DescribeCharacter(char unknown, char high, char low)
    {
        if (char.IsHighSurrogate(high) && char.IsLowSurrogate(low))
        {
            return "Character U+" + char.ConvertToUtf32(high, low).ToString("X4", CultureInfo.InvariantCulture);
        }

        return "Character U+" + ((int)unknown).ToString("X4", CultureInfo.InvariantCulture);
    }

    /// <summary>A growable byte buffer for the encoder.</summary>
    private struct ByteBuffer(int capacity)
    {
        private byte[] _bytes = new byte[Math.Max(capacity, 16)];
        private int _length;

        public void Add(byte b)
        {
            if (_length == _bytes.Length)
            {
                Array.Resize(ref _bytes, _bytes.Length * 2);
            }

            _bytes[_length++] = b;
        }

        public void Add(byte[] bytes)
        {
            foreach (var b in bytes)
            {
                Add(b);
            }
        }

        public readonly byte[] ToArray() => _bytes.AsSpan(0, _length).ToArray();
    }
}
