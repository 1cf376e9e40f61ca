using Hangfire;
using Microsoft.EntityFrameworkCore;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Operations;

/// <summary>Refreshes the gauges (queue lengths, pending studies) every few seconds.</summary>
public sealed class MetricsRefresher(JobStorage storage, IDbContextFactory<ResultsDbContext> databases, WorkerMetrics metrics, ILogger<MetricsRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        do
        {
            try
            {
                var monitor = storage.GetMonitoringApi();
                foreach (string queue in new[] { JobQueues.Realtime, JobQueues.Export, JobQueues.Batch })
                {
                    metrics.QueueLength.WithLabels(queue).Set(monitor.EnqueuedCount(queue));
                }

                var db = await databases.CreateDbContextAsync(stoppingToken).ConfigureAwait(false);
                await using (db.ConfigureAwait(false))
                {
                    metrics.StudiesPending.Set(await db.Studies.CountAsync(
                        s => s.State == StudyState.Receiving || s.State == StudyState.Queued || s.State == StudyState.Analysing, stoppingToken).ConfigureAwait(false));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug(e, "metrics refresh failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
