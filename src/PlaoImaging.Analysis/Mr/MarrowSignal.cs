using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis.Mr;

/// <summary>The signal inside one vertebral body: mean and median of the modality values of the pixels sampled.</summary>
public sealed record MarrowMeasurement(double Mean, double Median, int PixelCount);

/// <summary>
/// Marrow signal inside a vertebral body on an MR frame. The body polygon runs through the six morphometry points
/// (sa, sm, sp, ip, im, ia) and is shrunk toward its centroid (by 15 % by default) so that the cortex, the endplates and
/// partial volume with the discs stay out. Pure.
/// </summary>
public static class MarrowSignal
{
    /// <summary>Default shrink of the polygon toward its centroid (a fraction of each vertex's distance).</summary>
    public const double DefaultShrink = 0.15;

    /// <summary>Fewest pixels a measurement needs; fewer (a body only a few pixels tall) gives null.</summary>
    public const int MinimumPixels = 8;

    /// <summary>
    /// The mean and median inside the shrunk body polygon; null when fewer than <see cref="MinimumPixels"/> finite pixels
    /// fall inside it. <paramref name="points"/> are the six points in model order (sa, sm, sp, ia, im, ip), in pixels
    /// (x = column, y = row, pixel centres at integers).
    /// </summary>
    public static MarrowMeasurement? Measure(SpineImage image, IReadOnlyList<ImagePoint> points, double shrink = DefaultShrink)
    {
        ArgumentNullException.ThrowIfNull(image);
        var polygon = BodyPolygon(points, shrink);
        double minX = polygon.Min(p => p.X);
        double maxX = polygon.Max(p => p.X);
        double minY = polygon.Min(p => p.Y);
        double maxY = polygon.Max(p => p.Y);
        if (!double.IsFinite(minX + maxX + minY + maxY))
        {
            return null;
        }

        int c0 = Math.Max(0, (int)Math.Ceiling(minX));
        int c1 = Math.Min(image.Columns - 1, (int)Math.Floor(maxX));
        int r0 = Math.Max(0, (int)Math.Ceiling(minY));
        int r1 = Math.Min(image.Rows - 1, (int)Math.Floor(maxY));
        var inside = new List<float>();
        for (int row = r0; row <= r1; row++)
        {
            for (int column = c0; column <= c1; column++)
            {
                if (Contains(polygon, column, row))
                {
                    float value = image.Values[(row * image.Columns) + column];
                    if (float.IsFinite(value))
                    {
                        inside.Add(value);
                    }
                }
            }
        }

        if (inside.Count < MinimumPixels)
        {
            return null;
        }

        double mean = inside.Average(v => (double)v);
        inside.Sort();
        int half = inside.Count / 2;
        double median = inside.Count % 2 == 1 ? inside[half] : (inside[half - 1] + (double)inside[half]) / 2;
        return new MarrowMeasurement(mean, median, inside.Count);
    }

    /// <summary>
    /// The body outline sa, sm, sp, ip, im, ia from the six points in model order (sa, sm, sp, ia, im, ip), each vertex
    /// moved toward the polygon's area centroid by <paramref name="shrink"/> of its distance.
    /// </summary>
    public static IReadOnlyList<ImagePoint> BodyPolygon(IReadOnlyList<ImagePoint> points, double shrink = DefaultShrink)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count != 6)
        {
            throw new ArgumentException($"Six points (sa, sm, sp, ia, im, ip) are needed, not {points.Count}.", nameof(points));
        }

        if (!(shrink >= 0 && shrink < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(shrink), shrink, "The shrink is a fraction in [0, 1).");
        }

        ImagePoint[] outline = [points[0], points[1], points[2], points[5], points[4], points[3]];
        var (cx, cy) = Centroid(outline);
        var shrunk = new ImagePoint[outline.Length];
        for (int i = 0; i < outline.Length; i++)
        {
            shrunk[i] = new ImagePoint(cx + ((1 - shrink) * (outline[i].X - cx)), cy + ((1 - shrink) * (outline[i].Y - cy)));
        }

        return shrunk;
    }

    /// <summary>The area centroid (shoelace); the vertex mean when the polygon has no area.</summary>
    private static (double X, double Y) Centroid(ImagePoint[] polygon)
    {
        double area = 0;
        double x = 0;
        double y = 0;
        for (int i = 0; i < polygon.Length; i++)
        {
            var a = polygon[i];
            var b = polygon[(i + 1) % polygon.Length];
            double cross = (a.X * b.Y) - (b.X * a.Y);
            area += cross;
            x += (a.X + b.X) * cross;
            y += (a.Y + b.Y) * cross;
        }

        if (Math.Abs(area) < 1e-9)
        {
            return (polygon.Average(p => p.X), polygon.Average(p => p.Y));
        }

        return (x / (3 * area), y / (3 * area));
    }

    /// <summary>Even-odd rule: whether the pixel centre (x, y) lies inside the polygon.</summary>
    private static bool Contains(IReadOnlyList<ImagePoint> polygon, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = polygon.Count - 1; i < polygon.Count; j = i++)
        {
            var a = polygon[i];
            var b = polygon[j];
            if ((a.Y > y) != (b.Y > y) && x < (((b.X - a.X) * (y - a.Y)) / (b.Y - a.Y)) + a.X)
            {
                inside = !inside;
            }
        }

        return inside;
    }
}
