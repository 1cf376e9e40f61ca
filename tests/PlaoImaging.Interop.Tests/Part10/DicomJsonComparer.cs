using System.Globalization;
using System.Numerics;

namespace PlaoImaging.Interop.Tests.Part10;

/// <summary>One element where our DICOM JSON and dcm2json's differ.</summary>
internal sealed record JsonMismatch(string Path, string Ours, string Theirs, string? Hint = null)
{
    public override string ToString() => $"{Path}: ours {Ours} vs dcmtk {Theirs}{(Hint is null ? string.Empty : "   [" + Hint + "]")}";
}

/// <summary>
/// Compares two DICOM JSON documents (PS3.18 F.2) element by element, recursively into sequence items.
/// <para>
/// NORMALISATIONS (each also explained, with the evidence, in Part10/NORMALISATION.md; nothing else is forgiven;
/// the workarounds for files dcm2json cannot write, W1-W3, are in <see cref="Dcm2JsonComparison"/>):
/// </para>
/// <list type="number">
/// <item>N1 Attribute keys are compared without regard to case (both sides write upper-case hex; PS3.18 F.2.1.1).</item>
/// <item>N2 Numbers are compared by value, not by text: dcm2json copies DS/IS text with its own clean-up (it writes
/// <c>1.</c>, <c>1E02</c>, <c>0.50</c>) and formats FD/FL with OFStandard::ftoa, which is not correctly rounded at the
/// ends of the range (1e308 prints as 1.0000000000000007e308). DS, IS, SV, UV and the binary integers are compared
/// exactly (as decimals or big integers); FD within 16 units in the last place; FL as float32 within 2 units in
/// the last place (dcm2json prints 9 significant digits). A number and a string never compare equal, except N5.</item>
/// <item>N3 InlineBinary is compared as the decoded bytes. dcm2json adds the NUL pad byte dcmdata appends to an
/// odd-length value (a value the file stores with an odd length); that one byte is forgiven when our value has
/// the odd length that is really in the file.</item>
/// <item>N4 Trailing NULs in string values: dcm2json keeps a value's trailing NUL bytes (and the pad it appends to
/// an odd-length value) as U+0000 for every VR but UI, and the NUL stops it trimming the spaces before it; we drop
/// trailing NULs as padding. Compared after removing the trailing run of U+0000 and spaces from dcm2json's value (then
/// a DS/IS text that is a number compares as that number; a PN group's trailing '^', which only the NUL makes DCMTK's
/// lexer write, is dropped).</item>
/// <item>N5 Non-finite FL/FD values: dcm2json refuses them unless run with --encode-extended, where it writes the
/// bare tokens nan/inf/-inf that JSON does not have; we write the strings "NaN", "Infinity", "-Infinity".
/// Compared by value.</item>
/// <item>N6 A first value that is exactly one space, for VRs DCMTK trims only at the end (AS, DA, DT, TM, UC):
/// DCMTK's normalizeString stops its backwards scan at index 0 and leaves that space; we trim it and write null
/// (or no Value when every value is then empty).</item>
/// <item>N7 ISO_IR 13 (JIS X 0201): dcm2json converts a whole value through iconv's Shift_JIS, which maps the value
/// delimiter 05/12 to U+00A5 YEN SIGN, and no longer splits there; PS3.5 H.1.1 note 3 says 05/12 delimits values
/// of SH, LO, PN and UC. Compared as the values joined with U+00A5.</item>
/// <item>N8 (in <see cref="Dcm2JsonComparison"/>) Items with their own Specific Character Set: dcm2json 3.6.7 does not
/// apply it (PS3.5 7.5.3); their text is compared with pydicom's decoding instead. Likewise whole files in a set
/// this machine's DCMTK cannot convert (ISO 2022 IR 87 and IR 159: glibc iconv has no converter).</item>
/// </list>
/// </summary>
internal static class DicomJsonComparer
{
    private static readonly HashSet<string> CharsetTextVRs = ["SH", "LO", "ST", "LT", "UC", "UT", "PN"];

    /// <summary>Compares two datasets; <paramref name="skip"/> decides which of our elements dcm2json could not show (by path).</summary>
    public static List<JsonMismatch> Compare(JsonNode ours, JsonNode theirs, Func<string, string, bool>? skip = null)
    {
        var result = new List<JsonMismatch>();
        if (ours is not JsonObject o || theirs is not JsonObject t)
        {
            result.Add(new("(root)", Describe(ours), Describe(theirs)));
            return result;
        }

        CompareDataset(string.Empty, o, t, result, skip ?? ((_, _) => false));
        return result;
    }

    /// <summary>True for the VRs whose text is decoded with the Specific Character Set (PS3.5 6.1.2.3).</summary>
    public static bool IsCharsetText(string vr) => CharsetTextVRs.Contains(vr);

