using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Morphometry;
using PlaoImaging.Analysis.Results;

namespace PlaoImaging.Analysis.Engine;

/// <summary>
/// The model's vertebrae of one image → measured and graded <see cref="VertebraResult"/>s, by the manifest's grading
/// rule, in the image's calibrated spacing (millimetres with their provenance; pixels when the image has none).
/// </summary>
public static class VertebraGrading
{
    /// <summary>
    /// The default half-width of a grade interval, in multiples of the propagated expected error of a reduction
    /// (our choice; its coverage of the true reductions on held-out phantoms is in the model's evaluation).
    /// </summary>
    public const double DefaultUncertaintyMultiple = 2.0;

    public static IReadOnlyList<VertebraResult> Grade(ModelManifest manifest, SpineImage image, ImageLandmarks landmarks, double uncertaintyMultiple = DefaultUncertaintyMultiple)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(landmarks);
        var grader = new GenantGrader(manifest);
        MeasurementSpacing? spacing = image.Spacing.HasSpacing ? new MeasurementSpacing(image.Spacing.RowMm, image.Spacing.ColumnMm) : null;
        var graded = grader.Grade(landmarks.Vertebrae.Select(v => new VertebraPoints(v.Level, v.Points)).ToList(), spacing);
        var names = manifest.OutputDecoding.PointNames;
        var results = new List<VertebraResult>(graded.Count);
        for (int i = 0; i < graded.Count; i++)
        {
            var found = landmarks.Vertebrae[i];
            var m = graded[i];
            results.Add(new VertebraResult
            {
                Level = found.Level,
                LevelConfidence = found.LevelConfidence,
                Score = found.Score,
                RefinerConfidence = found.RefinerConfidence,
                Points = Enumerable.Range(0, names.Count).ToDictionary(k => names[k], k => new[] { found.Points[k].X, found.Points[k].Y }, StringComparer.Ordinal),
                Heights = new Heights(m.Heights.Anterior, m.Heights.Middle, m.Heights.Posterior, m.Heights.InMillimetres ? "mm" : "px"),
                Ratios = new Ratios(m.AnteriorPosteriorRatio, m.MiddlePosteriorRatio, m.PosteriorNeighbourRatio),
                Reductions = new Reductions(m.Reductions.Wedge, m.Reductions.Biconcave, m.Reductions.Crush, m.Reductions.CrushAssessed),
                GenantGrade = m.Grade,
                Deformity = GenantGrader.NameOf(m.Deformity),
                Graded = m.Graded,
                PointError = found.PointError is { } e ? Enumerable.Range(0, names.Count).ToDictionary(k => names[k], k => e[k], StringComparer.Ordinal) : null,
                GradeRange = found.PointError is { } errors && m.Graded ? RangeOf(grader, m, errors, uncertaintyMultiple) : null,
            });
        }

