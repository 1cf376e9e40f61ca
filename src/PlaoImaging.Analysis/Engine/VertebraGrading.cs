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
