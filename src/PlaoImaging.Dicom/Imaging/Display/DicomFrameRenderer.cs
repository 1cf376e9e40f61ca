using System.Globalization;

namespace PlaoImaging.Dicom.Imaging.Display;

/// <summary>Which VOI the renderer uses when no window is given explicitly.</summary>
public enum DicomVoiSelection
{
    /// <summary>The dataset's first window, else its first VOI LUT, else <see cref="Percentile"/>.</summary>
    Dataset,

    /// <summary>A LINEAR_EXACT window from the lower to the upper percentile of the modality values, padding excluded.</summary>
    Percentile,

    /// <summary>A LINEAR window from the smallest to the largest modality value, padding excluded (as dcmj2pnm +Wm, which counts padding).</summary>
    MinMax,
}

/// <summary>How to render a frame for display.</summary>
public sealed record DicomRenderOptions
{
    public static DicomRenderOptions Default { get; } = new();

    /// <summary>A window that replaces the dataset's VOI.</summary>
    public DicomWindow? Window { get; init; }

    public DicomVoiSelection Voi { get; init; } = DicomVoiSelection.Dataset;

    /// <summary>Lower percentile of the automatic window (0.005 = 0.5 %).</summary>
    public double LowerPercentile { get; init; } = 0.005;

    /// <summary>Upper percentile of the automatic window (0.995 = 99.5 %).</summary>
    public double UpperPercentile { get; init; } = 0.995;
}

/// <summary>A frame ready for a screen: 8-bit grayscale (1 channel) or interleaved RGB (3 channels), row by row.</summary>
public sealed record DicomDisplayFrame(int Rows, int Columns, int Channels, byte[] Pixels)
{
    /// <summary>The VOI applied (null for colour).</summary>
    public DicomVoi? Voi { get; init; }

    /// <summary>Whether the output was inverted (MONOCHROME1 or Presentation LUT Shape INVERSE).</summary>
    public bool Inverted { get; init; }
}

/// <summary>
/// A grayscale frame ready for analysis: modality values (after Rescale or the Modality LUT, in the dataset's units),
/// oriented so that a higher value is always shown brighter. For a frame whose display is inverted (MONOCHROME1 without
/// a Presentation LUT Shape, or shape INVERSE) each value m is replaced by (Min + Max) − m, where [Min, Max] is
/// <see cref="Range"/>: the modality values that the stored bit depth can produce. The reflection keeps the units, the
/// scale and the range; only the direction changes. For projection radiography (CR/DX MONOCHROME1) a higher value then
/// means more attenuation, as in a MONOCHROME2 image of the same exposure.
/// </summary>
public sealed record DicomAnalysisFrame(int Rows, int Columns, float[] Values)
{
    /// <summary>True where the stored value is padding (Pixel Padding Value / Range Limit); null when the dataset names no padding.</summary>
    public bool[]? Padding { get; init; }

    /// <summary>Rescale Type or Modality LUT Type (HU, OD, US...), or null.</summary>
    public string? Units { get; init; }

    /// <summary>Whether the values were reflected (see the type's summary).</summary>
    public bool Reflected { get; init; }

    /// <summary>The modality values the stored bit depth can produce (for real pixel data: the frame's finite minimum and maximum).</summary>
    public (double Min, double Max) Range { get; init; }
}

/// <summary>
/// The grayscale pipeline of PS3.3 C.11 (Modality LUT → VOI LUT → Presentation LUT) and the colour conversions, as pure
/// functions over sample planes: no I/O, nothing kept between calls.
/// </summary>
public static class DicomFrameRenderer
{
    /// <summary>Modality values of a grayscale frame (one plane).</summary>
    public static float[] ModalityValues(DicomFrameSamples samples, DicomModalityTransform modality)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(modality);
        if (samples.SamplesPerPixel != 1)
        {
            throw new DicomPixelDataException(null, $"{samples.PhotometricInterpretation} with {samples.SamplesPerPixel} samples per pixel has no modality values");
        }

