using PlaoImaging.Analysis.Imaging;

namespace PlaoImaging.Analysis.Inference;

/// <summary>
/// The square crop of one vertebra for a two-stage model's refiner (<c>refiner.crop</c> in the manifest): centred on the
/// mean of the detector's six points, axis u from the posterior to the anterior endplate midpoints, v perpendicular and
/// caudal; crop pixel (i, j) samples image point centre + (j + 0.5 − size/2) × step × u + (i + 0.5 − size/2) × step × v.
/// </summary>
public sealed record CropFrame(ImagePoint Centre, ImagePoint U, ImagePoint V, double Step, int Size)
{
    /// <summary>The image point of crop coordinates (x = column, y = row, pixel centres at integers).</summary>
    public ImagePoint ToImage(double x, double y)
    {
        double a = (x + 0.5 - (Size / 2.0)) * Step;
        double b = (y + 0.5 - (Size / 2.0)) * Step;
        return new ImagePoint(Centre.X + (a * U.X) + (b * V.X), Centre.Y + (a * U.Y) + (b * V.Y));
    }

    /// <summary>The crop coordinates (x = column, y = row) of an image point.</summary>
    public (double X, double Y) ToCrop(ImagePoint point)
    {
        double dx = point.X - Centre.X;
        double dy = point.Y - Centre.Y;
        double a = (dx * U.X) + (dy * U.Y);
        double b = (dx * V.X) + (dy * V.Y);
        return ((a / Step) - 0.5 + (Size / 2.0), (b / Step) - 0.5 + (Size / 2.0));
    }
}

/// <summary>Builds and samples refiner crops as the manifest's <c>refiner.crop</c> says. Pure.</summary>
public static class RefinerCrop
{
    /// <summary>
    /// The crop frame of a vertebra from its six detector points (image px, order sa, sm, sp, ia, im, ip) and the
    /// model's spacing (the row spacing the preprocessing used; null without one).
    /// </summary>
    public static CropFrame Frame(IReadOnlyList<ImagePoint> points, RefinerCropSpec crop, double? spacingMm)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(crop);
        if (points.Count != 6)
        {
            throw new ArgumentException($"a vertebra has six points, found {points.Count}", nameof(points));
        }

        double cx = 0;
        double cy = 0;
        foreach (var p in points)
        {
            cx += p.X;
            cy += p.Y;
        }

        var centre = new ImagePoint(cx / 6, cy / 6);

        // u: posterior → anterior (mean of sp, ip → mean of sa, ia); v ⟂ u with a positive image-y (caudal) component.
        double ux = ((points[0].X + points[3].X) / 2) - ((points[2].X + points[5].X) / 2);
        double uy = ((points[0].Y + points[3].Y) / 2) - ((points[2].Y + points[5].Y) / 2);
        double length = Math.Sqrt((ux * ux) + (uy * uy));
        if (!(length > 0) || !double.IsFinite(length))
        {
            (ux, uy, length) = (1, 0, 1); // degenerate points: image axes
        }

        ux /= length;
        uy /= length;
        double vx = -uy;
        double vy = ux;
        if (vy < 0)
        {
            vx = -vx;
            vy = -vy;
        }

        double side = spacingMm is { } mm && mm > 0
            ? crop.SizeMm / mm
            : crop.SizeMm * (crop.SizePxWithoutSpacing ?? crop.SizePx) / crop.SizePx;
        return new CropFrame(centre, new ImagePoint(ux, uy), new ImagePoint(vx, vy), side / crop.SizePx, crop.SizePx);
    }

    /// <summary>
    /// Writes the crop (size × size, row-major) into <paramref name="destination"/>: bilinear samples of the display-polarity
    /// image (<paramref name="intensity"/>, pixel centres at integers, outside the image 0), normalised.
    /// </summary>
    public static void Sample(SpineImage image, IntensityMapping intensity, CropFrame frame, NormalisationSpec normalisation, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(intensity);
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(normalisation);
        int size = frame.Size;
        if (destination.Length < size * size)
        {
            throw new ArgumentException($"the destination holds {destination.Length} values; the crop needs {size * size}", nameof(destination));
        }

        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                var q = frame.ToImage(j, i);
                destination[(i * size) + j] = (float)normalisation.Apply(Bilinear(image, intensity, q.X, q.Y));
            }
        }
    }

    /// <summary>Bilinear interpolation of the display-polarity image at (x, y); neighbours outside the image count as 0.</summary>
    public static double Bilinear(SpineImage image, IntensityMapping intensity, double x, double y)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(intensity);
        if (!double.IsFinite(x) || !double.IsFinite(y) || x <= -1 || y <= -1 || x >= image.Columns || y >= image.Rows)
        {
            return 0;
        }

        int x0 = (int)Math.Floor(x);
        int y0 = (int)Math.Floor(y);
        double fx = x - x0;
        double fy = y - y0;
        return ((1 - fy) * (((1 - fx) * At(image, intensity, y0, x0)) + (fx * At(image, intensity, y0, x0 + 1))))
            + (fy * (((1 - fx) * At(image, intensity, y0 + 1, x0)) + (fx * At(image, intensity, y0 + 1, x0 + 1))));
    }

    private static double At(SpineImage image, IntensityMapping intensity, int row, int column) =>
        row >= 0 && row < image.Rows && column >= 0 && column < image.Columns
            ? intensity.Apply(image.Values[(row * image.Columns) + column])
            : 0;
}
