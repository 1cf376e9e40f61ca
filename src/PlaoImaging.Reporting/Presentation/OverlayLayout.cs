using System.Globalization;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom.PresentationState;

namespace PlaoImaging.Reporting.Presentation;

/// <summary>A straight line of the overlay.</summary>
public readonly record struct OverlayLine(GraphicPoint From, GraphicPoint To)
{
    public GraphicPoint Midpoint => new((From.Column + To.Column) / 2, (From.Row + To.Row) / 2);
}

/// <summary>A line of text in a box (the box's top left and bottom right corners).</summary>
public sealed record OverlayText(string Text, GraphicPoint TopLeft, GraphicPoint BottomRight, GraphicPoint? Anchor = null);

/// <summary>What is drawn for one vertebra: the anterior, middle and posterior height lines, the six points and the label.</summary>
public sealed record VertebraOverlay(
    string Level,
    int Grade,
    bool Graded,
    IReadOnlyList<OverlayLine> HeightLines,
    IReadOnlyList<GraphicPoint> Landmarks,
    IReadOnlyList<OverlayText> Labels);

/// <summary>
/// What is drawn on one analysed image, in presentation-state pixel space (origin at the top left corner of the
/// first pixel: the engine's point (x, y), with pixel centres at integers, is drawn at (x + 0.5, y + 0.5)).
/// </summary>
public sealed record ImageOverlay(
    ImageResult Image,
    IReadOnlyList<VertebraOverlay> Vertebrae,
    IReadOnlyList<OverlayText> Banner,
    double TextHeight);

/// <summary>
/// Lays out the overlay of an analysed image once, so that the presentation state and the secondary capture show
/// the same lines, points and words.
/// </summary>
public static class OverlayLayout
{
    /// <summary>The order the engine's six points are kept in: superior then inferior endplate, anterior, middle, posterior.</summary>
    public static readonly IReadOnlyList<string> PointNames = ["sa", "sm", "sp", "ia", "im", "ip"];

    /// <summary>The overlay of one image of a result.</summary>
    public static ImageOverlay For(StudyResult result, ImageResult image, PresentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(image);
        options ??= new PresentationOptions();
        if (image.Rows <= 0 || image.Columns <= 0)
        {
            throw new ArgumentException($"Image {image.Source.SopInstanceUid} has no size ({image.Rows} x {image.Columns}).", nameof(image));
        }

        double textHeight = Math.Max(10, Math.Round(image.Rows / 60.0));
        bool pixels = image.Spacing?.RowMm is null || image.Spacing?.ColumnMm is null;
        var vertebrae = image.Vertebrae.Select(v => Vertebra(image, v, textHeight)).ToList();

        var banner = new List<string>
        {
            $"{result.Model.Id} {result.Model.Version}",
            options.Disclaimer,
        };
        if (pixels)
        {
            banner.Add("No pixel spacing: heights in pixels");
        }

        double margin = Math.Max(2, Math.Round(image.Columns / 100.0));
        var lines = new List<OverlayText>();
        for (int i = 0; i < banner.Count; i++)
        {
            double top = margin + (i * textHeight * 1.2);
            double width = Math.Min(image.Columns - (2 * margin), TextWidth(banner[i], textHeight));
            lines.Add(new OverlayText(banner[i], new GraphicPoint(margin, top), new GraphicPoint(margin + width, top + textHeight)));
        }

        return new ImageOverlay(image, vertebrae, lines, textHeight);
    }

    /// <summary>The label of a vertebra, e.g. "L1 G2 wedge", "T12 G0", "S1 not graded"; "acute" when MR shows oedema.</summary>
    public static string Label(VertebraResult vertebra)
    {
        ArgumentNullException.ThrowIfNull(vertebra);
        var text = !vertebra.Graded
            ? $"{vertebra.Level} not graded"
            : vertebra.GenantGrade > 0 && vertebra.Deformity != "none"
                ? $"{vertebra.Level} G{vertebra.GenantGrade} {vertebra.Deformity}"
                : $"{vertebra.Level} G{vertebra.GenantGrade}";
        return vertebra.Marrow is { Acute: true } ? text + " acute" : text;
    }

    /// <summary>The heights of a vertebra, e.g. "18.2/20.1/25.0 mm" or "54/53/59 px".</summary>
    public static string HeightsText(Heights heights)
    {
        ArgumentNullException.ThrowIfNull(heights);
        string format = heights.Unit == "mm" ? "0.0" : "0";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{heights.Anterior.ToString(format, CultureInfo.InvariantCulture)}/{heights.Middle.ToString(format, CultureInfo.InvariantCulture)}/{heights.Posterior.ToString(format, CultureInfo.InvariantCulture)} {heights.Unit}");
    }

    /// <summary>An estimate of the width of a line of text in a sans-serif face of the given height.</summary>
    public static double TextWidth(string text, double height) => Math.Ceiling(text.Length * height * 0.62) + 2;

    private static VertebraOverlay Vertebra(ImageResult image, VertebraResult v, double textHeight)
    {
        var p = new Dictionary<string, GraphicPoint>(StringComparer.Ordinal);
        foreach (var name in PointNames)
        {
            if (!v.Points.TryGetValue(name, out var xy) || xy is not { Length: 2 })
            {
                throw new ArgumentException($"Vertebra {v.Level} of image {image.Source.SopInstanceUid} has no point '{name}'.", nameof(image));
            }

            p[name] = GraphicPoint.FromPixelCentre(xy[0], xy[1]);
        }

        OverlayLine[] heights = [new(p["sa"], p["ia"]), new(p["sm"], p["im"]), new(p["sp"], p["ip"])];
        var centre = new GraphicPoint(PointNames.Average(n => p[n].Column), PointNames.Average(n => p[n].Row));

        // The label goes beside the anterior wall, away from the body: left or right as the anterior side lies.
        var anterior = heights[0].Midpoint;
        var posterior = heights[2].Midpoint;
        bool anteriorRight = anterior.Column >= posterior.Column;
        string[] texts = [Label(v), HeightsText(v.Heights)];
        double width = texts.Max(t => TextWidth(t, textHeight));
        double gap = Math.Max(4, Math.Abs(anterior.Column - posterior.Column) * 0.25);
        double edge = anteriorRight
            ? Math.Max(p["sa"].Column, p["ia"].Column) + gap
            : Math.Min(p["sa"].Column, p["ia"].Column) - gap - width;
        double left = Math.Clamp(edge, 0, Math.Max(0, image.Columns - width));
        double top = Math.Clamp(centre.Row - textHeight, 0, Math.Max(0, image.Rows - (2.2 * textHeight)));
        var labels = new List<OverlayText>();
        for (int i = 0; i < texts.Length; i++)
        {
            double rowTop = top + (i * textHeight * 1.2);
            labels.Add(new OverlayText(
                texts[i],
                new GraphicPoint(left, rowTop),
                new GraphicPoint(left + TextWidth(texts[i], textHeight), rowTop + textHeight),
                i == 0 ? centre : null));
        }

        return new VertebraOverlay(v.Level, v.GenantGrade, v.Graded, heights, [.. PointNames.Select(n => p[n])], labels);
    }
}
