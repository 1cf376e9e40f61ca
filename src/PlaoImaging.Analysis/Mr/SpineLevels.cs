using System.Globalization;

namespace PlaoImaging.Analysis.Mr;

/// <summary>Orders vertebral level names cranial to caudal: C1–C7, T1–T12, L1–L6, S1–S5, then anything else.</summary>
internal static class SpineLevels
{
    /// <summary>Position along the spine (C1 = 1); names not recognised sort after all others.</summary>
    public static int Ordinal(string level)
    {
        if (level.Length < 2 || !int.TryParse(level.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < 1)
        {
            return int.MaxValue;
        }

        return char.ToUpperInvariant(level[0]) switch
        {
            'C' when number <= 7 => number,
            'T' when number <= 12 => 7 + number,
            'L' when number <= 6 => 19 + number,
            'S' when number <= 5 => 25 + number,
            _ => int.MaxValue,
        };
    }

    /// <summary>True for sacral levels, whose marrow is fattier than that of the lumbar bodies (never used as references).</summary>
    public static bool IsSacral(string level) => level.Length > 1 && char.ToUpperInvariant(level[0]) == 'S' && Ordinal(level) != int.MaxValue;
}
