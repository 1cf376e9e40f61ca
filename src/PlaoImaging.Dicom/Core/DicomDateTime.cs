using System.Globalization;

namespace PlaoImaging.Dicom;

/// <summary>How much of a DT value was given.</summary>
public enum DicomDateTimePrecision
{
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Fraction,
}

/// <summary>A DT value (PS3.5 6.2): a date and time of stated precision and, when given, a UTC offset.</summary>
public readonly record struct DicomDateTime(DateTime Value, TimeSpan? Offset, DicomDateTimePrecision Precision)
{
    /// <summary>Parses YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&amp;ZZXX].</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DicomDateTime result)
    {
        result = default;
        text = text.Trim();
        TimeSpan? offset = null;
        int sign = text.IndexOfAny('+', '-');
        if (sign >= 0)
        {
            var zone = text[(sign + 1)..];
            if (zone.Length != 4 ||
                !int.TryParse(zone[..2], NumberStyles.None, CultureInfo.InvariantCulture, out int zh) ||
                !int.TryParse(zone[2..], NumberStyles.None, CultureInfo.InvariantCulture, out int zm) || zh > 14 || zm > 59)
            {
                return false;
            }

            var span = new TimeSpan(zh, zm, 0);
            offset = text[sign] == '-' ? -span : span;
            text = text[..sign];
        }

        int dot = text.IndexOf('.');
        var main = dot >= 0 ? text[..dot] : text;
        if (main.Length is < 4 or > 14 || main.Length % 2 != 0 || !AllDigits(main))
        {
            return false;
        }

        int year = int.Parse(main[..4], NumberStyles.None, CultureInfo.InvariantCulture);
        int month = Part(main, 4, 1);
        int day = Part(main, 6, 1);
        int hour = Part(main, 8, 0);
        int minute = Part(main, 10, 0);
        int second = Part(main, 12, 0);
        long ticks = 0;
        var precision = (DicomDateTimePrecision)((main.Length - 4) / 2);
        if (dot >= 0)
        {
            var fraction = text[(dot + 1)..];
            if (main.Length != 14 || fraction.Length is < 1 or > 6 || !AllDigits(fraction))
            {
                return false;
            }

            ticks = int.Parse(fraction, NumberStyles.None, CultureInfo.InvariantCulture) * Pow10(7 - fraction.Length);
            precision = DicomDateTimePrecision.Fraction;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        // A leap second cannot be held by DateTime; it is kept as 59 s plus 999,999 µs.
        var value = second == 60
            ? new DateTime(year, month, day, hour, minute, 59).AddTicks(TimeSpan.TicksPerSecond - 10)
            : new DateTime(year, month, day, hour, minute, second).AddTicks(ticks);
        result = new DicomDateTime(value, offset, precision);
        return true;
    }

    private static int Part(ReadOnlySpan<char> main, int start, int fallback) =>
        main.Length >= start + 2 ? int.Parse(main.Slice(start, 2), NumberStyles.None, CultureInfo.InvariantCulture) : fallback;

    internal static bool AllDigits(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    internal static long Pow10(int n)
    {
        long p = 1;
        for (int i = 0; i < n; i++)
        {
            p *= 10;
        }

        return p;
    }
}