    private static void CompareDataset(string prefix, JsonObject ours, JsonObject theirs, List<JsonMismatch> result, Func<string, string, bool> skip)
    {
        var ourKeys = ours.Members.ToDictionary(m => m.Key.ToUpperInvariant(), m => m.Value);
        var theirKeys = theirs.Members.ToDictionary(m => m.Key.ToUpperInvariant(), m => m.Value);
        foreach (var key in ourKeys.Keys.Union(theirKeys.Keys).Order(StringComparer.Ordinal))
        {
            string path = prefix + key;
            ourKeys.TryGetValue(key, out var o);
            theirKeys.TryGetValue(key, out var t);
            string ourVR = Vr(o);
            string theirVR = Vr(t);
            if (skip(path, o is null ? theirVR : ourVR))
            {
                continue;
            }

            if (o is null)
            {
                result.Add(new(path, "(absent)", Summary(t!), "missing in ours"));
                continue;
            }

            if (t is null)
            {
                result.Add(new(path, Summary(o), "(absent)", key.EndsWith("0000", StringComparison.Ordinal) ? "group length" : "extra in ours"));
                continue;
            }

            CompareElement(path, (JsonObject)o, (JsonObject)t, result, skip);
        }
    }

    private static void CompareElement(string path, JsonObject ours, JsonObject theirs, List<JsonMismatch> result, Func<string, string, bool> skip)
    {
        string vr = Vr(ours);
        if (vr != Vr(theirs))
        {
            result.Add(new(path, Summary(ours), Summary(theirs), vr == "UN" ? "VR unknown to us (dictionary?)" : "VR differs"));
            return;
        }

        var ourBinary = ours["InlineBinary"] as JsonString;
        var theirBinary = theirs["InlineBinary"] as JsonString;
        if (ourBinary is not null || theirBinary is not null)
        {
            CompareBinary(path, vr, ourBinary, theirBinary, result);
            return;
        }

        if (ours["BulkDataURI"] is not null || theirs["BulkDataURI"] is not null)
        {
            result.Add(new(path, Summary(ours), Summary(theirs), "BulkDataURI"));
            return;
        }

        var ourValue = ours["Value"] as JsonArray;
        var theirValue = theirs["Value"] as JsonArray;
        if (ourValue is null || theirValue is null)
        {
            // N6: only nulls, or DCMTK's untrimmed single space first, is no value at all to us.
            bool emptyToUs = ourValue is null && theirValue is not null && vr is "AS" or "DA" or "DT" or "TM" or "UC" &&
                             theirValue.Items.Select((v, i) => v is JsonLiteral { IsNull: true } || (i == 0 && v is JsonString { Value: " " })).All(x => x);
            if ((ourValue is not null || theirValue is not null) && !emptyToUs)
            {
                result.Add(new(path, Summary(ours), Summary(theirs), "one side has no Value"));
            }

            return;
        }

        if (ourValue.Items.Count != theirValue.Items.Count)
        {
            // N7: under ISO_IR 13 dcm2json turns the value delimiter 05/12 into U+00A5 and stops splitting there.
            bool yen = theirValue.Items.Any(v => Render(v).Contains('\u00A5', StringComparison.Ordinal)) &&
                       string.Join('\u00A5', ourValue.Items.Select(Render)) == string.Join('\u00A5', theirValue.Items.Select(Render));
            if (!yen)
            {
                result.Add(new(path, Summary(ours), Summary(theirs), "number of values differs"));
            }

            return;
        }

        for (int i = 0; i < ourValue.Items.Count; i++)
        {
            var o = ourValue.Items[i];
            var t = theirValue.Items[i];
            string at = ourValue.Items.Count > 1 || vr == "SQ" ? $"{path}[{i}]" : path;
            if (vr == "SQ")
            {
                if (o is JsonObject oi && t is JsonObject ti)
                {
                    CompareDataset(at + ".", oi, ti, result, skip);
                }
                else
                {
                    result.Add(new(at, Describe(o), Describe(t), "item is not an object"));
                }

                continue;
            }

            if (!ValueEquals(vr, i, o, t))
            {
                result.Add(new(at, Describe(o), Describe(t), Hint(o, t)));
            }
        }
    }