        return results;
    }

    /// <summary>
    /// Measures and grades the vertebrae of one measured image again from their points (a reader's corrected ones), by
    /// the same rule and code as <see cref="Grade(ModelManifest, SpineImage, ImageLandmarks, double)"/>: points keyed by
    /// the manifest's point names (x = column, y = row, pixels of the measured frame), the spacing the result recorded
    /// for the image (null or without millimetres: heights in pixels). Every vertebra of the image is passed, because
    /// the crush reduction of one depends on its neighbours; they are graded in the manifest's level order (cranial
    /// first), the order the engine lists them in. Pure; the result is in the order graded.
    /// </summary>
    /// <exception cref="ArgumentException">A level is not one of the model's, or a vertebra lacks one of the six points.</exception>
    public static IReadOnlyList<VertebraMorphometry> Regrade(
        ModelManifest manifest, SpacingInfo? spacing, IReadOnlyList<KeyValuePair<string, IReadOnlyDictionary<string, double[]>>> vertebrae)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(vertebrae);
        var levels = manifest.OutputDecoding.LevelNames;
        var names = manifest.OutputDecoding.PointNames;
        var ordered = new List<VertebraPoints>(vertebrae.Count);
        foreach (var (level, points) in vertebrae.OrderBy(v => IndexOf(levels, v.Key)))
        {
            ArgumentNullException.ThrowIfNull(points);
            var list = new List<ImagePoint>(names.Count);
            foreach (string name in names)
            {
                if (!points.TryGetValue(name, out var p) || p is not { Length: 2 } || !double.IsFinite(p[0]) || !double.IsFinite(p[1]))
                {
                    throw new ArgumentException($"{level}: point \"{name}\" is missing or not two finite numbers", nameof(vertebrae));
                }

                list.Add(new ImagePoint(p[0], p[1]));
            }

            ordered.Add(new VertebraPoints(level, list));
        }

        MeasurementSpacing? mm = spacing is { RowMm: { } row, ColumnMm: { } column } ? new MeasurementSpacing(row, column) : null;
        return new GenantGrader(manifest).Grade(ordered, mm);
    }

    private static int IndexOf(IReadOnlyList<string> levels, string level)
    {
        for (int i = 0; i < levels.Count; i++)
        {
            if (string.Equals(levels[i], level, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new ArgumentException($"\"{level}\" is not one of the model's levels", nameof(level));
    }

    /// <summary>
    /// The grades within ± <paramref name="multiple"/> propagated errors of each reduction. Heights take the two
    /// points' errors in quadrature; a ratio the relative errors of both heights; crush only the vertebra's own
    /// posterior height (its neighbours' errors are left out). Points in the manifest's order: sa, sm, sp, ia, im, ip.
    /// </summary>
    public static GradeRange RangeOf(GenantGrader grader, VertebraMorphometry m, IReadOnlyList<double> pointError, double multiple)
    {
        ArgumentNullException.ThrowIfNull(grader);
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(pointError);
        static double Quadrature(double a, double b) => Math.Sqrt((a * a) + (b * b));
        var h = m.Heights;
        double eA = Quadrature(pointError[0], pointError[3]);
        double eM = Quadrature(pointError[1], pointError[4]);
        double eP = Quadrature(pointError[2], pointError[5]);
        var reference = grader.ReferenceFor(m.Level);
        double RatioError(double num, double eNum) =>
            h.Posterior > 0 && num > 0 ? num / h.Posterior * Quadrature(eNum / num, eP / h.Posterior) : double.PositiveInfinity;
        double dWedge = RatioError(h.Anterior, eA) / reference.AnteriorPosterior;
        double dBiconcave = RatioError(h.Middle, eM) / reference.MiddlePosterior;
        var r = m.Reductions;
        double low = Math.Max(r.Wedge - (multiple * dWedge), r.Biconcave - (multiple * dBiconcave));
        double high = Math.Max(r.Wedge + (multiple * dWedge), r.Biconcave + (multiple * dBiconcave));
        double halfWidth = multiple * Math.Max(dWedge, dBiconcave);
        if (r.CrushAssessed && h.Posterior > 0)
        {
            double dCrush = (1 - r.Crush) * eP / h.Posterior;
            low = Math.Max(low, r.Crush - (multiple * dCrush));
            high = Math.Max(high, r.Crush + (multiple * dCrush));
            halfWidth = Math.Max(halfWidth, multiple * dCrush);
        }

        if (!double.IsFinite(halfWidth))
        {
            // A height of zero: nothing can be said about the grade.
            return new GradeRange(0, 3, 1.0);
        }

        return new GradeRange(grader.GradeOf(Math.Max(low, 0)), grader.GradeOf(high), halfWidth);
    }
}

/// <summary>The study figures from the joined levels (<see cref="SpineSummary"/>) in the result's terms.</summary>
public static class StudySummaries
{
    public static StudySummary Summarise(IReadOnlyList<LevelResult> levels, IReadOnlyList<string> levelOrder)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var summary = SpineSummary.Of(levels.Select(l => (l.Level, l.GenantGrade)), levelOrder);
        var sdi = summary.SpinalDeformityIndex;
        return new StudySummary(
            summary.MeasuredLevels,
            summary.FracturedVertebrae,
            summary.WorstGrade,
            new Results.DeformityIndex(sdi.Value, sdi.Partial, sdi.MissingLevels),
            summary.Runs.Select(r => new FractureRun(r.Levels)).ToList(),
            levels.Where(l => l.Acute).Select(l => l.Level).ToList());
    }
}
