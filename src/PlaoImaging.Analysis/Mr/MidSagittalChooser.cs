using System.Globalization;
using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis.Mr;

/// <summary>
/// One slice of a sagittal MR series: its geometry and, once the landmark model ran on it, the vertebrae it found.
/// </summary>
public sealed record MrSlice(string SopInstanceUid, IReadOnlyList<double> ImagePositionPatient, IReadOnlyList<double> ImageOrientationPatient)
{
    /// <summary>The model's vertebrae on this slice (empty before the model ran, or when it found none).</summary>
    public IReadOnlyList<VertebraLandmarks> Vertebrae { get; init; } = [];

    /// <summary>Mean <see cref="VertebraLandmarks.Score"/> of the vertebrae found (0 when none).</summary>
    public double MeanScore => Vertebrae.Count == 0 ? 0 : Vertebrae.Average(v => v.Score);

    /// <summary>A slice from a read image and (optionally) the model's answer for it.</summary>
    public static MrSlice FromImage(SpineImage image, IReadOnlyList<VertebraLandmarks>? vertebrae = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.ImagePositionPatient is not { Count: 3 } position || image.ImageOrientationPatient is not { Count: 6 } orientation)
        {
            throw new ArgumentException($"Image {image.Source.SopInstanceUid} has no Image Position/Orientation (Patient): it cannot be ordered in its series.", nameof(image));
        }

        return new MrSlice(image.Source.SopInstanceUid, position, orientation) { Vertebrae = vertebrae ?? [] };
    }
}

/// <summary>Options of <see cref="MidSagittalChooser"/>.</summary>
public sealed record MidSagittalOptions
{
    public static MidSagittalOptions Default { get; } = new();

    /// <summary>Slices taken on each side of the geometric middle (default 1: the middle ±1 slice).</summary>
    public int NeighbourSlices { get; init; } = 1;

    /// <summary>Largest angle (degrees) between a slice's normal and the series normal; slices beyond it are left out.</summary>
    public double ParallelToleranceDegrees { get; init; } = 5;
}

/// <summary>Where one level's measurement comes from: the slice (index into <see cref="MidSagittalChoice.OrderedSlices"/>) and the vertebra found there.</summary>
public sealed record LevelSource(string Level, int SliceIndex, string SopInstanceUid, VertebraLandmarks Vertebra, string Reason);

/// <summary>The outcome of <see cref="MidSagittalChooser.Choose"/>; indices refer to <see cref="OrderedSlices"/>.</summary>
public sealed record MidSagittalChoice(
    IReadOnlyList<MrSlice> OrderedSlices,
    IReadOnlyList<double> PositionsMm,
    IReadOnlyList<int> CandidateIndices,
    IReadOnlyList<int> ChosenIndices,
    IReadOnlyList<LevelSource> Levels,
    IReadOnlyList<string> Notes);

/// <summary>
/// Chooses the mid-sagittal slice(s) of a sagittal series and the slice each level is measured on. Pure.
/// </summary>
/// <remarks>
/// <para>1. Slices are ordered by their position along the series normal (row × column of Image Orientation (Patient)
/// dotted with Image Position (Patient)), so the order does not depend on Instance Number.</para>
/// <para>2. Candidates: the slice(s) nearest the geometric middle of that range (two when the middle falls between
/// slices), ±<see cref="MidSagittalOptions.NeighbourSlices"/>.</para>
/// <para>3. Chosen: the candidates on which the model found the most vertebrae (all that tie on the count, best mean
/// score first). When no candidate shows a vertebra, the search widens to every slice: the series may be off-centre.</para>
/// <para>4. Combined per level, not per point: for each level, the whole six-point measurement comes from the chosen
/// slice where that vertebra's score is highest (ties: the slice nearer the middle). A median of point coordinates
/// across slices would mix different anatomy (a slice a few millimetres off the midline cuts the body nearer the
/// pedicle and shows other endplate contours), so heights would come from no real section; one slice per level keeps
/// each vertebra's six points and its heights from the same section.</para>
/// </remarks>
public static class MidSagittalChooser
{
    public static MidSagittalChoice Choose(IReadOnlyList<MrSlice> slices, MidSagittalOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(slices);
        options ??= MidSagittalOptions.Default;
        if (options.NeighbourSlices < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.NeighbourSlices, "NeighbourSlices cannot be negative.");
        }

        var notes = new List<string>();
        if (slices.Count == 0)
        {
            return new MidSagittalChoice([], [], [], [], [], ["no slices"]);
        }

        foreach (var slice in slices)
        {
            if (slice.ImagePositionPatient.Count != 3 || slice.ImageOrientationPatient.Count != 6)
            {
                throw new ArgumentException($"Slice {slice.SopInstanceUid} needs three Image Position and six Image Orientation values.", nameof(slices));
            }
        }

