using Hangfire;
using PlaoImaging.Worker.Operations;
using Prometheus;

namespace PlaoImaging.Worker.Jobs;

/// <summary>Hangfire job: one reprocessing request (queue <c>batch</c>).</summary>
public sealed class ReprocessJob(ReprocessService reprocess, WorkerMetrics metrics)
{
    /// <summary>Queues a run of a request on the queue <c>batch</c> (a new request, or one a dead process left unfinished).</summary>
    public static void Enqueue(IBackgroundJobClient jobs, long requestId)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        jobs.Enqueue<ReprocessJob>(JobQueues.Batch, job => job.RunAsync(requestId, CancellationToken.None));
    }

    [AutomaticRetry(Attempts = 2)]
    [JobDisplayName("Reprocess request {0}")]
    public async Task RunAsync(long requestId, CancellationToken cancellationToken)
    {
        using var timer = metrics.JobDuration.WithLabels("reprocess").NewTimer();
        await reprocess.RunAsync(requestId, cancellationToken).ConfigureAwait(false);
    }
}
