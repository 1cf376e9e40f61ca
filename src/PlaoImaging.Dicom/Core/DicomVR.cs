namespace PlaoImaging.Dicom;

/// <summary>The 34 value representations of PS3.5 6.2, each coded as its two ASCII characters.</summary>
public enum DicomVR : ushort
{
    /// <summary>No VR known (implicit VR element missing from the dictionary before it is resolved).</summary>
    None = 0,
    AE = ('A' << 8) | 'E',
    AS = ('A' << 8) | 'S',
    AT = ('A' << 8) | 'T',
    CS = ('C' << 8) | 'S',
    DA = ('D' << 8) | 'A',
    DS = ('D' << 8) | 'S',
    DT = ('D' << 8) | 'T',
    FL = ('F' << 8) | 'L',
    FD = ('F' << 8) | 'D',
    IS = ('I' << 8) | 'S',
    LO = ('L' << 8) | 'O',
    LT = ('L' << 8) | 'T',
    OB = ('O' << 8) | 'B',
    OD = ('O' << 8) | 'D',
    OF = ('O' << 8) | 'F',
    OL = ('O' << 8) | 'L',
    OV = ('O' << 8) | 'V',
    OW = ('O' << 8) | 'W',
    PN = ('P' << 8) | 'N',
    SH = ('S' << 8) | 'H',
    SL = ('S' << 8) | 'L',
    SQ = ('S' << 8) | 'Q',
    SS = ('S' << 8) | 'S',
    ST = ('S' << 8) | 'T',
    SV = ('S' << 8) | 'V',
    TM = ('T' << 8) | 'M',
    UC = ('U' << 8) | 'C',
    UI = ('U' << 8) | 'I',
    UL = ('U' << 8) | 'L',
    UN = ('U' << 8) | 'N',
    UR = ('U' << 8) | 'R',
    US = ('U' << 8) | 'S',
    UT = ('U' << 8) | 'T',
    UV = ('U' << 8) | 'V',
}

/// <summary>What PS3.5 says about each VR: encoding, padding, size and character repertoire.</summary>
public static class DicomVRInfo
{
    /// <summary>All 34 VRs.</summary>
    public static IReadOnlyList<DicomVR> All { get; } =
    [
        DicomVR.AE, DicomVR.AS, DicomVR.AT, DicomVR.CS, DicomVR.DA, DicomVR.DS, DicomVR.DT, DicomVR.FL, DicomVR.FD,
        DicomVR.IS, DicomVR.LO, DicomVR.LT, DicomVR.OB, DicomVR.OD, DicomVR.OF, DicomVR.OL, DicomVR.OV, DicomVR.OW,
        DicomVR.PN, DicomVR.SH, DicomVR.SL, DicomVR.SQ, DicomVR.SS, DicomVR.ST, DicomVR.SV, DicomVR.TM, DicomVR.UC,
        DicomVR.UI, DicomVR.UL, DicomVR.UN, DicomVR.UR, DicomVR.US, DicomVR.UT, DicomVR.UV,
    ];

    /// <summary>The two-character code, e.g. "PN".</summary>
    public static string Code(this DicomVR vr) => vr switch
    {
        DicomVR.None => "??",
        _ => new string([(char)((ushort)vr >> 8), (char)((ushort)vr & 0xFF)]),
    };

    /// <summary>Parses two bytes of an explicit VR; false when they are not one of the 34 VRs.</summary>
    public static bool TryParse(byte first, byte second, out DicomVR vr)
    {
        vr = (DicomVR)((first << 8) | second);
        return IsKnown(vr);
    }

    /// <summary>Parses a two-character code.</summary>
    public static bool TryParse(ReadOnlySpan<char> code, out DicomVR vr)
    {
        vr = DicomVR.None;
        if (code.Length != 2 || code[0] > 0x7F || code[1] > 0x7F)
        {
            return false;
        }

        return TryParse((byte)code[0], (byte)code[1], out vr);
    }

