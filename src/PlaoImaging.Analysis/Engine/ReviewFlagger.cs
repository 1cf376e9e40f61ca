using System.Globalization;
using PlaoImaging.Analysis.Results;

namespace PlaoImaging.Analysis.Engine;

/// <summary>The thresholds of the review flags; the defaults are the engine's documented choices (see the README).</summary>
public sealed record ReviewFlagOptions
{
    /// <summary>A vertebra whose detection score is below this is flagged <c>low-confidence</c>.</summary>
    public double LowScore { get; init; } = 0.5;

    /// <summary>A vertebra whose level probability is below this is flagged <c>level-uncertain</c>.</summary>
    public double LowLevelConfidence { get; init; } = 0.6;

    /// <summary>A point closer to the image border than this share of the image's smaller side flags <c>vertebra-at-edge</c>.</summary>
    public double EdgeMargin { get; init; } = 0.01;

    /// <summary>The spine's axis (a line fitted through the body centres) further than this from the image's vertical flags <c>tilted</c>.</summary>
    public double TiltDegrees { get; init; } = 30;

    /// <summary>A sagittal MR slice whose normal is further than this from the patient's left-right axis flags <c>oblique-mr</c>.</summary>
    public double ObliqueMrDegrees { get; init; } = 10;

    /// <summary>
    /// A graded vertebra of grade 0 whose largest reduction reaches this flags <c>possible-fracture</c>; null: never.
    /// The engine takes it from the model manifest's <c>review</c> section unless set here.
    /// </summary>
    public double? PossibleFractureMinReduction { get; init; }
}

/// <summary>
/// Review flags: what a radiologist must look at before trusting a result. Pure: computed from the images and levels
/// of a <see cref="StudyResult"/> under construction. Patient rotation on a radiograph (double endplate contours) cannot
/// be seen in six points and is not flagged; an in-plane tilt of the whole spine is.
/// </summary>
public static class ReviewFlagger
{
    private static readonly string[] PointNames = ["sa", "sm", "sp", "ia", "im", "ip"];

    public static IReadOnlyList<ReviewFlag> Flag(
        IReadOnlyList<ImageResult> images,
        IReadOnlyList<LevelResult> levels,
        DeformityIndex deformityIndex,
        IReadOnlyDictionary<string, IReadOnlyList<double>?> mrOrientations,
        IReadOnlyList<string> levelOrder,
        ReviewFlagOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(levelOrder);
        int LevelIndex(string level) => IndexOf(levelOrder, level);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(deformityIndex);
        ArgumentNullException.ThrowIfNull(mrOrientations);
        options ??= new ReviewFlagOptions();
        var flags = new List<ReviewFlag>();
        foreach (var image in images)
        {
            string sop = image.Source.SopInstanceUid;
            if (image.Error is not null)
            {
                flags.Add(new ReviewFlag("image-failed", $"{Describe(image)} could not be measured: {image.Error}") { SopInstanceUid = sop });
                continue;
            }

            if (!image.Measured)
            {
                continue;
            }

            if (image.Vertebrae.Count == 0)
            {
                flags.Add(new ReviewFlag("no-vertebrae", $"no vertebra was found on {Describe(image)}") { SopInstanceUid = sop });
                continue;
            }

            switch (image.Spacing?.Provenance)
            {
                case null or "none":
                    flags.Add(new ReviewFlag("missing-spacing", $"{Describe(image)} has no pixel spacing: heights are in pixels and grades rest on height ratios only") { SopInstanceUid = sop });
                    break;
                case "imager_pixel_spacing_uncorrected":
                    flags.Add(new ReviewFlag("uncalibrated-spacing", $"{Describe(image)}: spacing at the detector, not corrected for magnification: millimetres are overstated (ratios and grades are unaffected)") { SopInstanceUid = sop });
                    break;
                default:
                    break;
            }

            FlagVertebrae(image, options, flags);
            if (image.Kind != "sagittal-mr")
            {
                FlagGaps(image.Vertebrae.Select(v => v.Level), levelOrder, Describe(image), image.Source.SopInstanceUid, flags);
            }

            FlagTilt(image, options, flags);
            if (image.Kind == "sagittal-mr" && mrOrientations.TryGetValue(sop, out var iop) && iop is not null && SliceGeometry.Normal(iop) is { } normal)
            {
                double angle = SliceGeometry.AngleFromLeftRight(normal);
                if (angle > options.ObliqueMrDegrees)
                {
                    flags.Add(new ReviewFlag("oblique-mr", Invariant($"{Describe(image)} is oblique: its normal lies {angle:0.#}° from the left-right axis; heights in the slice may be foreshortened")) { SopInstanceUid = sop });
                }
            }
        }

        // MR: each level is measured on its own chosen slice, so gaps are judged on the union of a series' levels.
        foreach (var series in images.Where(i => i.Kind == "sagittal-mr" && i.Error is null && i.Measured).GroupBy(i => i.Source.SeriesInstanceUid, StringComparer.Ordinal))
        {
            var seriesLevels = series.SelectMany(i => i.Vertebrae.Select(v => v.Level)).Distinct(StringComparer.Ordinal).OrderBy(LevelIndex).ToList();
            FlagGaps(seriesLevels, levelOrder, $"MR series {series.Key}", null, flags);
        }

        if (deformityIndex.Partial && levels.Count > 0)
        {
            flags.Add(new ReviewFlag("partial-field-of-view",
                $"T4–L4 are not all measured (missing {string.Join(", ", deformityIndex.MissingLevels)}): the Spinal Deformity Index is partial and fractures outside the field of view are not assessed"));
        }

        foreach (var level in levels)
        {
            if (level.Radiograph is { } cr && level.Mr is { } mr)
            {
                int lo = Math.Min(cr.GenantGrade, mr.GenantGrade);
                int hi = Math.Max(cr.GenantGrade, mr.GenantGrade);
                if (hi - lo >= 2 || (lo == 0 && hi >= 1))
                {
                    flags.Add(new ReviewFlag("modalities-disagree", $"{level.Level}: radiograph grade {cr.GenantGrade} ({cr.Deformity}), MR grade {mr.GenantGrade} ({mr.Deformity})") { Level = level.Level });
                }
            }
        }

        return flags;
    }

