using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis.Imaging;

/// <summary>A point in detector-input (model grid) pixels: x = column, y = row, pixel centres at integers.</summary>
public readonly record struct ModelPoint(double X, double Y);

/// <summary>Where the intensity window of an image came from (<c>preprocessing.intensity</c>).</summary>
public enum IntensitySource
{
    /// <summary>The image's first Window Center / Width pair.</summary>
    Window,

    /// <summary>No usable window: the fallback percentiles of every value of the frame.</summary>
    Percentiles,
}

/// <summary>
/// The intensity rule of one image: y = clip((v − <see cref="Lower"/>) / <see cref="Divisor"/>, 0, 1), then 1 − y when
/// <see cref="Inverted"/>. For a window, Lower = c − 0.5 − (w − 1) / 2 and Divisor = max(w − 1, min_divisor); for the
/// fallback, Lower = lo and Divisor = max(hi − lo, min_range).
/// </summary>
public sealed record IntensityMapping(
    IntensitySource Source,
    double Lower,
    double Divisor,
    bool Inverted)
{
    /// <summary>The window used (Source = Window).</summary>
    public double? WindowCenter { get; init; }

    /// <summary>The window used (Source = Window).</summary>
    public double? WindowWidth { get; init; }

    /// <summary>The lower percentile's value lo (Source = Percentiles).</summary>
    public double? PercentileLow { get; init; }

    /// <summary>The upper percentile's value hi (Source = Percentiles).</summary>
    public double? PercentileHigh { get; init; }

    /// <summary>The display-polarity value in [0, 1] of one modality value.</summary>
    public double Apply(double value)
    {
        double y;
        if (Divisor > 0)
        {
            y = Math.Clamp((value - Lower) / Divisor, 0.0, 1.0);
        }
        else
        {
            y = value > Lower ? 1.0 : 0.0;
        }

        return Inverted ? 1.0 - y : y;
    }
}

/// <summary>
/// How one image was put on the detector grid: the scale s, the resampled size out_h × out_w at the top-left corner,
/// the per-axis scales s_y = out_h / rows and s_x = out_w / cols that map coordinates, the spacing used and the
/// intensity rule. <see cref="ToModel"/> and <see cref="ToImage"/> convert pixel-centre coordinates.
/// </summary>
public sealed record ModelInputGeometry(
    int Rows,
    int Columns,
    double Scale,
    int OutHeight,
    int OutWidth,
    double ScaleY,
    double ScaleX,
    string? SpacingAttribute,
    double? SpacingMm,
    IntensityMapping Intensity)
{
    /// <summary>x_model = (x_image + 0.5) × s_x − 0.5, y likewise.</summary>
    public ModelPoint ToModel(ImagePoint point) => new(((point.X + 0.5) * ScaleX) - 0.5, ((point.Y + 0.5) * ScaleY) - 0.5);

    /// <summary>x_image = (x_model + 0.5) / s_x − 0.5, y likewise.</summary>
    public ImagePoint ToImage(ModelPoint point) => new(((point.X + 0.5) / ScaleX) - 0.5, ((point.Y + 0.5) / ScaleY) - 0.5);
}
