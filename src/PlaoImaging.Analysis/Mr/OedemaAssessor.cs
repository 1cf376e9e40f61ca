using System.Globalization;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Selection;

namespace PlaoImaging.Analysis.Mr;

/// <summary>Options of <see cref="OedemaAssessor"/>.</summary>
public sealed record OedemaOptions
{
    public static OedemaOptions Default { get; } = new();

    /// <summary>
    /// Body signal ÷ reference signal at or above which STIR or fat-saturated T2 marrow counts as oedema (acute). On T1
    /// the mirror value 1 / threshold marks hypointense marrow (supporting evidence only).
    /// </summary>
    /// <remarks>
    /// 1.4 is our own choice, calibrated on the phantoms only. Published work on acute osteoporotic fractures describes
    /// the oedema qualitatively (marrow visibly hyperintense on STIR and hypointense on T1, diffuse, band-like or
    /// patchy: Ahn et al., J Korean Neurosurg Soc 2016;59(2):137; Qasem et al., J Orthop Surg Res 2014;9:96); we found no
    /// published quantitative cut-off for a body-to-neighbour ratio. On the phantom series (sample-data/07) normal
    /// bodies read 0.95–1.10 against their neighbours, the acute L1 about 4.1 on STIR and 0.68 on T1; 1.4 keeps normal
    /// level-to-level variation (±10 %) well below the line while a band of oedema over a tenth of the body already
    /// crosses it on STIR. A site should recalibrate it on its own scanners before trusting it.
    /// </remarks>
    public double AcuteRatioThreshold { get; init; } = 1.4;

    /// <summary>Grade 0 neighbours taken on each side (nearest first) for the reference signal.</summary>
    public int NeighboursPerSide { get; init; } = 2;

    /// <summary>Shrink of the body polygon (see <see cref="MarrowSignal"/>).</summary>
    public double Shrink { get; init; } = MarrowSignal.DefaultShrink;
}

/// <summary>One vertebra to assess: its level, the frame it was measured on, its six points (model order) and its Genant grade on the same series.</summary>
public sealed record MarrowVertebra(string Level, SpineImage Image, IReadOnlyList<ImagePoint> Points, int GenantGrade);

/// <summary>The marrow assessment of one level.</summary>
public sealed record OedemaAssessment
{
    public required string Level { get; init; }

    public required MrSequence Sequence { get; init; }

    /// <summary>The body's own signal, when it could be measured.</summary>
    public MarrowMeasurement? Body { get; init; }

    /// <summary>The median of the reference bodies' mean signals, when there were any.</summary>
    public double? ReferenceSignal { get; init; }

    /// <summary>The grade 0 levels the reference came from.</summary>
    public IReadOnlyList<string> ReferenceLevels { get; init; } = [];

    /// <summary>Body mean ÷ reference; null when not assessable.</summary>
    public double? Ratio { get; init; }

    /// <summary>False when the ratio could not be made or the sequence cannot show oedema.</summary>
    public required bool Assessable { get; init; }

    /// <summary>Marrow oedema on STIR or fat-saturated T2 (ratio at or above the threshold): an acute (or recent) fracture when the body is deformed.</summary>
    public required bool Acute { get; init; }

    /// <summary>Hypointense marrow on T1 (ratio at or below 1 / threshold): supporting evidence only, never acute on its own.</summary>
    public required bool HypointenseSupporting { get; init; }

    /// <summary>The threshold applied.</summary>
    public required double Threshold { get; init; }

    /// <summary>One sentence: what was measured against what, and the verdict.</summary>
    public required string Evidence { get; init; }
}

