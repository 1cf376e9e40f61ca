namespace PlaoImaging.Analysis;

/// <summary>The base of every error the analysis raises on bad input, a bad model or a bad manifest.</summary>
public class AnalysisException : Exception
{
    public AnalysisException(string message)
        : base(message)
    {
    }

    public AnalysisException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A model manifest (or the model file it names) that the engine cannot use; <see cref="Field"/> is the JSON path.</summary>
public sealed class ModelManifestException : AnalysisException
{
    public ModelManifestException(string field, string message)
        : base($"model manifest: {field}: {message}")
    {
        Field = field;
    }

    public ModelManifestException(string field, string message, Exception innerException)
        : base($"model manifest: {field}: {message}", innerException)
    {
        Field = field;
    }

    /// <summary>The JSON path of the field at fault (for example <c>preprocessing.grid.height</c> or <c>stages.detector.sha256</c>).</summary>
    public string Field { get; }
}

/// <summary>An image the engine will not measure (too large, no pixels, not grayscale...); the message says why.</summary>
public sealed class ImageRejectedException : AnalysisException
{
    public ImageRejectedException(string message)
        : base(message)
    {
    }

    public ImageRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
