namespace PlaoImaging.Worker.Configuration;

/// <summary>A setting that stops the worker from starting; the message names the key.</summary>
public sealed class WorkerConfigurationException : Exception
{
    public WorkerConfigurationException(string key, string problem, Exception? inner = null)
        : base($"{key} {problem}", inner)
    {
        Key = key;
    }

    public WorkerConfigurationException()
    {
        Key = string.Empty;
    }

    public WorkerConfigurationException(string message)
        : base(message)
    {
        Key = string.Empty;
    }

    public WorkerConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = string.Empty;
    }

    /// <summary>The configuration key at fault (for example <c>Storage:ConnectionString</c>).</summary>
    public string Key { get; }
}
