using Hangfire;
using PlaoImaging.Worker.Export;

namespace PlaoImaging.Worker.Jobs;

/// <summary>Hangfire job: one export (queue <c>export</c>). Its retries are its own (recorded, with configured delays), not Hangfire's.</summary>
public sealed class ExportResultsJob(ExportService exports)
{
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Export {0}")]
    public Task RunAsync(long exportId, CancellationToken cancellationToken) => exports.ExportAsync(exportId, cancellationToken);
}
