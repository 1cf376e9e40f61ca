using Hangfire;

namespace PlaoImaging.Worker.Jobs;

/// <summary>Hangfire job: one reprocessing request (queue <c>batch</c>).</summary>
public sealed class ReprocessJob(ReprocessService reprocess)
{
    [AutomaticRetry(Attempts = 2)]
    [JobDisplayName("Reprocess request {0}")]
    public Task RunAsync(long requestId, CancellationToken cancellationToken) => reprocess.RunAsync(requestId, cancellationToken);
}
