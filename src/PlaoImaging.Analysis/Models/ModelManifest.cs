namespace PlaoImaging.Analysis;

/// <summary>
/// A model manifest (schema 2, <c>models/MANIFEST.md</c>): the model's identity, its stages and every number the engine
/// needs to prepare inputs, decode outputs and grade. Read with <see cref="ModelManifestReader"/>.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The manifest schema this engine reads.</summary>
    public const int SupportedSchema = 2;

    public required string Id { get; init; }

    public required string Version { get; init; }

    /// <summary><c>single-stage</c> or <c>two-stage</c>.</summary>
    public required string Architecture { get; init; }

    public required ModelStageSpec Detector { get; init; }

    /// <summary>The per-vertebra refiner of a two-stage model, else null.</summary>
    public ModelStageSpec? Refiner { get; init; }

    /// <summary>The folder the manifest was read from: stage files are resolved against it.</summary>
    public string? Directory { get; init; }

    public string StagePath(ModelStageSpec stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return Path.Combine(Directory ?? ".", stage.File);
    }

    /// <summary>"id version (sha256 prefix)", for logs and every place that shows a result.</summary>
    public override string ToString() => $"{Id} {Version} ({Detector.Sha256[..Math.Min(12, Detector.Sha256.Length)]})";
}