    public static bool IsKnown(DicomVR vr) => vr switch
    {
        DicomVR.AE or DicomVR.AS or DicomVR.AT or DicomVR.CS or DicomVR.DA or DicomVR.DS or DicomVR.DT or DicomVR.FL
            or DicomVR.FD or DicomVR.IS or DicomVR.LO or DicomVR.LT or DicomVR.OB or DicomVR.OD or DicomVR.OF
            or DicomVR.OL or DicomVR.OV or DicomVR.OW or DicomVR.PN or DicomVR.SH or DicomVR.SL or DicomVR.SQ
            or DicomVR.SS or DicomVR.ST or DicomVR.SV or DicomVR.TM or DicomVR.UC or DicomVR.UI or DicomVR.UL
            or DicomVR.UN or DicomVR.UR or DicomVR.US or DicomVR.UT or DicomVR.UV => true,
        _ => false,
    };

    /// <summary>Explicit VR encodings use a reserved 2 bytes and a 32-bit length for these VRs (PS3.5 7.1.2).</summary>
    public static bool HasLongExplicitLength(this DicomVR vr) => vr switch
    {
        DicomVR.OB or DicomVR.OD or DicomVR.OF or DicomVR.OL or DicomVR.OV or DicomVR.OW or DicomVR.SQ or DicomVR.SV
            or DicomVR.UC or DicomVR.UN or DicomVR.UR or DicomVR.UT or DicomVR.UV => true,
        _ => false,
    };

    /// <summary>Character-string VRs (values are text).</summary>
    public static bool IsString(this DicomVR vr) => vr switch
    {
        DicomVR.AE or DicomVR.AS or DicomVR.CS or DicomVR.DA or DicomVR.DS or DicomVR.DT or DicomVR.IS or DicomVR.LO
            or DicomVR.LT or DicomVR.PN or DicomVR.SH or DicomVR.ST or DicomVR.TM or DicomVR.UC or DicomVR.UI
            or DicomVR.UR or DicomVR.UT => true,
        _ => false,
    };

    /// <summary>String VRs whose bytes are decoded with the Specific Character Set (0008,0005); the others are the default repertoire.</summary>
    public static bool UsesSpecificCharacterSet(this DicomVR vr) => vr switch
    {
        DicomVR.LO or DicomVR.LT or DicomVR.PN or DicomVR.SH or DicomVR.ST or DicomVR.UC or DicomVR.UT => true,
        _ => false,
    };

    /// <summary>String VRs whose value is a single text in which a backslash is an ordinary character.</summary>
    public static bool IsSingleValuedText(this DicomVR vr) =>
        vr is DicomVR.LT or DicomVR.ST or DicomVR.UT or DicomVR.UR;

    /// <summary>Byte width of one value for binary numeric VRs; 0 for strings, SQ and UN.</summary>
    public static int ValueSize(this DicomVR vr) => vr switch
    {
        DicomVR.OB => 1,
        DicomVR.US or DicomVR.SS or DicomVR.OW => 2,
        DicomVR.UL or DicomVR.SL or DicomVR.FL or DicomVR.OF or DicomVR.OL or DicomVR.AT => 4,
        DicomVR.FD or DicomVR.OD or DicomVR.SV or DicomVR.UV or DicomVR.OV => 8,
        _ => 0,
    };

    /// <summary>Size of the unit to swap when changing byte order; AT swaps its two 16-bit halves separately.</summary>
    public static int SwapUnit(this DicomVR vr) => vr switch
    {
        DicomVR.AT => 2,
        _ => vr.ValueSize(),
    };

    /// <summary>The padding byte for an odd-length value: NUL for UI and binary VRs, space for text.</summary>
    public static byte PaddingByte(this DicomVR vr) => vr.IsString() && vr != DicomVR.UI ? (byte)' ' : (byte)0;

    /// <summary>Maximum value length in bytes (or characters for UC/UR/UT style limits); null when only the length field limits it.</summary>
    public static int? MaxLength(this DicomVR vr) => vr switch
    {
        DicomVR.AE => 16,
        DicomVR.AS => 4,
        DicomVR.CS => 16,
        DicomVR.DA => 8,
        DicomVR.DS => 16,
        DicomVR.DT => 26,
        DicomVR.IS => 12,
        DicomVR.LO => 64,
        DicomVR.LT => 10240,
        DicomVR.SH => 16,
        DicomVR.ST => 1024,
        DicomVR.TM => 14,
        DicomVR.UI => 64,
        DicomVR.PN => 64,
        _ => null,
    };
}