    private static void CompareBinary(string path, string vr, JsonString? ours, JsonString? theirs, List<JsonMismatch> result)
    {
        if (ours is null || theirs is null)
        {
            result.Add(new(path, ours is null ? "(no InlineBinary)" : $"InlineBinary {Decode(ours.Value).Length} bytes",
                theirs is null ? "(no InlineBinary)" : $"InlineBinary {Decode(theirs.Value).Length} bytes", vr));
            return;
        }

        var o = Decode(ours.Value);
        var t = Decode(theirs.Value);
        if (o.AsSpan().SequenceEqual(t))
        {
            return;
        }

        // N3: dcmdata pads an odd-length value with one NUL byte in memory, and dcm2json prints that byte.
        if ((o.Length & 1) == 1 && t.Length == o.Length + 1 && t[^1] == 0 && t.AsSpan(0, o.Length).SequenceEqual(o))
        {
            return;
        }

        int first = 0;
        while (first < Math.Min(o.Length, t.Length) && o[first] == t[first])
        {
            first++;
        }

        result.Add(new(path, $"{o.Length} bytes", $"{t.Length} bytes", $"{vr} InlineBinary differs from byte {first}"));
    }

    private static bool ValueEquals(string vr, int index, JsonNode ours, JsonNode theirs)
    {
        if (ours is JsonLiteral { IsNull: true } || theirs is JsonLiteral { IsNull: true })
        {
            if (ours is JsonLiteral { IsNull: true } && theirs is JsonLiteral { IsNull: true })
            {
                return true;
            }

            // N6: DCMTK leaves a single-space first value untrimmed for VRs trimmed only at the end.
            return index == 0 && vr is "AS" or "DA" or "DT" or "TM" or "UC" && ours is JsonLiteral { IsNull: true } &&
                   theirs is JsonString { Value: " " };
        }

        if (vr == "PN")
        {
            return ours is JsonObject op && theirs is JsonObject tp && PersonNameEquals(op, tp);
        }

        if (ours is JsonString os && theirs is JsonString ts)
        {
            // N4: without the NUL, the spaces before it are trailing padding that DCMTK would have trimmed too.
            string theirText = ts.Value.EndsWith('\0') ? ts.Value.TrimEnd('\0', ' ') : ts.Value;
            return os.Value == theirText || (vr == "AT" && string.Equals(os.Value, theirText, StringComparison.OrdinalIgnoreCase)) ||
                   (vr is "FL" or "FD" && NonFinite(os.Value) is { } a && NonFinite(theirText) is { } b && a.Equals(b));
        }

        string? ourNumber = NumberText(ours);
        string? theirNumber = NumberText(theirs);
        if (theirs is JsonString tn && ours is JsonNumber && vr is "DS" or "IS")
        {
            // N4: a DS/IS text with a trailing NUL is a string to dcm2json; without the NUL it is the number we wrote.
            theirNumber = tn.Value.TrimEnd('\0', ' ');
        }

        if (ourNumber is null || theirNumber is null)
        {
            return false;
        }

        return vr switch
        {
            "FL" => FloatEquals(ourNumber, theirNumber),
            "FD" => DoubleEquals(ourNumber, theirNumber),
            _ => ExactNumberEquals(ourNumber, theirNumber),
        };
    }

    private static bool PersonNameEquals(JsonObject ours, JsonObject theirs)
    {
        foreach (var group in new[] { "Alphabetic", "Ideographic", "Phonetic" })
        {
            string? o = (ours[group] as JsonString)?.Value;
            string? t = (theirs[group] as JsonString)?.Value;
            if (t is not null && (t.Contains('\0', StringComparison.Ordinal) || t.EndsWith('^')))
            {
                // N4: the NUL pad of an odd-length value makes DCMTK's PN lexer see one more component, which it
                // writes as a trailing '^' (its lexer drops trailing empty components, so only the NUL yields one).
                t = t.Replace("\0", string.Empty, StringComparison.Ordinal).TrimEnd('^', ' ');
                t = t.Length == 0 ? null : t;
            }

            if (o != t)
            {
                return false;
            }
        }

        string[] groups = ["Alphabetic", "Ideographic", "Phonetic"];
        return ours.Members.Concat(theirs.Members).All(m => groups.Contains(m.Key, StringComparer.Ordinal));
    }

    /// <summary>A value as one text: a PN's groups joined with '=', null as empty.</summary>
    private static string Render(JsonNode value) => value switch
    {
        JsonString s => s.Value,
        JsonNumber n => n.Text,
        JsonObject pn => string.Join('=', new[] { "Alphabetic", "Ideographic", "Phonetic" }.Select(g => (pn[g] as JsonString)?.Value ?? string.Empty)).TrimEnd('='),
        _ => string.Empty,
    };

    private static string? NumberText(JsonNode node) => node switch
    {
        JsonNumber n => n.Text,
        JsonString s when NonFinite(s.Value) is not null => s.Value,
        _ => null,
    };

    private static double? NonFinite(string text) => text switch
    {
        "NaN" or "nan" or "-nan" => double.NaN,
        "Infinity" or "inf" => double.PositiveInfinity,
        "-Infinity" or "-inf" => double.NegativeInfinity,
        _ => null,
    };