/// <summary>
/// Marrow oedema from MR signal: each body's mean signal against the median signal of its normal neighbours (grade 0
/// on the same series, up to <see cref="OedemaOptions.NeighboursPerSide"/> nearest on each side; sacral levels are never
/// references, their marrow being fattier). STIR and fat-saturated T2: oedema (acute) when the ratio reaches
/// <see cref="OedemaOptions.AcuteRatioThreshold"/>. T1: hypointense marrow when the ratio is at most 1 / threshold, as
/// supporting evidence only. T2 without fat saturation and unknown weightings are not assessed: fatty and oedematous
/// marrow are both bright there. Pure.
/// </summary>
public static class OedemaAssessor
{
    public static IReadOnlyList<OedemaAssessment> Assess(MrSequence sequence, IReadOnlyList<MarrowVertebra> vertebrae, OedemaOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vertebrae);
        options ??= OedemaOptions.Default;
        if (!(options.AcuteRatioThreshold > 1) || options.NeighboursPerSide < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "The threshold must exceed 1 and at least one neighbour per side is needed.");
        }

        double threshold = options.AcuteRatioThreshold;
        var ordered = vertebrae.OrderBy(v => SpineLevels.Ordinal(v.Level)).ToList();
        bool bright = sequence is MrSequence.Stir or MrSequence.T2FatSat;
        if (!bright && sequence != MrSequence.T1)
        {
            string why = sequence == MrSequence.T2
                ? "T2 without fat saturation: fatty and oedematous marrow are both bright, marrow signal not assessed"
                : "MR weighting unknown: marrow signal not assessed";
            return [.. ordered.Select(v => NotAssessable(v.Level, sequence, threshold, null, $"{v.Level}: {why}"))];
        }

        var measured = ordered.Select(v => v.Image.PhotometricInterpretation == "MONOCHROME1" ? null : MarrowSignal.Measure(v.Image, v.Points, options.Shrink)).ToList();
        var results = new List<OedemaAssessment>(ordered.Count);
        string name = sequence switch
        {
            MrSequence.Stir => "STIR",
            MrSequence.T2FatSat => "fat-saturated T2",
            _ => "T1",
        };
        for (int i = 0; i < ordered.Count; i++)
        {
            var vertebra = ordered[i];
            var body = measured[i];
            if (body is null)
            {
                string why = vertebra.Image.PhotometricInterpretation == "MONOCHROME1"
                    ? "the frame is MONOCHROME1 (signal direction inverted)"
                    : $"fewer than {MarrowSignal.MinimumPixels} pixels inside the body";
                results.Add(NotAssessable(vertebra.Level, sequence, threshold, null, $"{vertebra.Level}: marrow signal not measured: {why}"));
                continue;
            }

            var references = new List<(string Level, double Mean)>();
            foreach (int step in new[] { -1, 1 })
            {
                int taken = 0;
                for (int j = i + step; j >= 0 && j < ordered.Count && taken < options.NeighboursPerSide; j += step)
                {
                    if (ordered[j].GenantGrade == 0 && !SpineLevels.IsSacral(ordered[j].Level) && measured[j] is { } neighbour)
                    {
                        references.Add((ordered[j].Level, neighbour.Mean));
                        taken++;
                    }
                }
            }

            if (references.Count == 0)
            {
                results.Add(NotAssessable(vertebra.Level, sequence, threshold, body, $"{vertebra.Level}: no grade 0 neighbour to compare with: marrow signal not assessable"));
                continue;
            }

            var referenceLevels = references.OrderBy(r => SpineLevels.Ordinal(r.Level)).Select(r => r.Level).ToList();
            double reference = Median([.. references.Select(r => r.Mean)]);
            if (!(reference > 0))
            {
                results.Add(NotAssessable(vertebra.Level, sequence, threshold, body, $"{vertebra.Level}: the neighbours' signal is not positive: marrow signal not assessable"));
                continue;
            }

            double ratio = body.Mean / reference;
            string against = $"{name} marrow signal {F(ratio)} × the median of {string.Join(", ", referenceLevels)} (grade 0)";
            bool acute = bright && ratio >= threshold;
            bool hypointense = !bright && ratio <= 1 / threshold;
            string verdict = bright
                ? acute
                    ? $"hyperintense, at or above {F(threshold)}: marrow oedema, acute{(vertebra.GenantGrade == 0 ? " (no height loss: bone bruise or a fracture not yet deformed)" : " fracture")}"
                    : $"below {F(threshold)}: no oedema"
                : hypointense
                    ? $"at or below 1/{F(threshold)} = {F(1 / threshold)}: hypointense marrow (supporting evidence only, not acute on its own)"
                    : $"above 1/{F(threshold)} = {F(1 / threshold)}: no marrow hypointensity";
            results.Add(new OedemaAssessment
            {
                Level = vertebra.Level,
                Sequence = sequence,
                Body = body,
                ReferenceSignal = reference,
                ReferenceLevels = referenceLevels,
                Ratio = ratio,
                Assessable = true,
                Acute = acute,
                HypointenseSupporting = hypointense,
                Threshold = threshold,
                Evidence = $"{vertebra.Level}: {against}: {verdict}",
            });
        }

        return results;
    }

    private static OedemaAssessment NotAssessable(string level, MrSequence sequence, double threshold, MarrowMeasurement? body, string evidence) => new()
    {
        Level = level,
        Sequence = sequence,
        Body = body,
        Assessable = false,
        Acute = false,
        HypointenseSupporting = false,
        Threshold = threshold,
        Evidence = evidence,
    };

    private static double Median(double[] values)
    {
        Array.Sort(values);
        int half = values.Length / 2;
        return values.Length % 2 == 1 ? values[half] : (values[half - 1] + values[half]) / 2;
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
