using System.Text;
using PlaoImaging.Dicom;

namespace PlaoImaging.Reporting.Sr;

/// <summary>
/// Our own texts (engine messages, model statements) fitted to the report's character set, which is the one of the
/// source images (their names are copied byte for byte, so it cannot change): a character the set cannot hold becomes
/// its plain form (an en dash a hyphen, a typographic quote a straight one, ≥ "&gt;=") or, failing that, '?'.
/// </summary>
public sealed class ReportText
{
    private readonly DicomTextEncoding encoding;
    private readonly Dictionary<char, bool> fits = [];

    public ReportText(DicomTextEncoding encoding)
    {
        this.encoding = encoding ?? throw new ArgumentNullException(nameof(encoding));
    }

    /// <summary>The text with every character the character set cannot hold replaced.</summary>
    public string Fit(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder? result = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (Fits(c))
            {
                result?.Append(c);
                continue;
            }

            result ??= new StringBuilder(text, 0, i, text.Length + 8);
            string plain = c switch
            {
                '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2212' => "-",
                '\u2018' or '\u2019' => "'",
                '\u201C' or '\u201D' => "\"",
                '\u2026' => "...",
                '\u00D7' => "x",
                '\u2265' => ">=",
                '\u2264' => "<=",
                '\u2192' => "->",
                '\u00B1' => "+/-",
                '\u00B0' => " deg",
                '\u00B5' or '\u03BC' => "u",
                _ => "?",
            };
            result.Append(plain.All(Fits) ? plain : "?");
        }

        return result?.ToString() ?? text;
    }

    private bool Fits(char c)
    {
        if (c is >= ' ' and <= '~' or '\n' or '\r')
        {
            return true;
        }

        if (!fits.TryGetValue(c, out bool ok))
        {
            try
            {
                encoding.Encode(c.ToString(), DicomVR.UT);
                ok = !char.IsSurrogate(c);
            }
            catch (DicomException)
            {
                ok = false;
            }

            fits[c] = ok;
        }

        return ok;
    }
}
