using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Analysis.Results;

namespace PlaoImaging.Worker.Review;

/// <summary>
/// The grading rules one review request works with: the manifest of the model the engine serves at the time of the
/// request, and whether that is the model that produced the analysis under review. The same model means the same
/// manifest bytes where both sides know them (the manifest holds every number the grading uses, so a manifest edited in
/// place without a new version is told apart), else the same id, version and weights.
/// </summary>
internal sealed record ReviewGrading(ModelManifest Manifest, ReviewModelInfo Model, string? ManifestSha256, bool SameAsAnalysis)
{
    /// <summary>The flag code the amended report carries when another model's rules graded it.</summary>
    public const string FlagCode = "graded-by-other-model";

    public static ReviewGrading Of(ModelManifest serving, ModelIdentity identity, ModelInfo analysed)
    {
        ArgumentNullException.ThrowIfNull(serving);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(analysed);
        bool same = serving.ManifestSha256 is { } now && analysed.ManifestSha256 is { } then
            ? string.Equals(now, then, StringComparison.OrdinalIgnoreCase)
            : identity.Id == analysed.Id && identity.Version == analysed.Version && string.Equals(identity.Sha256, analysed.Sha256, StringComparison.OrdinalIgnoreCase);
        return new ReviewGrading(serving, new ReviewModelInfo(identity.Id, identity.Version, identity.Sha256), serving.ManifestSha256, same);
    }

    /// <summary>As the review document shows it.</summary>
    public ReviewGradingInfo Info => new(Model.Id, Model.Version, Model.Sha256, ManifestSha256, SameAsAnalysis);

    /// <summary>The note of the amended report when the rules are not those of the analysis's model.</summary>
    public ReviewFlag Flag(ReviewModelInfo analysed)
    {
        ArgumentNullException.ThrowIfNull(analysed);
        string manifest = ManifestSha256 is null ? string.Empty : $", manifest sha256 {ManifestSha256}";
        return new ReviewFlag(FlagCode,
            $"graded at signing with the rules of {Model.Id} {Model.Version}{manifest}; the points were found by {analysed.Id} {analysed.Version}, no longer loaded");
    }
}
