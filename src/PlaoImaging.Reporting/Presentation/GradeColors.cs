namespace PlaoImaging.Reporting.Presentation;

/// <summary>The colours of the overlays (sRGB), the same in the presentation states and the burned-in captures.</summary>
public static class GradeColors
{
    /// <summary>The colour of a vertebra's height lines: green normal, yellow grade 1, orange grade 2, red grade 3, grey not graded.</summary>
    public static (byte R, byte G, byte B) ForGrade(int grade, bool graded) => !graded
        ? ((byte)160, (byte)160, (byte)160)
        : grade switch
        {
            <= 0 => ((byte)0, (byte)200, (byte)0),
            1 => ((byte)255, (byte)220, (byte)0),
            2 => ((byte)255, (byte)140, (byte)0),
            _ => ((byte)255, (byte)0, (byte)0),
        };

    /// <summary>The landmark points.</summary>
    public static (byte R, byte G, byte B) Landmarks => (0, 220, 255);

    /// <summary>The level labels.</summary>
    public static (byte R, byte G, byte B) Labels => (255, 255, 128);

    /// <summary>The model banner.</summary>
    public static (byte R, byte G, byte B) Model => (255, 255, 255);
}
