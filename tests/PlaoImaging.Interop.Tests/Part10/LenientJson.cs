using System.Globalization;
using System.Text;

namespace PlaoImaging.Interop.Tests.Part10;

/// <summary>A parsed JSON value: object (ordered), array, string, number (kept as its text), literal (true, false, null, nan, inf).</summary>
internal abstract record JsonNode;

internal sealed record JsonObject(List<KeyValuePair<string, JsonNode>> Members) : JsonNode
{
    public JsonNode? this[string key] => Members.FirstOrDefault(m => string.Equals(m.Key, key, StringComparison.OrdinalIgnoreCase)).Value;
}

internal sealed record JsonArray(List<JsonNode> Items) : JsonNode;

internal sealed record JsonString(string Value) : JsonNode;

/// <summary>A number as written: dcm2json writes forms that are not JSON numbers (<c>1.</c>, and with <c>-ee</c> <c>nan</c>, <c>inf</c>).</summary>
internal sealed record JsonNumber(string Text) : JsonNode;

internal sealed record JsonLiteral(string Text) : JsonNode
{
    public bool IsNull => Text == "null";
}

/// <summary>
/// A JSON reader that accepts what DCMTK 3.6.7's dcm2json really writes, which is not always JSON: numbers copied
/// from DS text such as <c>1.</c> or <c>1E02</c>, bare <c>nan</c>/<c>inf</c> with <c>--encode-extended</c>, and raw
/// control characters (a NUL pad byte) inside strings. Only the test's comparison uses it.
/// </summary>
internal static class LenientJson
{
    public static JsonNode Parse(string text)
    {
        int i = 0;
        var node = ParseValue(text, ref i);
        SkipSpace(text, ref i);
        if (i != text.Length)
        {
            throw new FormatException($"trailing text at offset {i}: '{Excerpt(text, i)}'");
        }

        return node;
    }

    private static JsonNode ParseValue(string s, ref int i)
    {
        SkipSpace(s, ref i);
        if (i >= s.Length)
        {
            throw new FormatException("unexpected end of JSON");
        }

        char c = s[i];
        switch (c)
        {
            case '{':
                {
                    i++;
                    var members = new List<KeyValuePair<string, JsonNode>>();
                    SkipSpace(s, ref i);
                    if (Peek(s, i) == '}')
                    {
                        i++;
                        return new JsonObject(members);
                    }

                    while (true)
                    {
                        SkipSpace(s, ref i);
                        if (Peek(s, i) != '"')
                        {
                            throw new FormatException($"expected a member name at offset {i}: '{Excerpt(s, i)}'");
                        }

                        string key = ParseString(s, ref i);
                        SkipSpace(s, ref i);
                        Expect(s, ref i, ':');
                        members.Add(new(key, ParseValue(s, ref i)));
                        SkipSpace(s, ref i);
                        if (Peek(s, i) == ',')
                        {
                            i++;
                            continue;
                        }

                        Expect(s, ref i, '}');
                        return new JsonObject(members);
                    }
                }

            case '[':
                {
                    i++;
                    var items = new List<JsonNode>();
                    SkipSpace(s, ref i);
                    if (Peek(s, i) == ']')
                    {
                        i++;
                        return new JsonArray(items);
                    }

                    while (true)
                    {
                        items.Add(ParseValue(s, ref i));
                        SkipSpace(s, ref i);
                        if (Peek(s, i) == ',')
                        {
                            i++;
                            continue;
                        }

                        Expect(s, ref i, ']');
                        return new JsonArray(items);
                    }
                }

            case '"':
                return new JsonString(ParseString(s, ref i));
            default:
                {
                    int start = i;
                    while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] is '+' or '-' or '.'))
                    {
                        i++;
                    }

                    if (i == start)
                    {
                        throw new FormatException($"unexpected character at offset {i}: '{Excerpt(s, i)}'");
                    }

                    string token = s[start..i];
                    return token is "null" or "true" or "false" ? new JsonLiteral(token) : new JsonNumber(token);
                }
        }
    }

    private static string ParseString(string s, ref int i)
    {
        Expect(s, ref i, '"');
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= s.Length)
            {
                throw new FormatException("unterminated string");
            }

            char c = s[i++];
            if (c == '"')
            {
                return sb.ToString();
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            char e = s[i++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u':
                    sb.Append((char)int.Parse(s.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: sb.Append(e); break;
            }
        }
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or '\r' or '\n')
        {
            i++;
        }
    }

    private static char Peek(string s, int i) => i < s.Length ? s[i] : '\0';

    private static void Expect(string s, ref int i, char c)
    {
        if (Peek(s, i) != c)
        {
            throw new FormatException($"expected '{c}' at offset {i}: '{Excerpt(s, i)}'");
        }

        i++;
    }

    private static string Excerpt(string s, int i) => s.Substring(Math.Max(0, i - 20), Math.Min(40, s.Length - Math.Max(0, i - 20)));
}
