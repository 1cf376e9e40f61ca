using Hangfire;
using PlaoImaging.Worker.Operations;
using Prometheus;
using PlaoImaging.Worker.Export;

namespace PlaoImaging.Worker.Jobs;

/// <summary>Hangfire job: one export (queue <c>export</c>). Its retries are its own (recorded, with configured delays), not Hangfire's.</summary>
public sealed class ExportResultsJob(ExportService exports, WorkerMetrics metrics)
{
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Export {0}")]
    public async Task RunAsync(long exportId, CancellationToken cancellationToken)
    {
        using var timer = metrics.JobDuration.WithLabels("export-results").NewTimer();
        await exports.ExportAsync(exportId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A scheduled retry: attempts only if the export has had <paramref name="afterAttempts"/> attempts (no second chain of attempts).</summary>
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Export {0} after attempt {1}")]
    public async Task RunAttemptAsync(long exportId, int afterAttempts, CancellationToken cancellationToken)
    {
        using var timer = metrics.JobDuration.WithLabels("export-results").NewTimer();
        await exports.ExportAsync(exportId, afterAttempts, cancellationToken).ConfigureAwait(false);
    }
}
