using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis.Morphometry;

/// <summary>Millimetres per pixel for measurements: between rows (y) and between columns (x).</summary>
public readonly record struct MeasurementSpacing(double RowMm, double ColumnMm)
{
    /// <summary>
    /// The manifest's rule (<c>grading.heights</c>): the row spacing the preprocessing chose (<c>preprocessing.spacing</c>)
    /// on both axes; null when the image has none.
    /// </summary>
    public static MeasurementSpacing? FromModelSpacing(double? rowSpacingMm) =>
        rowSpacingMm is { } mm && mm > 0 && double.IsFinite(mm) ? new MeasurementSpacing(mm, mm) : null;
}

/// <summary>The kind of a vertebral deformity (Genant); <see cref="None"/> for grade 0.</summary>
public enum Deformity
{
    None,
    Wedge,
    Biconcave,
    Crush,
}

/// <summary>Anterior, middle and posterior heights; in mm when <see cref="InMillimetres"/>, else in pixels.</summary>
public sealed record VertebraHeights(double Anterior, double Middle, double Posterior, bool InMillimetres);

/// <summary>The three reductions of <c>plao-genant-1</c>; crush is 0 when it could not be assessed.</summary>
public sealed record HeightReductions(double Wedge, double Biconcave, double Crush, bool CrushAssessed);

/// <summary>
/// One vertebra measured and graded: heights, ratios (Ha/Hp, Hm/Hp, Hp against the mean Hp of its reference neighbours,
/// null without one), reductions, the level whose normal ratios applied, the Genant grade and deformity kind, and
/// whether the level is graded at all (ungraded levels such as S1 are measured, grade 0, <see cref="Deformity.None"/>).
/// </summary>
public sealed record VertebraMorphometry(
    string Level,
    VertebraHeights Heights,
    double AnteriorPosteriorRatio,
    double MiddlePosteriorRatio,
    double? PosteriorNeighbourRatio,
    HeightReductions Reductions,
    string ReferenceLevel,
    int Grade,
    Deformity Deformity,
    bool Graded);

/// <summary>One vertebra to grade: its level name and six points (sa, sm, sp, ia, im, ip) in image pixels.</summary>
public sealed record VertebraPoints(string Level, IReadOnlyList<ImagePoint> Points);

/// <summary>
/// Heights, reductions and Genant grade by the manifest's <c>grading</c> section, rule <c>plao-genant-1</c>
/// (models/MANIFEST.md; reference: training/plaomodel/genant.py): wedge = 1 − (ha/hp)/ha_hp(level), biconcave =
/// 1 − (hm/hp)/hm_hp(level) (0 when hp = 0; a level without its own ratios takes the nearest level that has them,
/// equidistant: the cranial one), crush = 1 − hp / mean hp of the neighbours just above and below in the list that are
/// graded levels with wedge and biconcave both grade 0 (none, or mean 0: not assessed, 0). The largest reduction decides
/// the grade by the thresholds (highest passed, inclusivity as given), ties named in <c>kind_ties</c> order. Pure.
/// </summary>
public sealed class GenantGrader
{
    private readonly Dictionary<string, int> levelIndex;
    private readonly Dictionary<string, string> referenceLevel;

    public GenantGrader(ModelManifest manifest)
        : this((manifest ?? throw new ArgumentNullException(nameof(manifest))).Grading, manifest.OutputDecoding.LevelNames)
    {
    }

