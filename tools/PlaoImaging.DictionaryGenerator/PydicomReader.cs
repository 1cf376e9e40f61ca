using System.Globalization;
using System.Text;

namespace PlaoImaging.DictionaryGenerator;

/// <summary>An entry of pydicom's _dicom_dict.py: key is a 0x tag or, for repeaters, a string like '60xx3000'.</summary>
internal sealed record PydicomTagEntry(TagPattern Tag, string VR, string VM, string Name, bool Retired, string Keyword);

/// <summary>An entry of pydicom's _uid_dict.py.</summary>
internal sealed record PydicomUidEntry(string Uid, string Name, string Type, string Info, bool Retired, string Keyword);

/// <summary>
/// Reads the generated dictionaries shipped with pydicom. Each entry sits on one line,
/// <c>KEY: ('a', 'b', ...),</c>, where KEY is a hexadecimal number or a quoted string; this reader
/// only understands that line form (Python string literals in single or double quotes, backslash escapes).
/// </summary>
internal static class PydicomReader
{
    public static List<PydicomTagEntry> ReadTags(string path)
    {
        var entries = new List<PydicomTagEntry>();
        foreach (var (key, values, where) in Entries(path))
        {
            if (values.Count != 5)
            {
                throw new FormatException($"{where}: expected (VR, VM, Name, Retired, Keyword).");
            }

            var text = key.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? key[2..] : key;
            if (text.Length != 8 || !TagPattern.TryParse($"({text[..4]},{text[4..]})", out var tag))
            {
                throw new FormatException($"{where}: '{key}' is not a tag.");
            }

            entries.Add(new PydicomTagEntry(tag, values[0], values[1], values[2], IsRetired(values[3], where), values[4]));
        }

        return entries;
    }

    public static List<PydicomUidEntry> ReadUids(string path)
    {
        var entries = new List<PydicomUidEntry>();
        foreach (var (key, values, where) in Entries(path))
        {
            if (values.Count != 5)
            {
                throw new FormatException($"{where}: expected (Name, Type, Info, Retired, Keyword).");
            }

            entries.Add(new PydicomUidEntry(key, values[0], values[1], values[2], IsRetired(values[3], where), values[4]));
        }

        return entries;
    }

    private static bool IsRetired(string text, string where) => text switch
    {
        "" => false,
        "Retired" => true,
        _ => throw new FormatException($"{where}: unexpected retired column '{text}'."),
    };

    private static IEnumerable<(string Key, List<string> Values, string Where)> Entries(string path)
    {
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var where = $"{Path.GetFileName(path)} line {i + 1}";
            var scanner = new Scanner(lines[i], where);
            scanner.SkipSpaces();
            string key;
            if (scanner.Peek is '\'' or '"')
            {
                key = scanner.ReadString();
            }
            else if (scanner.TryReadHex(out var hex))
            {
                key = hex;
            }
            else
            {
                continue; // not an entry line (docstring, imports, dictionary headers, closing braces)
            }

            scanner.SkipSpaces();
            if (!scanner.TryRead(':'))
            {
                continue; // e.g. a docstring line that starts with a quoted word
            }

            scanner.SkipSpaces();
            scanner.Expect('(');
            var values = new List<string>();
            while (true)
            {
                scanner.SkipSpaces();
                values.Add(scanner.ReadString());
                scanner.SkipSpaces();
                if (scanner.TryRead(')'))
                {
                    break;
                }

                scanner.Expect(',');
                scanner.SkipSpaces();
                if (scanner.TryRead(')'))
                {
                    break;
                }
            }

            yield return (key, values, where);
        }
    }

    private sealed class Scanner(string text, string where)
    {
        private int _pos;

        public char Peek => _pos < text.Length ? text[_pos] : '\0';

        public void SkipSpaces()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        public bool TryRead(char c)
        {
            if (Peek != c)
            {
                return false;
            }

            _pos++;
            return true;
        }

        public void Expect(char c)
        {
            if (!TryRead(c))
            {
                throw new FormatException($"{where}: expected '{c}' at column {_pos + 1}.");
            }
        }

        public bool TryReadHex(out string hex)
        {
            hex = "";
            if (!text.AsSpan(_pos).StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            var start = _pos;
            _pos += 2;
            while (_pos < text.Length && char.IsAsciiHexDigit(text[_pos]))
            {
                _pos++;
            }

            hex = text[start.._pos].ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal);
            return _pos > start + 2;
        }

        public string ReadString()
        {
            var quote = Peek;
            if (quote is not ('\'' or '"'))
            {
                throw new FormatException($"{where}: expected a string at column {_pos + 1}.");
            }

            _pos++;
            var value = new StringBuilder();
            while (true)
            {
                if (_pos >= text.Length)
                {
                    throw new FormatException($"{where}: unterminated string.");
                }

                var c = text[_pos++];
                if (c == quote)
                {
                    return value.ToString();
                }

                if (c != '\\')
                {
                    value.Append(c);
                    continue;
                }

                var escaped = _pos < text.Length ? text[_pos++] : '\\';
                value.Append(escaped switch
                {
                    'n' => "\n",
                    't' => "\t",
                    '\\' or '\'' or '"' => escaped.ToString(),
                    'u' when _pos + 4 <= text.Length =>
                        ((char)int.Parse(text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)).ToString(),
                    _ => throw new FormatException($"{where}: unsupported escape '\\{escaped}'."),
                });
                if (escaped == 'u')
                {
                    _pos += 4;
                }
            }
        }
    }
}