    private static void FlagVertebrae(ImageResult image, ReviewFlagOptions options, List<ReviewFlag> flags)
    {
        double margin = options.EdgeMargin * Math.Min(image.Rows, image.Columns);
        foreach (var v in image.Vertebrae)
        {
            if (v.Score < options.LowScore)
            {
                flags.Add(new ReviewFlag("low-confidence", Invariant($"{v.Level} on {Describe(image)}: detection score {v.Score:0.00} (below {options.LowScore:0.00})")) { Level = v.Level, SopInstanceUid = image.Source.SopInstanceUid });
            }

            if (v.LevelConfidence < options.LowLevelConfidence)
            {
                flags.Add(new ReviewFlag("level-uncertain", Invariant($"{v.Level} on {Describe(image)}: level probability {v.LevelConfidence:0.00} (below {options.LowLevelConfidence:0.00}); count the levels")) { Level = v.Level, SopInstanceUid = image.Source.SopInstanceUid });
            }

            if (options.PossibleFractureMinReduction is { } min && v.Graded && v.GenantGrade == 0)
            {
                double largest = Math.Max(v.Reductions.Wedge, Math.Max(v.Reductions.Biconcave, v.Reductions.CrushAssessed ? v.Reductions.Crush : 0));
                if (largest >= min)
                {
                    flags.Add(new ReviewFlag("possible-fracture", Invariant($"{v.Level} on {Describe(image)}: grade 0, but its largest height reduction is {largest * 100:0.#} % (review threshold {min * 100:0.#} %, below Genant's 20 %): look for a mild fracture")) { Level = v.Level, SopInstanceUid = image.Source.SopInstanceUid });
                }
            }

            if (v.GradeRange is { Straddles: true } range)
            {
                flags.Add(new ReviewFlag("grade-uncertain", Invariant($"{v.Level} on {Describe(image)}: grade {v.GenantGrade} ({v.Deformity}), but within its measurement uncertainty (± {range.HalfWidth * 100:0.#} % on the reduction) it could be grade {range.Low} to {range.High}: check the endplate points")) { Level = v.Level, SopInstanceUid = image.Source.SopInstanceUid });
            }

            bool atEdge = v.Graded && PointNames.Any(name => v.Points.TryGetValue(name, out var p)
                && (p[0] < margin || p[1] < margin || p[0] > image.Columns - 1 - margin || p[1] > image.Rows - 1 - margin));
            if (atEdge)
            {
                flags.Add(new ReviewFlag("vertebra-at-edge", $"{v.Level} on {Describe(image)} touches the image border: it may be cut, and its heights with it") { Level = v.Level, SopInstanceUid = image.Source.SopInstanceUid });
            }
        }
    }

    private static void FlagGaps(IEnumerable<string> cranialFirst, IReadOnlyList<string> levelOrder, string where, string? sopInstanceUid, List<ReviewFlag> flags)
    {
        int LevelIndex(string level) => IndexOf(levelOrder, level);
        string? previous = null;
        foreach (string level in cranialFirst)
        {
            if (previous is not null && LevelIndex(previous) >= 0 && LevelIndex(level) > LevelIndex(previous) + 1)
            {
                flags.Add(new ReviewFlag("level-gap", $"no vertebra was found between {previous} and {level} on {where}: a body may be missed, or the levels miscounted") { Level = level, SopInstanceUid = sopInstanceUid });
            }

            previous = level;
        }
    }

    private static void FlagTilt(ImageResult image, ReviewFlagOptions options, List<ReviewFlag> flags)
    {
        if (image.Vertebrae.Count < 3)
        {
            return;
        }

        // Principal axis of the body centres: the angle of the spine in the image.
        var centres = image.Vertebrae.Select(v => (X: PointNames.Average(n => v.Points[n][0]), Y: PointNames.Average(n => v.Points[n][1]))).ToList();
        double mx = centres.Average(c => c.X);
        double my = centres.Average(c => c.Y);
        double sxx = centres.Sum(c => (c.X - mx) * (c.X - mx));
        double syy = centres.Sum(c => (c.Y - my) * (c.Y - my));
        double sxy = centres.Sum(c => (c.X - mx) * (c.Y - my));
        double axis = 0.5 * Math.Atan2(2 * sxy, sxx - syy); // angle of the principal axis from the x axis
        double fromVertical = Math.Abs(90 - Math.Abs(axis * 180 / Math.PI));
        if (fromVertical > options.TiltDegrees)
        {
            flags.Add(new ReviewFlag("tilted", Invariant($"the spine on {Describe(image)} runs {fromVertical:0}° from the image's vertical: check the orientation and the levels")) { SopInstanceUid = image.Source.SopInstanceUid });
        }
    }

    private static int IndexOf(IReadOnlyList<string> order, string level)
    {
        for (int i = 0; i < order.Count; i++)
        {
            if (order[i] == level)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Describe(ImageResult image) => image.Kind == "sagittal-mr"
        ? $"MR {image.MrSequence ?? "slice"} {image.Source.SopInstanceUid}"
        : $"radiograph {image.Source.SopInstanceUid}";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
