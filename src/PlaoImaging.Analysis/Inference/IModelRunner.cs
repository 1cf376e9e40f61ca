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

/// <summary>
/// A runner that can also write a stage's outputs into tensors the caller keeps, so that a caller running one stage
/// again and again (the detector, once per study) reuses the same output memory instead of fresh arrays every run.
/// </summary>
public interface IReusableOutputRunner : IModelRunner
{
    /// <summary>Output tensors for a batch of <paramref name="batch"/> items of <paramref name="stage"/>, shaped as the manifest says.</summary>
    IReadOnlyDictionary<string, Tensor> AllocateOutputs(string stage, int batch);

    /// <summary>As <see cref="IModelRunner.Run"/>, every output written into <paramref name="outputs"/> (from <see cref="AllocateOutputs"/> for the same batch).</summary>
    void RunInto(string stage, Tensor input, IReadOnlyDictionary<string, Tensor> outputs, CancellationToken cancellationToken = default);
}
