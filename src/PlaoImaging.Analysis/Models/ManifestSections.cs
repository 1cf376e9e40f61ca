using PlaoImaging.Analysis.Inference;

namespace PlaoImaging.Analysis;

// The typed sections of a schema 2 model manifest (models/MANIFEST.md). Every number the engine uses to prepare
// inputs, decode outputs and grade comes from here; ModelManifestReader fills them and refuses values it cannot honour.

/// <summary><c>preprocessing.normalisation</c>: x = (y − <see cref="Subtract"/>) / <see cref="Divide"/>; the rest of the grid holds <see cref="PaddingValue"/>.</summary>
public sealed record NormalisationSpec(double Subtract, double Divide, double PaddingValue)
{
    public double Apply(double y) => (y - Subtract) / Divide;
}

/// <summary><c>preprocessing</c>: image → detector input.</summary>
public sealed record PreprocessingSpec
{
    /// <summary>The key of <see cref="SpacingSources"/> that applies to every modality without its own entry.</summary>
    public const string AnyModality = "*";

    /// <summary><c>grid.height</c>: detector input rows.</summary>
    public required int GridHeight { get; init; }

    /// <summary><c>grid.width</c>: detector input columns.</summary>
    public required int GridWidth { get; init; }

    /// <summary><c>target_spacing_mm</c>: mm per input pixel when the image has a spacing.</summary>
    public required double TargetSpacingMm { get; init; }

    /// <summary><c>spacing.sources</c>: attribute keywords tried in order, per Modality (<see cref="AnyModality"/>: any other).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> SpacingSources { get; init; }

    /// <summary><c>spacing.component</c>: <c>row</c> (the first value of the pair).</summary>
    public required string SpacingComponent { get; init; }

    /// <summary><c>scale.rule</c>: <c>min(spacing/target, fit)</c>.</summary>
    public required string ScaleRule { get; init; }

    /// <summary><c>scale.size_rounding</c>: <c>half_to_even</c>.</summary>
    public required string SizeRounding { get; init; }

    /// <summary><c>scale.model_scale</c>: <c>out/in</c>.</summary>
    public required string ModelScale { get; init; }

    /// <summary><c>intensity.modality_lut</c>: <c>rescale</c> (already applied in <see cref="SpineImage.Values"/>).</summary>
    public required string ModalityLut { get; init; }

    /// <summary><c>intensity.window.source</c>: <c>first_pair</c>.</summary>
    public required string WindowSource { get; init; }

    /// <summary><c>intensity.window.min_width</c>: narrower windows are ignored (the percentile fallback applies).</summary>
    public required double WindowMinWidth { get; init; }

    /// <summary><c>intensity.window.function</c>: <c>linear</c> (PS3.3 C.11.2.1.2.1).</summary>
    public required string WindowFunction { get; init; }

    /// <summary>
    /// <c>intensity.window.min_divisor</c>: the linear function divides by max(w − 1, this); 0 when the manifest does
    /// not give one (then a window of width 1 is a step at its centre).
    /// </summary>
    public double WindowMinDivisor { get; init; }

    /// <summary><c>intensity.fallback.lower_percentile</c> (percent).</summary>
    public required double LowerPercentile { get; init; }

    /// <summary><c>intensity.fallback.upper_percentile</c> (percent).</summary>
    public required double UpperPercentile { get; init; }

    /// <summary><c>intensity.fallback.interpolation</c>: <c>linear</c> (numpy's default).</summary>
    public required string PercentileInterpolation { get; init; }

    /// <summary><c>intensity.fallback.min_range</c>: the smallest hi − lo divided by.</summary>
    public required double MinRange { get; init; }

    /// <summary><c>intensity.invert</c>: photometric interpretations for which y = 1 − y.</summary>
    public required IReadOnlyList<string> Invert { get; init; }

    /// <summary><c>resampling.kind</c>: <c>area</c>.</summary>
    public required string ResamplingKind { get; init; }

    /// <summary><c>resampling.placement</c>: <c>top_left</c>.</summary>
    public required string Placement { get; init; }