    private static double ParseDouble(string text) =>
        NonFinite(text) ?? double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static bool FloatEquals(string a, string b)
    {
        float x = (float)ParseDouble(a);
        float y = (float)ParseDouble(b);
        if (float.IsNaN(x) || float.IsNaN(y))
        {
            return float.IsNaN(x) && float.IsNaN(y);
        }

        if (x == y)
        {
            return true;
        }

        if (float.IsInfinity(x) || float.IsInfinity(y) || Math.Sign(x) != Math.Sign(y))
        {
            return false;
        }

        return Math.Abs((long)BitConverter.SingleToInt32Bits(x) - BitConverter.SingleToInt32Bits(y)) <= 2;
    }

    private static bool DoubleEquals(string a, string b)
    {
        double x = ClampOverflow(ParseDouble(a), a);
        double y = ClampOverflow(ParseDouble(b), b);
        if (double.IsNaN(x) || double.IsNaN(y))
        {
            return double.IsNaN(x) && double.IsNaN(y);
        }

        if (x == y)
        {
            return true;
        }

        if (double.IsInfinity(x) || double.IsInfinity(y) || Math.Sign(x) != Math.Sign(y))
        {
            return false;
        }

        long ulps = BitConverter.DoubleToInt64Bits(x) - BitConverter.DoubleToInt64Bits(y);
        return ulps is <= 16 and >= -16;
    }

    /// <summary>ftoa can print a value next to double.MaxValue a few units past it (1.7976931348623167e308), which parses as infinity.</summary>
    private static double ClampOverflow(double value, string text) =>
        double.IsInfinity(value) && NonFinite(text) is null ? Math.CopySign(double.MaxValue, value) : value;

    private static bool ExactNumberEquals(string a, string b)
    {
        if (BigInteger.TryParse(a, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x) &&
            BigInteger.TryParse(b, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var y))
        {
            return x == y;
        }

        string fa = FixDecimalText(a);
        string fb = FixDecimalText(b);
        if (decimal.TryParse(fa, NumberStyles.Float, CultureInfo.InvariantCulture, out var da) &&
            decimal.TryParse(fb, NumberStyles.Float, CultureInfo.InvariantCulture, out var db))
        {
            return da == db;
        }

        return double.TryParse(fa, NumberStyles.Float, CultureInfo.InvariantCulture, out var ga) &&
               double.TryParse(fb, NumberStyles.Float, CultureInfo.InvariantCulture, out var gb) && ga.Equals(gb);
    }

    /// <summary>"1." and ".5" (DS forms dcm2json copies) as text .NET parses.</summary>
    private static string FixDecimalText(string text) => text.EndsWith('.') ? text + "0" : text;

    private static string? Hint(JsonNode ours, JsonNode theirs)
    {
        static bool NonAscii(JsonNode n) => n is JsonString s && s.Value.Any(c => c > 0x7F) ||
                                             n is JsonObject o && o.Members.Any(m => NonAscii(m.Value));
        if (NonAscii(ours) || NonAscii(theirs))
        {
            return "text outside ASCII: character set?";
        }

        if (ours.GetType() != theirs.GetType())
        {
            return "JSON type differs";
        }

        return null;
    }

    private static string Vr(JsonNode? element) => (element as JsonObject)?["vr"] is JsonString s ? s.Value : "?";

    private static byte[] Decode(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    /// <summary>An element for a message: VR and a short rendering of its value.</summary>
    public static string Summary(JsonNode element)
    {
        if (element is not JsonObject o)
        {
            return Describe(element);
        }

        string vr = Vr(o);
        if (o["InlineBinary"] is JsonString b)
        {
            return $"{vr} InlineBinary({Decode(b.Value).Length} bytes)";
        }

        if (o["Value"] is JsonArray a)
        {
            return vr == "SQ" ? $"SQ {a.Items.Count} item(s)" : $"{vr} {Describe(a)}";
        }

        return $"{vr} (no value)";
    }

    public static string Describe(JsonNode? node)
    {
        string text = node switch
        {
            null => "(absent)",
            JsonString s => "\"" + Escape(s.Value) + "\"",
            JsonNumber n => n.Text,
            JsonLiteral l => l.Text,
            JsonArray a => "[" + string.Join(", ", a.Items.Select(Describe)) + "]",
            JsonObject o => "{" + string.Join(", ", o.Members.Select(m => m.Key + ": " + Describe(m.Value))) + "}",
            _ => "?",
        };
        return text.Length > 160 ? text[..157] + "..." : text;
    }

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c < 0x20 ? $"\\u{(int)c:x4}" : c.ToString(CultureInfo.InvariantCulture)));
}
