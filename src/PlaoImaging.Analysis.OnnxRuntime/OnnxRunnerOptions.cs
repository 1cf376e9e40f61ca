namespace PlaoImaging.Analysis.OnnxRuntime;

/// <summary>Where <see cref="OnnxModelRunner"/> runs the model.</summary>
public enum OnnxExecutionProvider
{
    /// <summary>ONNX Runtime's CPU provider; works in both build flavours.</summary>
    Cpu,

    /// <summary>
    /// The CUDA provider on <see cref="OnnxRunnerOptions.DeviceId"/>; only in the CUDA build
    /// (<c>-p:PlaoOnnxFlavour=cuda</c>). Anything that keeps it from loading is an
    /// <see cref="ExecutionProviderUnavailableException"/>: no silent fallback.
    /// </summary>
    Cuda,

    /// <summary>CUDA when this is the CUDA build and a GPU can be used, else CPU; the reason for CPU is logged once.</summary>
    Auto,
}

/// <summary>ONNX Runtime's graph optimisation levels (kept as our own type so that callers need no ONNX Runtime reference).</summary>
public enum OnnxGraphOptimization
{
    Disabled,
    Basic,
    Extended,
    All,
}

/// <summary>Choices for <see cref="OnnxModelRunner.Create"/>.</summary>
public sealed record OnnxRunnerOptions
{
    public static OnnxRunnerOptions Default { get; } = new();

    public OnnxExecutionProvider Provider { get; init; } = OnnxExecutionProvider.Auto;

    /// <summary>The CUDA device for <see cref="OnnxExecutionProvider.Cuda"/> and <see cref="OnnxExecutionProvider.Auto"/>.</summary>
    public int DeviceId { get; init; }

    /// <summary>Threads one run uses inside an operator (convolutions); 0: ONNX Runtime's default (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads for running independent operators in parallel; 0: ONNX Runtime's default. Runs are sequential unless this is above 1.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>Runs one batch of zeros through every stage in <see cref="OnnxModelRunner.Create"/>, so that the first real run is not slow.</summary>
    public bool WarmUp { get; init; } = true;

    public OnnxGraphOptimization GraphOptimization { get; init; } = OnnxGraphOptimization.All;

    /// <summary>
    /// The largest batch handed to ONNX Runtime at once; a larger input is run in slices of this many (written straight
    /// into the output buffers), which bounds the memory one run takes. 0: no limit.
    /// </summary>
    public int MaxBatchSize { get; init; } = 16;

    /// <summary>
    /// Ask the NVIDIA driver for the device before loading ONNX Runtime's CUDA provider (on by default). Tests turn it off
    /// to reach the provider's own loading errors on a machine without CUDA.
    /// </summary>
    internal bool ProbeCudaDriver { get; init; } = true;

    internal void Validate()
    {
        if (!Enum.IsDefined(Provider))
        {
            throw new ArgumentOutOfRangeException(nameof(Provider), Provider, "unknown execution provider");
        }

        if (!Enum.IsDefined(GraphOptimization))
        {
            throw new ArgumentOutOfRangeException(nameof(GraphOptimization), GraphOptimization, "unknown graph optimisation level");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(DeviceId);
        ArgumentOutOfRangeException.ThrowIfNegative(IntraOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(InterOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxBatchSize);
    }
}
