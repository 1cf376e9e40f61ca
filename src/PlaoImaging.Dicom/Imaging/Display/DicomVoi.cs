namespace PlaoImaging.Dicom.Imaging.Display;

/// <summary>VOI LUT Function (0028,1056), PS3.3 C.11.2.1.2 and C.11.2.1.3.</summary>
public enum DicomVoiFunction
{
    /// <summary>LINEAR: the Window Center/Width formula with the half-unit offsets (width ≥ 1).</summary>
    Linear,

    /// <summary>LINEAR_EXACT: center ± width/2 map exactly onto the output range (width &gt; 0).</summary>
    LinearExact,

    /// <summary>SIGMOID: y = range / (1 + exp(−4 (x − c) / w)) (width &gt; 0).</summary>
    Sigmoid,
}

/// <summary>A VOI window: center, width, function; applied to modality values.</summary>
public sealed record DicomWindow
{
    public DicomWindow(double center, double width, DicomVoiFunction function = DicomVoiFunction.Linear)
    {
        if (!double.IsFinite(center) || !double.IsFinite(width))
        {
            throw new ArgumentException($"Window center {center} / width {width} must be finite.");
        }

        if (function == DicomVoiFunction.Linear ? width < 1 : width <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, function == DicomVoiFunction.Linear
                ? "A LINEAR window needs a width of at least 1 (PS3.3 C.11.2.1.2.1)."
                : "LINEAR_EXACT and SIGMOID windows need a width above 0.");
        }

        Center = center;
        Width = width;
        Function = function;
    }

    public double Center { get; }

    public double Width { get; }

    public DicomVoiFunction Function { get; }

    /// <summary>Window Center &amp; Width Explanation (0028,1055), when the window came from the dataset.</summary>
    public string? Explanation { get; init; }

    /// <summary>True when the width is valid for the function (false for a LINEAR width below 1 or a non-positive width).</summary>
    public static bool IsValid(double center, double width, DicomVoiFunction function) =>
        double.IsFinite(center) && double.IsFinite(width) && (function == DicomVoiFunction.Linear ? width >= 1 : width > 0);

    /// <summary>
    /// The output for input <paramref name="x"/> on the range [<paramref name="yMin"/>, <paramref name="yMax"/>], exactly as the
    /// PS3.3 formulas state (no rounding):
    /// LINEAR: x ≤ c − 0.5 − (w − 1)/2 → yMin; x &gt; c − 0.5 + (w − 1)/2 → yMax; else ((x − (c − 0.5)) / (w − 1) + 0.5) · (yMax − yMin) + yMin.
    /// LINEAR_EXACT: x ≤ c − w/2 → yMin; x &gt; c + w/2 → yMax; else ((x − c) / w + 0.5) · (yMax − yMin) + yMin.
    /// SIGMOID: (yMax − yMin) / (1 + exp(−4 (x − c) / w)) + yMin.
    /// </summary>
    public double Apply(double x, double yMin, double yMax)
    {
        double c = Center;
        double w = Width;
        switch (Function)
        {
            case DicomVoiFunction.LinearExact:
                return x <= c - (w / 2) ? yMin
                    : x > c + (w / 2) ? yMax
                    : ((((x - c) / w) + 0.5) * (yMax - yMin)) + yMin;
            case DicomVoiFunction.Sigmoid:
                return ((yMax - yMin) / (1 + Math.Exp(-4 * (x - c) / w))) + yMin;
            default:
                if (x <= c - 0.5 - ((w - 1) / 2))
                {
                    return yMin;
                }

                if (x > c - 0.5 + ((w - 1) / 2))
                {
                    return yMax;
                }

                // Reached only when w > 1 (for w = 1 the two borders coincide).
                return ((((x - (c - 0.5)) / (w - 1)) + 0.5) * (yMax - yMin)) + yMin;
        }
    }
}

/// <summary>
/// The VOI stage (PS3.3 C.11.2): a window or a VOI LUT, mapping modality values onto a fraction 0..1 of the output
/// range; then the Presentation LUT stage (IDENTITY or INVERSE) and 8-bit quantisation.
/// </summary>
public sealed record DicomVoi
{
    private DicomVoi(DicomWindow? window, DicomLut? lut, string? explanation)
    {
        Window = window;
        Lut = lut;
        Explanation = explanation;
    }

    public DicomWindow? Window { get; }

    /// <summary>A VOI LUT (its entries span 0..2^Bits−1).</summary>
    public DicomLut? Lut { get; }

    /// <summary>Where this VOI came from (dataset explanation, "AUTO 0.5%..99.5%", "MIN-MAX"...).</summary>
    public string? Explanation { get; }

    public static DicomVoi FromWindow(DicomWindow window, string? explanation = null)
    {
        ArgumentNullException.ThrowIfNull(window);
        return new DicomVoi(window, null, explanation ?? window.Explanation);
    }

    public static DicomVoi FromLut(DicomLut lut, string? explanation = null)
    {
        ArgumentNullException.ThrowIfNull(lut);
        return new DicomVoi(null, lut, explanation);
    }

    /// <summary>The output on [0, <paramref name="yMax"/>] for one modality value (no rounding).</summary>
    public double Apply(double x, double yMax)
    {
        if (Lut is { } lut)
        {
            return lut.Lookup(x) * yMax / lut.MaxEntryValue;
        }

        return double.IsNaN(x) ? 0 : Window!.Apply(x, 0, yMax);
    }

    /// <summary>
    /// 8-bit display values for modality values: VOI onto [0, 255], then inversion (y → 255 − y) when
    /// <paramref name="invert"/> (Presentation LUT Shape INVERSE, or MONOCHROME1 without a shape), then rounding to the
    /// nearest integer, halves up.
    /// </summary>
    public byte[] To8Bit(ReadOnlySpan<float> values, bool invert)
    {
        var output = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            output[i] = Quantize(Apply(values[i], 255), invert);
        }

        return output;
    }

    /// <summary>An output value on [0, 255] to a byte: inverted first when asked, then rounded half up.</summary>
    public static byte Quantize(double y, bool invert)
    {
        double v = Math.Clamp(y, 0, 255);
        if (invert)
        {
            v = 255 - v;
        }

        return (byte)Math.Floor(v + 0.5);
    }
}
