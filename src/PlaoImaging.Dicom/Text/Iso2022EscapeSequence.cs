namespace PlaoImaging.Dicom;

/// <summary>Reads ISO 2022 designation escape sequences (ISO/IEC 2022 clause 13, PS3.3 Tables C.12-3 and C.12-4).</summary>
internal static class Iso2022EscapeSequence
{
    /// <summary>
    /// Parses the bytes after an ESC. Returns the number of bytes that belong to the sequence (intermediates and the final
    /// byte), or 0 when they do not form a sequence this decoder knows; <paramref name="set"/> is null for a recognised
    /// sequence that designates nothing (the announcer ESC &amp; @ of JIS X 0208-1990).
    /// </summary>
    public static int Parse(ReadOnlySpan<byte> afterEsc, out DicomGraphicCharacterSet? set, out bool toG1)
    {
        set = null;
        toG1 = false;

        // ISO 2022 syntax: zero or more intermediate bytes 02/00..02/15, then one final byte 03/00..07/14.
        var n = 0;
        while (n < afterEsc.Length && afterEsc[n] is >= 0x20 and <= 0x2F)
        {
            n++;
        }

        if (n == 0 || n > 3 || n >= afterEsc.Length || afterEsc[n] is < 0x30 or > 0x7E)
        {
            return 0;
        }

        var intermediates = afterEsc[..n];
        var final = afterEsc[n];
        var length = n + 1;

        switch (intermediates)
        {
            case [(byte)'(']: // 94-set into G0
                set = final switch
                {
                    (byte)'B' => DicomGraphicCharacterSet.Ascii,
                    (byte)'J' => DicomGraphicCharacterSet.JisRomaji,
                    (byte)'I' => DicomGraphicCharacterSet.JisKatakana,
                    _ => null,
                };
                break;
            case [(byte)')']: // 94-set into G1
                set = final switch
                {
                    (byte)'I' => DicomGraphicCharacterSet.JisKatakana,
                    _ => null,
                };
                toG1 = true;
                break;
            case [(byte)'-']: // 96-set into G1
                set = final switch
                {
                    (byte)'A' => DicomGraphicCharacterSet.Latin1,
                    (byte)'B' => DicomGraphicCharacterSet.Latin2,
                    (byte)'C' => DicomGraphicCharacterSet.Latin3,
                    (byte)'D' => DicomGraphicCharacterSet.Latin4,
                    (byte)'L' => DicomGraphicCharacterSet.Cyrillic,
                    (byte)'G' => DicomGraphicCharacterSet.Arabic,
                    (byte)'F' => DicomGraphicCharacterSet.Greek,
                    (byte)'H' => DicomGraphicCharacterSet.Hebrew,
                    (byte)'M' => DicomGraphicCharacterSet.Latin5,
                    (byte)'b' => DicomGraphicCharacterSet.Latin9,
                    (byte)'T' => DicomGraphicCharacterSet.Thai,
                    _ => null,
                };
                toG1 = true;
                break;
            case [(byte)'$']: // 94^2-set into G0, short form (final @, A or B only)
            case [(byte)'$', (byte)'(']: // 94^2-set into G0
                set = DoubleByte(final);
                break;
            case [(byte)'$', (byte)')']: // 94^2-set into G1
                set = DoubleByte(final);
                toG1 = true;
                break;
            case [(byte)'&'] when final == (byte)'@': // identify revised registration: no designation of its own
                return length;
        }

        return set is null ? 0 : length;
    }

    private static DicomGraphicCharacterSet? DoubleByte(byte final) => final switch
    {
        // ESC $ @ designates JIS C 6226-1978, the predecessor of JIS X 0208; decoded with the JIS X 0208 table.
        (byte)'B' or (byte)'@' => DicomGraphicCharacterSet.JisX0208,
        (byte)'D' => DicomGraphicCharacterSet.JisX0212,
        (byte)'C' => DicomGraphicCharacterSet.KsX1001,
        (byte)'A' => DicomGraphicCharacterSet.Gb2312,
        _ => null,
    };
}
