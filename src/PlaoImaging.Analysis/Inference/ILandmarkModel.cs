namespace PlaoImaging.Analysis.Inference;

/// <summary>
/// Which model produced a result: shown with every result, in every place that shows one. <see cref="Sha256"/> names
/// the weights: a single-stage model's detector file sha256; for a two-stage model the sha256 of the text
/// "&lt;detector sha256&gt;\n&lt;refiner sha256&gt;\n" (lower-case hex), so two models sharing a detector differ.
/// </summary>
public sealed record ModelIdentity(string Id, string Version, string Sha256)
{
    public static ModelIdentity Of(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new ModelIdentity(manifest.Id, manifest.Version, WeightsSha256(manifest));
    }

    /// <summary>The sha256 that names a manifest's weights (see the type's remarks).</summary>
    public static string WeightsSha256(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Refiner is not { } refiner)
        {
            return manifest.Detector.Sha256;
        }

        string text = $"{manifest.Detector.Sha256.ToLowerInvariant()}\n{refiner.Sha256.ToLowerInvariant()}\n";
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(text)));
    }

    public override string ToString() => $"{Id} {Version}";
}

/// <summary>A point in the pixel coordinates of the measured frame: x = column, y = row, pixel centres at integers.</summary>
public readonly record struct ImagePoint(double X, double Y);

/// <summary>
/// One vertebra as the model found it: its level, the six morphometry points (order of <c>output_decoding.points</c>:
/// sa, sm, sp, ia, im, ip) in image pixels, and the model's confidences.
/// </summary>
public sealed record VertebraLandmarks(
    string Level,
    double LevelConfidence,
    double Score,
    IReadOnlyList<ImagePoint> Points)
{
    /// <summary>Stage 2's confidence for a two-stage model (sigmoid of its logit), else null.</summary>
    public double? RefinerConfidence { get; init; }

    /// <summary>
    /// Stage 2's expected Euclidean error of each point (order of <see cref="Points"/>), in millimetres (image pixels
    /// when the image has no spacing); null when the model gives none.
    /// </summary>
    public IReadOnlyList<double>? PointError { get; init; }
}

/// <summary>The model's answer for one image: vertebrae cranial first.</summary>
public sealed record ImageLandmarks(IReadOnlyList<VertebraLandmarks> Vertebrae);

/// <summary>
/// Locates vertebrae and their six points on spine images. The manifest-driven implementation
/// (<see cref="ManifestLandmarkModel"/>) prepares inputs, runs an <see cref="IModelRunner"/> and decodes; tests may
/// supply their own (for example one that returns the phantom truth).
/// </summary>
public interface ILandmarkModel
{
    ModelIdentity Identity { get; }

    /// <summary>Locates the vertebrae of each image; the result list is parallel to <paramref name="images"/>.</summary>
    IReadOnlyList<ImageLandmarks> Locate(IReadOnlyList<SpineImage> images, CancellationToken cancellationToken = default);
}
