namespace PlaoImaging.Analysis;

/// <summary>
/// A model manifest (schema 2, <c>models/MANIFEST.md</c>): the model's identity, its stages and every number the engine
/// needs to prepare inputs, decode outputs and grade. Read with <see cref="ModelManifestReader"/>.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The manifest schema this engine reads.</summary>
    public const int SupportedSchema = 2;

    /// <summary><see cref="Architecture"/> of a detector-only model.</summary>
    public const string SingleStage = "single-stage";

    /// <summary><see cref="Architecture"/> of a detector followed by a per-vertebra refiner.</summary>
    public const string TwoStage = "two-stage";

    public required string Id { get; init; }

    public required string Version { get; init; }

    /// <summary><c>single-stage</c> or <c>two-stage</c>.</summary>
    public required string Architecture { get; init; }

    public required ModelStageSpec Detector { get; init; }

    /// <summary>The per-vertebra refiner of a two-stage model, else null.</summary>
    public ModelStageSpec? Refiner { get; init; }

    // The three sections are required in a manifest (ModelManifestReader refuses one without them) but not in this
    // type, so that a runtime test can describe only the stages; reading a section that was not given is a typed error.
    private readonly PreprocessingSpec? preprocessing;
    private readonly OutputDecodingSpec? outputDecoding;
    private readonly GradingSpec? grading;

    /// <summary><c>preprocessing</c>: image → detector input.</summary>
    public PreprocessingSpec Preprocessing
    {
        get => preprocessing ?? throw Missing("preprocessing");
        init => preprocessing = value;
    }

    /// <summary><c>output_decoding</c>: detector outputs → vertebrae.</summary>
    public OutputDecodingSpec OutputDecoding
    {
        get => outputDecoding ?? throw Missing("output_decoding");
        init => outputDecoding = value;
    }

    /// <summary><c>grading</c>: six points → heights, reductions, Genant grade and type.</summary>
    public GradingSpec Grading
    {
        get => grading ?? throw Missing("grading");
        init => grading = value;
    }

    /// <summary>The <c>refiner</c> section (crop and outputs) of a two-stage model, else null.</summary>
    public RefinerSpec? Refinement { get; init; }

    /// <summary>The optional <c>review</c> section: review aids calibrated for this model (not part of the grading rule).</summary>
    public ReviewSpec? Review { get; init; }

    /// <summary>sha256 (lower-case hex) of the manifest's bytes as read; null for a manifest built in code.</summary>
    public string? ManifestSha256 { get; init; }

    /// <summary><c>intended_use</c> (prose shown with results), when the manifest gives it as a string.</summary>
    public string? IntendedUse { get; init; }

    /// <summary><c>limitations</c> (prose shown with results), when the manifest gives it as a string.</summary>
    public string? Limitations { get; init; }

    /// <summary>True for a two-stage model (detector, then a per-vertebra refiner).</summary>
    public bool IsTwoStage => Refiner is not null;

    /// <summary>The folder the manifest was read from: stage files are resolved against it.</summary>
    public string? Directory { get; init; }

    public string StagePath(ModelStageSpec stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return Path.Combine(Directory ?? ".", stage.File);
    }

    private static ModelManifestException Missing(string section) => new(section, "this manifest was built without the section");

    /// <summary>"id version (sha256 prefix)", for logs and every place that shows a result.</summary>
    public override string ToString() => $"{Id} {Version} ({Detector.Sha256[..Math.Min(12, Detector.Sha256.Length)]})";
}
