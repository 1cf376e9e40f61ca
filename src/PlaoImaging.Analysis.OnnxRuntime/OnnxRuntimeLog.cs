using Microsoft.Extensions.Logging;

namespace PlaoImaging.Analysis.OnnxRuntime;

/// <summary>Log messages of the ONNX Runtime adapter (event ids 4100-4199).</summary>
internal static partial class OnnxRuntimeLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "model {Model}: stage {Stage} loaded from {Path} on {Provider} in {Milliseconds} ms")]
    public static partial void StageLoaded(ILogger logger, string model, string stage, string path, string provider, long milliseconds);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "execution provider auto: running on CPU because {Reason}")]
    public static partial void AutoChoseCpu(ILogger logger, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "execution provider auto: CUDA device {DeviceId} could not be used, running on CPU: {Reason}")]
    public static partial void AutoCudaFailed(ILogger logger, int deviceId, string reason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "execution provider auto: running on CUDA device {DeviceId}")]
    public static partial void AutoChoseCuda(ILogger logger, int deviceId);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Debug, Message = "model {Model}: stage {Stage} warmed up in {Milliseconds} ms")]
    public static partial void WarmedUp(ILogger logger, string model, string stage, long milliseconds);
}