        // 1. Order along the normal of the first slice; leave out slices that are not parallel to it.
        var normal = Normal(slices[0].ImageOrientationPatient);
        double cosTolerance = Math.Cos(options.ParallelToleranceDegrees * Math.PI / 180);
        var kept = new List<(MrSlice Slice, double Position)>();
        foreach (var slice in slices)
        {
            var own = Normal(slice.ImageOrientationPatient);
            if (Math.Abs(Dot(own, normal)) < cosTolerance)
            {
                notes.Add($"slice {slice.SopInstanceUid} left out: not parallel to the series (more than {Format(options.ParallelToleranceDegrees)}°)");
                continue;
            }

            kept.Add((slice, Dot(normal, (slice.ImagePositionPatient[0], slice.ImagePositionPatient[1], slice.ImagePositionPatient[2]))));
        }

        var ordered = kept.OrderBy(k => k.Position).ToList();
        var orderedSlices = ordered.Select(k => k.Slice).ToList();
        var positions = ordered.Select(k => k.Position).ToList();

        // 2. The geometric middle and its neighbours.
        double middle = (positions[0] + positions[^1]) / 2;
        double nearest = positions.Min(p => Math.Abs(p - middle));
        var centre = Enumerable.Range(0, positions.Count).Where(i => Math.Abs(Math.Abs(positions[i] - middle) - nearest) < 1e-3).ToList();
        int from = Math.Max(0, centre[0] - options.NeighbourSlices);
        int to = Math.Min(positions.Count - 1, centre[^1] + options.NeighbourSlices);
        var candidates = Enumerable.Range(from, to - from + 1).ToList();
        notes.Add($"{orderedSlices.Count} slices from {Format(positions[0])} to {Format(positions[^1])} mm along the normal; " +
            $"middle {Format(middle)} mm; candidates: slices {string.Join(", ", candidates.Select(i => (i + 1).ToString(CultureInfo.InvariantCulture)))} of {orderedSlices.Count}");

        // 3. The candidates where the model found the most vertebrae.
        var pool = candidates;
        if (pool.All(i => orderedSlices[i].Vertebrae.Count == 0))
        {
            pool = [.. Enumerable.Range(0, orderedSlices.Count)];
            notes.Add("no vertebra found on the central slices: every slice considered");
        }

        int most = pool.Max(i => orderedSlices[i].Vertebrae.Count);
        if (most == 0)
        {
            notes.Add("no vertebra found on any slice");
            return new MidSagittalChoice(orderedSlices, positions, candidates, [], [], notes);
        }

        var chosen = pool.Where(i => orderedSlices[i].Vertebrae.Count == most)
            .OrderByDescending(i => orderedSlices[i].MeanScore)
            .ThenBy(i => Math.Abs(positions[i] - middle))
            .ToList();
        notes.Add($"chosen: slices {string.Join(", ", chosen.Select(i => (i + 1).ToString(CultureInfo.InvariantCulture)))} ({most} vertebrae each; " +
            $"mean score {string.Join(", ", chosen.Select(i => Format(orderedSlices[i].MeanScore)))})");

        // 4. Per level, the chosen slice where that vertebra scores best.
        var levels = new List<LevelSource>();
        var names = chosen.SelectMany(i => orderedSlices[i].Vertebrae.Select(v => v.Level))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(SpineLevels.Ordinal)
            .ToList();
        foreach (string level in names)
        {
            var best = chosen
                .SelectMany(i => orderedSlices[i].Vertebrae.Where(v => v.Level == level).Select(v => (Index: i, Vertebra: v)))
                .OrderByDescending(x => x.Vertebra.Score)
                .ThenBy(x => Math.Abs(positions[x.Index] - middle))
                .ThenBy(x => x.Index)
                .First();
            int onSlices = chosen.Count(i => orderedSlices[i].Vertebrae.Any(v => v.Level == level));
            string slice = $"slice {best.Index + 1} of {orderedSlices.Count} along the normal";
            string reason = onSlices == 1
                ? $"{level}: {slice}, the only chosen slice showing it (score {Format(best.Vertebra.Score)})"
                : $"{level}: {slice}, highest score {Format(best.Vertebra.Score)} of the {onSlices} chosen slices showing it";
            levels.Add(new LevelSource(level, best.Index, orderedSlices[best.Index].SopInstanceUid, best.Vertebra, reason));
        }

        return new MidSagittalChoice(orderedSlices, positions, candidates, chosen, levels, notes);
    }

    private static (double X, double Y, double Z) Normal(IReadOnlyList<double> iop) =>
        SliceGeometry.Normal(iop) ?? throw new ArgumentException("Image Orientation (Patient) is degenerate (row and column parallel).");

    private static double Dot((double X, double Y, double Z) a, (double X, double Y, double Z) b) => SliceGeometry.Dot(a, b);

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