    /// <summary><c>resampling.accumulate</c>: <c>float64</c>.</summary>
    public required string Accumulate { get; init; }

    public required NormalisationSpec Normalisation { get; init; }

    /// <summary><c>coordinates</c>: <c>pixel_centres</c>.</summary>
    public required string Coordinates { get; init; }

    /// <summary>The spacing attributes tried for a modality, in order (its own entry, else <see cref="AnyModality"/>'s, else none).</summary>
    public IReadOnlyList<string> SpacingSourcesFor(string? modality)
    {
        if (modality is not null && SpacingSources.TryGetValue(modality.Trim().ToUpperInvariant(), out var own))
        {
            return own;
        }

        return SpacingSources.TryGetValue(AnyModality, out var any) ? any : [];
    }
}

/// <summary><c>output_decoding.peak</c>: which heatmap cells are vertebra centres.</summary>
public sealed record PeakSpec(double Threshold, bool ThresholdInclusive, int Window, string Ties, int MaxDetections)
{
    public bool Passes(double probability) => ThresholdInclusive ? probability >= Threshold : probability > Threshold;
}

/// <summary><c>output_decoding</c>: detector outputs → vertebrae.</summary>
public sealed record OutputDecodingSpec
{
    /// <summary><c>outputs.heatmap</c>: the [n,1,h,w] logits output.</summary>
    public required string HeatmapOutput { get; init; }

    /// <summary><c>outputs.offsets</c>: the [n,2+2K,h,w] output.</summary>
    public required string OffsetsOutput { get; init; }

    /// <summary><c>outputs.levels</c>: the [n,L,h,w] level logits output.</summary>
    public required string LevelsOutput { get; init; }

    /// <summary><c>stride</c>: model pixels per output cell.</summary>
    public required int Stride { get; init; }

    /// <summary><c>offset_scale</c>: point offsets are in units of offset_scale × stride model pixels.</summary>
    public required double OffsetScale { get; init; }

    public required PeakSpec Peak { get; init; }

    /// <summary><c>levels.names</c>: level index → name, cranial first.</summary>
    public required IReadOnlyList<string> LevelNames { get; init; }

    /// <summary><c>levels.gap_penalty</c>: subtracted per skipped level in the level assignment.</summary>
    public required double GapPenalty { get; init; }

    /// <summary><c>points.names</c>: sa, sm, sp, ia, im, ip.</summary>
    public required IReadOnlyList<string> PointNames { get; init; }

    /// <summary>Channels of the offsets output: 2 + 2 × points.</summary>
    public int OffsetChannels => 2 + (2 * PointNames.Count);
}

/// <summary>Normal height ratios of a level (<c>grading.reference.levels.&lt;level&gt;</c>).</summary>
public sealed record ReferenceRatios(double AnteriorPosterior, double MiddlePosterior);

/// <summary>One entry of <c>grading.thresholds</c>: a reduction passes it when r ≥ min (r &gt; min when not inclusive).</summary>
public sealed record GradeThreshold(int Grade, double Min, bool MinInclusive)
{
    public bool IsPassedBy(double reduction) => MinInclusive ? reduction >= Min : reduction > Min;
}

/// <summary><c>grading</c>: six points → heights, reductions, Genant grade and type.</summary>
public sealed record GradingSpec
{
    /// <summary>The one rule this engine implements.</summary>
    public const string GenantRule = "plao-genant-1";

    /// <summary><c>rule</c>: <see cref="GenantRule"/>.</summary>
    public required string Rule { get; init; }

    /// <summary><c>heights</c>: <c>euclidean</c>.</summary>
    public required string Heights { get; init; }

    /// <summary><c>reference.levels</c>: normal Ha/Hp and Hm/Hp per level.</summary>
    public required IReadOnlyDictionary<string, ReferenceRatios> ReferenceLevels { get; init; }

    /// <summary><c>reference.other_levels</c>: <c>nearest</c>.</summary>
    public required string OtherLevels { get; init; }

