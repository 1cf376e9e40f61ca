namespace PlaoImaging.Analysis.Inference;

/// <summary>
/// The edge between the pure engine and a neural-network runtime: runs one stage of a model (see
/// <c>models/MANIFEST.md</c>, <c>stages</c>) on a batch. Implementations (ONNX Runtime in
/// <c>PlaoImaging.Analysis.OnnxRuntime</c>) must be thread-safe: one runner serves concurrent jobs.
/// </summary>
public interface IModelRunner : IDisposable
{
    /// <summary>The manifest this runner was created from (and checked against).</summary>
    ModelManifest Manifest { get; }

    /// <summary>Where the model runs, in words, for logs and results (for example "cpu (2 threads)" or "cuda:0").</summary>
    string ExecutionProvider { get; }

    /// <summary>
    /// Runs a stage ("detector" or "refiner") on one input tensor whose first axis is the batch. Returns every output of
    /// the stage by name, with the batch as first axis.
    /// </summary>
    IReadOnlyDictionary<string, Tensor> Run(string stage, Tensor input, CancellationToken cancellationToken = default);
}
