namespace PlaoImaging.Analysis;

/// <summary>One input or output of a model stage: its name and shape (null entries: the dynamic batch axis).</summary>
public sealed record TensorSpec(string Name, IReadOnlyList<int?> Shape);

/// <summary>
/// One network of a model (<c>stages.detector</c> or <c>stages.refiner</c> in the manifest): the ONNX file beside the
/// manifest, its expected sha256 and size, and its inputs and outputs.
/// </summary>
public sealed record ModelStageSpec(
    string Name,
    string File,
    string Sha256,
    long SizeBytes,
    IReadOnlyList<TensorSpec> Inputs,
    IReadOnlyList<TensorSpec> Outputs);