        return samples.IntegerPlanes is { } planes ? modality.Apply(planes[0]) : modality.Apply(samples.RealPlanes![0]);
    }

    /// <summary>Which pixels are padding: stored values equal to Pixel Padding Value, or within it and the Range Limit; null when none is named.</summary>
    public static bool[]? PaddingMask(DicomFrameSamples samples, DicomDisplayParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(parameters);
        if (samples.SamplesPerPixel != 1)
        {
            return null;
        }

        if (samples.IntegerPlanes is { } planes && parameters.PixelPaddingValue is { } value)
        {
            int limit = parameters.PixelPaddingRangeLimit ?? value;
            int lo = Math.Min(value, limit);
            int hi = Math.Max(value, limit);
            var plane = planes[0];
            var mask = new bool[plane.Length];
            for (int i = 0; i < plane.Length; i++)
            {
                mask[i] = plane[i] >= lo && plane[i] <= hi;
            }

            return mask;
        }

        if (samples.RealPlanes is { } reals && parameters.RealPixelPaddingValue is { } real)
        {
            var plane = reals[0];
            var mask = new bool[plane.Length];
            for (int i = 0; i < plane.Length; i++)
            {
                mask[i] = plane[i] == (float)real;
            }

            return mask;
        }

        return null;
    }

    /// <summary>
    /// The automatic window: LINEAR_EXACT from the <paramref name="lower"/> to the <paramref name="upper"/> quantile of
    /// the finite, non-padding values (nearest rank: the value at index round(q·(n−1)) of the sorted values), so that
    /// those quantiles map to 0 and 255. A flat image gets width 1 around its value. Null when no value is left.
    /// </summary>
    public static DicomWindow? PercentileWindow(ReadOnlySpan<float> values, ReadOnlySpan<bool> padding, double lower = 0.005, double upper = 0.995)
    {
        if (lower < 0 || upper > 1 || lower >= upper)
        {
            throw new ArgumentOutOfRangeException(nameof(lower), $"percentiles {lower}..{upper} must satisfy 0 ≤ lower < upper ≤ 1");
        }

        var kept = Kept(values, padding);
        if (kept.Length == 0)
        {
            return null;
        }

        Array.Sort(kept);
        double lo = kept[(int)Math.Round(lower * (kept.Length - 1), MidpointRounding.AwayFromZero)];
        double hi = kept[(int)Math.Round(upper * (kept.Length - 1), MidpointRounding.AwayFromZero)];
        double width = hi - lo;
        return new DicomWindow(lo + (width / 2), width > 0 ? width : 1, DicomVoiFunction.LinearExact);
    }

    /// <summary>
    /// A LINEAR window from the smallest to the largest finite, non-padding value: center (min + max + 1) / 2, width
    /// max − min + 1 (DCMTK's min-max window), so that min maps to 0 and max to 255. Null when no value is left.
    /// </summary>
    public static DicomWindow? MinMaxWindow(ReadOnlySpan<float> values, ReadOnlySpan<bool> padding)
    {
        double min = double.PositiveInfinity;
        double max = double.NegativeInfinity;
        for (int i = 0; i < values.Length; i++)
        {
            if ((padding.IsEmpty || !padding[i]) && float.IsFinite(values[i]))
            {
                min = Math.Min(min, values[i]);
                max = Math.Max(max, values[i]);
            }
        }

        return double.IsFinite(min) ? new DicomWindow((min + max + 1) / 2, max - min + 1, DicomVoiFunction.Linear) : null;
    }

    /// <summary>
    /// Chooses the VOI: the explicit window of <paramref name="options"/>; else per <see cref="DicomRenderOptions.Voi"/>.
    /// </summary>
    public static DicomVoi ChooseVoi(ReadOnlySpan<float> values, ReadOnlySpan<bool> padding, DicomDisplayParameters parameters, DicomRenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Window is { } explicitWindow)
        {
            return DicomVoi.FromWindow(explicitWindow, "explicit");
        }

        if (options.Voi == DicomVoiSelection.Dataset)
        {
            if (parameters.Windows.Count > 0)
            {
                return DicomVoi.FromWindow(parameters.Windows[0]);
            }

            if (parameters.VoiLuts.Count > 0)
            {
                return parameters.VoiLuts[0];
            }
        }

        if (options.Voi == DicomVoiSelection.MinMax)
        {
            return DicomVoi.FromWindow(MinMaxWindow(values, padding) ?? new DicomWindow(0.5, 1), "MIN-MAX");
        }

        var window = PercentileWindow(values, padding, options.LowerPercentile, options.UpperPercentile) ?? new DicomWindow(0.5, 1);
        return DicomVoi.FromWindow(window, string.Create(CultureInfo.InvariantCulture, $"AUTO {options.LowerPercentile * 100:0.###}%..{options.UpperPercentile * 100:0.###}%"));
    }

    /// <summary>
    /// The display frame: grayscale through Modality → VOI → Presentation (inversion) → 8 bits; PALETTE COLOR through
    /// its LUTs; RGB and YBR converted to 8-bit RGB (no VOI for colour).
    /// </summary>
    public static DicomDisplayFrame Render(DicomFrameSamples samples, DicomDisplayParameters parameters, DicomRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(parameters);
        options ??= DicomRenderOptions.Default;
        if (samples.PhotometricInterpretation == "PALETTE COLOR")
        {
            var palette = parameters.Palette ?? throw new DicomPixelDataException(null, "PALETTE COLOR frame without palette LUTs");
            var indices = samples.IntegerPlanes?[0] ?? throw new DicomPixelDataException(null, "PALETTE COLOR frame with real samples");
            return new DicomDisplayFrame(samples.Rows, samples.Columns, 3, palette.ToRgb8(indices));
        }

        if (samples.SamplesPerPixel == 3)
        {
            return new DicomDisplayFrame(samples.Rows, samples.Columns, 3, DicomColor.ToRgb8(samples));
        }

        if (samples.SamplesPerPixel != 1)
        {
            throw new DicomPixelDataException(null, $"{samples.PhotometricInterpretation} with {samples.SamplesPerPixel} samples per pixel cannot be displayed");
        }

        var values = ModalityValues(samples, parameters.Modality);
        var padding = PaddingMask(samples, parameters);
        var voi = ChooseVoi(values, padding, parameters, options);
        bool invert = parameters.Inverts;
        return new DicomDisplayFrame(samples.Rows, samples.Columns, 1, voi.To8Bit(values, invert)) { Voi = voi, Inverted = invert };
    }

    /// <summary>The analysis frame of a grayscale frame (see <see cref="DicomAnalysisFrame"/> for the orientation rule).</summary>
    public static DicomAnalysisFrame ToAnalysis(DicomFrameSamples samples, DicomDisplayParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(parameters);
        var values = ModalityValues(samples, parameters.Modality);
        (double Min, double Max) range;
        if (samples.IsReal)
        {
            double min = double.PositiveInfinity;
            double max = double.NegativeInfinity;
            foreach (float v in values)
            {
                if (float.IsFinite(v))
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }
            }

            range = double.IsFinite(min) ? (min, max) : (0, 0);
        }
        else
        {
            range = parameters.Modality.OutputRange(samples.MinimumStorable, samples.MaximumStorable);
        }

        bool reflect = parameters.Inverts;
        if (reflect)
        {
            double sum = range.Min + range.Max;
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(sum - values[i]);
            }
        }

        return new DicomAnalysisFrame(samples.Rows, samples.Columns, values)
        {
            Padding = PaddingMask(samples, parameters),
            Units = parameters.Modality.Units,
            Reflected = reflect,
            Range = range,
        };
    }

    private static float[] Kept(ReadOnlySpan<float> values, ReadOnlySpan<bool> padding)
    {
        int count = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if ((padding.IsEmpty || !padding[i]) && float.IsFinite(values[i]))
            {
                count++;
            }
        }

        var kept = new float[count];
        int k = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if ((padding.IsEmpty || !padding[i]) && float.IsFinite(values[i]))
            {
                kept[k++] = values[i];
            }
        }

        return kept;
    }
}
