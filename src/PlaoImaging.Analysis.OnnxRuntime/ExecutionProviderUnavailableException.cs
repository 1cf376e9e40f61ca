namespace PlaoImaging.Analysis.OnnxRuntime;

/// <summary>
/// The execution provider that was asked for cannot run here (the CPU build asked for CUDA, no NVIDIA driver, a CUDA
/// library missing, no such device...); the message says why. <see cref="OnnxExecutionProvider.Auto"/> never raises
/// it: it falls back to CPU and logs the reason.
/// </summary>
public sealed class ExecutionProviderUnavailableException : AnalysisException
{
    public ExecutionProviderUnavailableException(string provider, string reason)
        : base(Format(provider, reason))
    {
        Provider = provider;
        Reason = reason;
    }

    public ExecutionProviderUnavailableException(string provider, string reason, Exception innerException)
        : base(Format(provider, reason), innerException)
    {
        Provider = provider;
        Reason = reason;
    }

    /// <summary>The provider asked for, e.g. <c>cuda:0</c>.</summary>
    public string Provider { get; }

    /// <summary>Why it cannot run, without the provider's name.</summary>
    public string Reason { get; }

    private static string Format(string provider, string reason) => $"execution provider {provider} is not available: {reason}";
}