    /// <summary><c>reference.source</c>: where the reference ratios come from (prose), when given.</summary>
    public string? ReferenceSource { get; init; }

    /// <summary><c>thresholds</c>, by ascending grade.</summary>
    public required IReadOnlyList<GradeThreshold> Thresholds { get; init; }

    /// <summary><c>ungraded_levels</c>: measured, never graded.</summary>
    public required IReadOnlyList<string> UngradedLevels { get; init; }

    /// <summary><c>kind_ties</c>: the order that names the deformity when reductions tie.</summary>
    public required IReadOnlyList<string> KindTies { get; init; }

    /// <summary>The grade 1 threshold (the first of <see cref="Thresholds"/>).</summary>
    public GradeThreshold FirstThreshold => Thresholds[0];
}

/// <summary>
/// The <c>review</c> section: <c>possible_fracture_min_reduction</c>, a vertebra graded 0 whose largest reduction
/// reaches it is flagged <c>possible-fracture</c> (a screening aid calibrated for the model on validation phantoms; the
/// grade stays Genant's).
/// </summary>
public sealed record ReviewSpec(double PossibleFractureMinReduction);

/// <summary><c>refiner.crop</c>: how the engine cuts the square crop of one vertebra for stage 2.</summary>
public sealed record RefinerCropSpec
{
    /// <summary><c>size_mm</c>: side of the crop in millimetres.</summary>
    public required double SizeMm { get; init; }

    /// <summary><c>size_px</c>: side of the crop in crop pixels.</summary>
    public required int SizePx { get; init; }

    /// <summary>
    /// <c>size_px_without_spacing</c>: without a spacing the side is <see cref="SizeMm"/> native pixels × this / <see cref="SizePx"/>;
    /// null when absent (then the side is <see cref="SizeMm"/> native pixels).
    /// </summary>
    public int? SizePxWithoutSpacing { get; init; }

    /// <summary><c>centre</c>: <c>points_mean</c>.</summary>
    public required string Centre { get; init; }

    /// <summary><c>axes</c>: <c>endplate</c>.</summary>
    public required string Axes { get; init; }

    /// <summary><c>sampling</c>: <c>bilinear</c>.</summary>
    public required string Sampling { get; init; }

    /// <summary><c>normalisation</c> (as <c>preprocessing.normalisation</c> when the manifest says so).</summary>
    public required NormalisationSpec Normalisation { get; init; }
}

/// <summary>The <c>refiner</c> section of a two-stage manifest.</summary>
public sealed record RefinerSpec
{
    public required RefinerCropSpec Crop { get; init; }

    /// <summary>
    /// <c>applies_to</c>: <c>all</c> (every vertebra) or <c>inside</c> (only vertebrae whose six detector points all lie
    /// in the image, −0.5 ≤ x ≤ columns − 0.5 and −0.5 ≤ y ≤ rows − 0.5; a body cut by the border keeps the detector's
    /// points). Absent: <c>all</c>.
    /// </summary>
    public string AppliesTo { get; init; } = "all";

    /// <summary>Whether stage 2 refines a vertebra with these detector points on an image of this size.</summary>
    public bool AppliesToPoints(IReadOnlyList<ImagePoint> points, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(points);
        return AppliesTo == "all" || points.All(p => p.X >= -0.5 && p.X <= columns - 0.5 && p.Y >= -0.5 && p.Y <= rows - 0.5);
    }

    /// <summary><c>outputs.points</c>: [n, 2 × points] crop-pixel coordinates (x, y per point).</summary>
    public required string PointsOutput { get; init; }

    /// <summary><c>outputs.confidence</c>: [n, 1] logit, when the refiner has one.</summary>
    public string? ConfidenceOutput { get; init; }

    /// <summary>
    /// <c>outputs.point_uncertainty</c>: [n, points] natural log of each point's expected Euclidean error (millimetres;
    /// image pixels when the image has no spacing), when the refiner has one.
    /// </summary>
    public string? PointUncertaintyOutput { get; init; }
}