    public GenantGrader(GradingSpec grading, IReadOnlyList<string> levelNames)
    {
        ArgumentNullException.ThrowIfNull(grading);
        ArgumentNullException.ThrowIfNull(levelNames);
        if (grading.Rule != GradingSpec.GenantRule)
        {
            throw new ModelManifestException("grading.rule", $"\"{grading.Rule}\" is not implemented (this engine grades by \"{GradingSpec.GenantRule}\")");
        }

        Grading = grading;
        LevelNames = levelNames;
        levelIndex = levelNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        referenceLevel = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string level in levelNames)
        {
            referenceLevel[level] = NearestReference(level);
        }
    }

    public GradingSpec Grading { get; }

    public IReadOnlyList<string> LevelNames { get; }

    /// <summary>ha = |sa − ia|, hm = |sm − im|, hp = |sp − ip|; points scaled by the spacing first (mm), else pixels.</summary>
    public static VertebraHeights Heights(IReadOnlyList<ImagePoint> points, MeasurementSpacing? spacing)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count != 6)
        {
            throw new ArgumentException($"a vertebra has six points (sa, sm, sp, ia, im, ip), found {points.Count}", nameof(points));
        }

        double sx = spacing?.ColumnMm ?? 1.0;
        double sy = spacing?.RowMm ?? 1.0;
        return new VertebraHeights(Distance(points[0], points[3], sx, sy), Distance(points[1], points[4], sx, sy), Distance(points[2], points[5], sx, sy), spacing is not null);
    }

    /// <summary>The Genant grade of one reduction: the highest grade whose threshold it passes, else 0.</summary>
    public int GradeOf(double reduction)
    {
        int grade = 0;
        foreach (var threshold in Grading.Thresholds)
        {
            if (threshold.IsPassedBy(reduction))
            {
                grade = threshold.Grade;
            }
        }

        return grade;
    }

    /// <summary>Whether a level is graded (not in <c>ungraded_levels</c>).</summary>
    public bool IsGraded(string level) => !Grading.UngradedLevels.Contains(level, StringComparer.Ordinal);

    /// <summary>The level whose normal ratios apply to <paramref name="level"/>: itself, else the nearest with ratios (ties: cranial).</summary>
    public string ReferenceLevelOf(string level) =>
        referenceLevel.TryGetValue(level, out string? reference)
            ? reference
            : throw new ArgumentException($"\"{level}\" is not one of the model's levels", nameof(level));

    /// <summary>The normal ratios that apply to <paramref name="level"/>.</summary>
    public ReferenceRatios ReferenceFor(string level) => Grading.ReferenceLevels[ReferenceLevelOf(level)];

    /// <summary>(wedge, biconcave) of one vertebra against its level's normal ratios; (0, 0) when hp ≤ 0.</summary>
    public (double Wedge, double Biconcave) ShapeReductions(string level, VertebraHeights heights)
    {
        ArgumentNullException.ThrowIfNull(heights);
        if (!(heights.Posterior > 0))
        {
            return (0.0, 0.0);
        }

        var reference = ReferenceFor(level);
        return (1.0 - (heights.Anterior / heights.Posterior / reference.AnteriorPosterior),
            1.0 - (heights.Middle / heights.Posterior / reference.MiddlePosterior));
    }

    /// <summary>Measures and grades the vertebrae of one image, cranial first (the order decides the crush neighbours).</summary>
    public IReadOnlyList<VertebraMorphometry> Grade(IReadOnlyList<VertebraPoints> vertebrae, MeasurementSpacing? spacing)
    {
        ArgumentNullException.ThrowIfNull(vertebrae);
        int n = vertebrae.Count;
        var heights = new VertebraHeights[n];
        var shape = new (double Wedge, double Biconcave)[n];
        for (int i = 0; i < n; i++)
        {
            ArgumentNullException.ThrowIfNull(vertebrae[i], $"{nameof(vertebrae)}[{i}]");
            heights[i] = Heights(vertebrae[i].Points, spacing);
            shape[i] = ShapeReductions(vertebrae[i].Level, heights[i]);
        }

        var result = new List<VertebraMorphometry>(n);
        for (int i = 0; i < n; i++)
        {
            string level = vertebrae[i].Level;
            var h = heights[i];
            double referenceSum = 0;
            int referenceCount = 0;
            foreach (int j in (ReadOnlySpan<int>)[i - 1, i + 1])
            {
                if (j >= 0 && j < n && IsGraded(vertebrae[j].Level) && GradeOf(shape[j].Wedge) == 0 && GradeOf(shape[j].Biconcave) == 0)
                {
                    referenceSum += heights[j].Posterior;
                    referenceCount++;
                }
            }

            double hpReference = referenceCount > 0 ? referenceSum / referenceCount : 0.0;
            bool crushAssessed = hpReference > 0;
            double crush = crushAssessed ? 1.0 - (h.Posterior / hpReference) : 0.0;
            var reductions = new HeightReductions(shape[i].Wedge, shape[i].Biconcave, crush, crushAssessed);

            var kind = Deformity.None;
            double largest = double.NegativeInfinity;
            foreach (string name in Grading.KindTies)
            {
                double r = name switch
                {
                    "wedge" => reductions.Wedge,
                    "biconcave" => reductions.Biconcave,
                    _ => reductions.Crush,
                };
                if (kind == Deformity.None || r > largest)
                {
                    kind = KindOf(name);
                    largest = r;
                }
            }

            bool graded = IsGraded(level);
            int grade = graded ? GradeOf(largest) : 0;
            result.Add(new VertebraMorphometry(
                level,
                h,
                h.Posterior > 0 ? h.Anterior / h.Posterior : 0.0,
                h.Posterior > 0 ? h.Middle / h.Posterior : 0.0,
                crushAssessed ? h.Posterior / hpReference : null,
                reductions,
                ReferenceLevelOf(level),
                grade,
                grade > 0 ? kind : Deformity.None,
                graded));
        }

        return result;
    }

    /// <summary>The manifest's name of a deformity kind (<c>none</c>, <c>wedge</c>, <c>biconcave</c>, <c>crush</c>).</summary>
    public static string NameOf(Deformity deformity) => deformity switch
    {
        Deformity.Wedge => "wedge",
        Deformity.Biconcave => "biconcave",
        Deformity.Crush => "crush",
        _ => "none",
    };

    private static Deformity KindOf(string name) => name switch
    {
        "wedge" => Deformity.Wedge,
        "biconcave" => Deformity.Biconcave,
        "crush" => Deformity.Crush,
        _ => throw new ModelManifestException("grading.kind_ties", $"unknown kind \"{name}\""),
    };

    private static double Distance(ImagePoint a, ImagePoint b, double sx, double sy)
    {
        // as the reference: the points are scaled first, then subtracted (numpy: p * spacing, norm(p[0] − p[3]))
        double dx = (a.X * sx) - (b.X * sx);
        double dy = (a.Y * sy) - (b.Y * sy);
        return Math.Sqrt((dx * dx) + (dy * dy));
    }

    private string NearestReference(string level)
    {
        if (Grading.ReferenceLevels.ContainsKey(level))
        {
            return level;
        }

        int i = levelIndex[level];
        string? best = null;
        int bestDistance = int.MaxValue;
        int bestIndex = int.MaxValue;
        foreach (string candidate in Grading.ReferenceLevels.Keys)
        {
            int j = levelIndex.TryGetValue(candidate, out int index) ? index : throw new ModelManifestException($"grading.reference.levels.{candidate}", "is not one of output_decoding.levels.names");
            int distance = Math.Abs(j - i);
            if (distance < bestDistance || (distance == bestDistance && j < bestIndex))
            {
                (best, bestDistance, bestIndex) = (candidate, distance, j);
            }
        }

        return best ?? throw new ModelManifestException("grading.reference.levels", "gives no level");
    }
}
