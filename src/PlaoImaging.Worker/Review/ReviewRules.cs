using System.Globalization;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Morphometry;
using PlaoImaging.Analysis.Results;

namespace PlaoImaging.Worker.Review;

/// <summary>
/// The review's own logic, pure: the levels a review starts with, grading edited points by the engine's rule
/// (<see cref="VertebraGrading.Regrade"/>), the summary and differences, and the corrected result a signature reports.
/// </summary>
public static class ReviewRules
{
    /// <summary>Points closer than this (pixels) to the model's are the model's: sending them back undoes a drag.</summary>
    public const double SamePointTolerance = 1e-6;

    /// <summary>The measured images of a result: measured, without error, with vertebrae.</summary>
    public static ImageResult? ImageOf(StudyResult result, string sopInstanceUid, int frame)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Images.FirstOrDefault(i => i.Measured && i.Error is null
            && string.Equals(i.Source.SopInstanceUid, sopInstanceUid, StringComparison.Ordinal) && i.Source.Frame == frame);
    }

    /// <summary>
    /// One level per row of the result's levels, on the image that row names: the radiograph's, or the MR's where the MR
    /// grade is the higher (the grade that counts for the study). A level measured on both keeps one review level.
    /// </summary>
    public static List<ReviewLevel> Start(StudyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var levels = new List<ReviewLevel>();
        foreach (var row in result.Levels)
        {
            bool radiograph = row.Radiograph is not null && (row.Mr is null || row.Radiograph.GenantGrade >= row.Mr.GenantGrade);
            (string sop, int frame) = radiograph ? (row.Radiograph!.SopInstanceUid, row.Radiograph.Frame) : (row.Mr!.SopInstanceUid, row.Mr.Frame);
            var image = ImageOf(result, sop, frame);
            var vertebra = image?.Vertebrae.FirstOrDefault(v => string.Equals(v.Level, row.Level, StringComparison.Ordinal));
            if (vertebra is null)
            {
                continue;
            }

            levels.Add(new ReviewLevel
            {
                Level = row.Level,
                SopInstanceUid = sop,
                Frame = frame,
                Origin = ReviewWords.Model,
                Decision = ReviewWords.Undecided,
                Points = Copy(vertebra.Points),
                ModelPoints = Copy(vertebra.Points),
                Heights = vertebra.Heights,
                Ratios = vertebra.Ratios,
                Grade = vertebra.GenantGrade,
                Deformity = vertebra.Deformity,
                ModelGrade = vertebra.GenantGrade,
                ModelDeformity = vertebra.Deformity,
                Confidence = vertebra.Score,
                Acute = row.Mr is null ? null : row.Acute,
            });
        }

        return levels;
    }

    /// <summary>Why a set of points is not six finite points with the model's names; null when it is.</summary>
    public static string? CheckPoints(IReadOnlyDictionary<string, double[]>? points, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var names = manifest.OutputDecoding.PointNames;
        if (points is null)
        {
            return $"points are required: {string.Join(", ", names)}";
        }

        if (points.Count != names.Count || names.Any(n => !points.TryGetValue(n, out var p) || p is not { Length: 2 } || !double.IsFinite(p[0]) || !double.IsFinite(p[1])))
        {
            return $"points must be exactly {string.Join(", ", names)}, each [x, y] in image pixels";
        }

        return null;
    }

    /// <summary>Whether two sets of points are the same within <see cref="SamePointTolerance"/>.</summary>
    public static bool Same(IReadOnlyDictionary<string, double[]> a, IReadOnlyDictionary<string, double[]>? b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return b is not null && a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var q) && q.Length == p.Value.Length
            && p.Value.Zip(q).All(x => Math.Abs(x.First - x.Second) <= SamePointTolerance));
    }

    /// <summary>
    /// Grades every vertebra of one image again: the review's levels on it with their current points, the image's other
    /// vertebrae (levels not reviewed there) with the model's. All of them, because a vertebra's crush reduction depends
    /// on its neighbours' posterior heights: moving one level may change the numbers of the levels next to it.
    /// </summary>
    public static List<ReviewLevel> Regrade(ModelManifest manifest, StudyResult result, IReadOnlyList<ReviewLevel> levels, string sopInstanceUid, int frame)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var image = ImageOf(result, sopInstanceUid, frame) ?? throw new ArgumentException($"{sopInstanceUid} frame {frame} is not a measured image of the result", nameof(sopInstanceUid));
        var morphometry = Grade(manifest, image, levels, null);
        return [.. levels.Select(l => OnImage(l, sopInstanceUid, frame) && morphometry.TryGetValue(l.Level, out var m) ? WithNumbers(l, m) : l)];
    }

    /// <summary>What the rule gives for one level's points on its image, the image's other vertebrae as they stand in the review.</summary>
    public static VertebraMorphometry Preview(ModelManifest manifest, StudyResult result, IReadOnlyList<ReviewLevel> levels, string level, string sopInstanceUid, int frame, IReadOnlyDictionary<string, double[]> points)
    {
        var image = ImageOf(result, sopInstanceUid, frame) ?? throw new ArgumentException($"{sopInstanceUid} frame {frame} is not a measured image of the result", nameof(sopInstanceUid));
        return Grade(manifest, image, levels, (level, points))[level];
    }

    /// <summary>The level with the numbers of a morphometry.</summary>
    public static ReviewLevel WithNumbers(ReviewLevel level, VertebraMorphometry m)
    {
        ArgumentNullException.ThrowIfNull(level);
        ArgumentNullException.ThrowIfNull(m);
        return level with
        {
            Heights = HeightsOf(m),
            Ratios = new Ratios(m.AnteriorPosteriorRatio, m.MiddlePosteriorRatio, m.PosteriorNeighbourRatio),
            Grade = m.Grade,
            Deformity = GenantGrader.NameOf(m.Deformity),
        };
    }

    public static Heights HeightsOf(VertebraMorphometry m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new Heights(m.Heights.Anterior, m.Heights.Middle, m.Heights.Posterior, m.Heights.InMillimetres ? "mm" : "px");
    }

    /// <summary>The grade a level counts with in the reader's summary: a rejected level is not fractured (grade 0).</summary>
    public static int CountedGrade(ReviewLevel level)
    {
        ArgumentNullException.ThrowIfNull(level);
        return level.Decision == ReviewWords.Rejected ? 0 : level.Grade;
    }

    /// <summary>Fracture count, highest grade and SDI (<see cref="SpineSummary.Of"/>) of the reader's levels; rejected levels count as grade 0.</summary>
    public static ReviewSummary Summary(IReadOnlyList<ReviewLevel> levels, IReadOnlyList<string> levelOrder)
    {
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Count == 0)
        {
            return new ReviewSummary(0, 0, null);
        }

        var summary = SpineSummary.Of(levels.Select(l => (l.Level, CountedGrade(l))), levelOrder);
        return new ReviewSummary(summary.FracturedVertebrae, summary.WorstGrade, summary.SpinalDeformityIndex.Value);
    }

    /// <summary>The reader's levels against the model's result, in words, cranial first.</summary>
    public static List<string> Differences(IReadOnlyList<ReviewLevel> levels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var lines = new List<string>();
        foreach (var l in levels)
        {
            string g = l.Grade.ToString(CultureInfo.InvariantCulture);
            string? line = l.Decision switch
            {
                _ when l.Origin == ReviewWords.Reader => $"{l.Level}: added by the reader, grade {g} ({l.Deformity})",
                ReviewWords.Rejected => $"{l.Level}: rejected (reason: {l.Reason}); counted as not fractured, grade 0",
                ReviewWords.Modified when l.Grade != l.ModelGrade => $"{l.Level}: grade {l.ModelGrade} → {g} (modified)",
                ReviewWords.Modified => $"{l.Level}: points moved, grade {g} unchanged (modified)",
                _ when l.ModelGrade is { } mg && mg != l.Grade => $"{l.Level}: grade {mg} → {g} ({l.Decision}; a neighbour's points moved)",
                _ => null,
            };
            if (line is not null)
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    /// <summary>
    /// The model's result with the reader's levels: each reviewed vertebra carries the reader's points, heights, ratios,
    /// grade and deformity; a rejected one grade 0 and no deformity (not fractured, as the summary counts it); a level the
    /// reader added is a vertebra of its image. The other vertebrae of each image are graded again with the corrected
    /// ones (crush neighbours); levels, summary and flags are derived again (a signed review resolves the flags).
    /// </summary>
    public static StudyResult Corrected(ModelManifest manifest, StudyResult result, IReadOnlyList<ReviewLevel> levels)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(levels);
        var images = new List<ImageResult>(result.Images.Count);
        foreach (var image in result.Images)
        {
            var reviewed = levels.Where(l => OnImage(l, image.Source.SopInstanceUid, image.Source.Frame)).ToDictionary(l => l.Level, StringComparer.Ordinal);
            if (reviewed.Count == 0 || !image.Measured || image.Error is not null)
            {
                images.Add(image);
                continue;
            }

            var morphometry = Grade(manifest, image, levels, null);
            var vertebrae = new List<VertebraResult>();
            foreach (var v in image.Vertebrae)
            {
                var m = morphometry[v.Level];
                vertebrae.Add(reviewed.TryGetValue(v.Level, out var r)
                    ? Apply(v with { Points = Copy(r.Points) }, m, r.Decision == ReviewWords.Rejected)
                    : Apply(v, m, rejected: false));
            }

            foreach (var added in reviewed.Values.Where(r => r.Origin == ReviewWords.Reader))
            {
                var m = morphometry[added.Level];
                vertebrae.Add(Apply(new VertebraResult
                {
                    Level = added.Level,
                    LevelConfidence = 1.0,
                    Score = 1.0,
                    Points = Copy(added.Points),
                    Heights = HeightsOf(m),
                    Ratios = added.Ratios,
                    Reductions = new Reductions(0, 0, 0, false),
                    GenantGrade = 0,
                    Deformity = "none",
                }, m, rejected: false));
            }

            var order = manifest.OutputDecoding.LevelNames;
            images.Add(image with { Vertebrae = [.. vertebrae.OrderBy(v => IndexOf(order, v.Level))] });
        }

        var levelOrder = manifest.OutputDecoding.LevelNames;
        var joined = LevelJoiner.Join(images, levelOrder);
        return result with
        {
            Images = images,
            Levels = joined,
            Summary = StudySummaries.Summarise(joined, levelOrder),
            ReviewFlags = [],
        };
    }

    private static VertebraResult Apply(VertebraResult v, VertebraMorphometry m, bool rejected) => v with
    {
        Heights = HeightsOf(m),
        Ratios = new Ratios(m.AnteriorPosteriorRatio, m.MiddlePosteriorRatio, m.PosteriorNeighbourRatio),
        Reductions = new Reductions(m.Reductions.Wedge, m.Reductions.Biconcave, m.Reductions.Crush, m.Reductions.CrushAssessed),
        GenantGrade = rejected ? 0 : m.Grade,
        Deformity = rejected ? "none" : GenantGrader.NameOf(m.Deformity),
        Graded = m.Graded,

        // The model's uncertainty no longer describes points a reader placed.
        GradeRange = null,
        PointError = null,
    };

    private static bool OnImage(ReviewLevel level, string sopInstanceUid, int frame) =>
        string.Equals(level.SopInstanceUid, sopInstanceUid, StringComparison.Ordinal) && level.Frame == frame;

    /// <summary>The rule's numbers for every vertebra of an image: the review's points where it has them (and the override), else the model's.</summary>
    private static Dictionary<string, VertebraMorphometry> Grade(
        ModelManifest manifest, ImageResult image, IReadOnlyList<ReviewLevel> levels, (string Level, IReadOnlyDictionary<string, double[]> Points)? replace)
    {
        var points = new Dictionary<string, IReadOnlyDictionary<string, double[]>>(StringComparer.Ordinal);
        foreach (var v in image.Vertebrae)
        {
            points[v.Level] = v.Points;
        }

        foreach (var l in levels.Where(l => OnImage(l, image.Source.SopInstanceUid, image.Source.Frame)))
        {
            points[l.Level] = l.Points;
        }

        if (replace is { } r)
        {
            points[r.Level] = r.Points;
        }

        return VertebraGrading.Regrade(manifest, image.Spacing, [.. points]).ToDictionary(m => m.Level, StringComparer.Ordinal);
    }

    private static int IndexOf(IReadOnlyList<string> order, string level)
    {
        for (int i = 0; i < order.Count; i++)
        {
            if (string.Equals(order[i], level, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static Dictionary<string, double[]> Copy(IReadOnlyDictionary<string, double[]> points) =>
        points.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
}
