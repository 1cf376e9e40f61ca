using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Export;

/// <summary>
/// Export retries after the clock went back. A retry is a Hangfire job due at an instant of the clock; set back by
/// hours, the clock would hold every retrying export back by those hours while the PACS may long be up again. Once a
/// minute (a monotonic timer) this check looks for retrying exports whose next attempt lies further ahead than the
/// longest configured delay, which no attempt can have set, and schedules their next attempt again from now with the
/// delay that attempt had. The old job still runs when the clock reaches it, but a retry job names the attempt it
/// follows, so it then finds that attempt made and does nothing (<see cref="ExportService.ExportAsync(long, int?, CancellationToken)"/>).
/// A clock set forward needs nothing: the retries due by then run at once, each one attempt early, and the next
/// delays count from the new time.
/// </summary>
public sealed partial class ExportRetryClockCheck(
    IDbContextFactory<ResultsDbContext> databases,
    IOptions<ExportSettings> settings,
    IBackgroundJobClient jobs,
    TimeProvider time,
    ILogger<ExportRetryClockCheck> logger) : BackgroundService
{
    /// <summary>How often the check runs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>Allowance beyond the longest delay before a next attempt counts as set by another clock (skew between nodes).</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);

    /// <summary>Schedules again every retrying export whose next attempt is further ahead than any delay allows; returns how many.</summary>
    public async Task<int> RescheduleAsync(CancellationToken cancellationToken)
    {
        var delays = settings.Value.EffectiveRetryDelays;
        var now = time.GetUtcNow();
        var latest = now + delays.Max() + Margin;
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var stranded = await db.Exports.AsNoTracking()
                .Where(x => x.State == ExportState.Retrying && x.NextAttemptAt > latest)
                .Select(x => new { x.Id, x.Attempts, x.NextAttemptAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
            int count = 0;
            foreach (var export in stranded)
            {
                var next = now + delays[Math.Clamp(export.Attempts, 1, delays.Count) - 1];

                // Conditional: of several nodes running this check, one reschedules.
                int changed = await db.Exports
                    .Where(x => x.Id == export.Id && x.State == ExportState.Retrying && x.Attempts == export.Attempts && x.NextAttemptAt == export.NextAttemptAt)
                    .ExecuteUpdateAsync(u => u.SetProperty(x => x.NextAttemptAt, next), cancellationToken).ConfigureAwait(false);
                if (changed == 0)
                {
                    continue;
                }

                long id = export.Id;
                int attempts = export.Attempts;
                jobs.Schedule<ExportResultsJob>(JobQueues.Export, job => job.RunAttemptAsync(id, attempts, CancellationToken.None), next);
                LogRescheduled(logger, id, export.NextAttemptAt!.Value, next);
                count++;
            }

            return count;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await RescheduleAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The database may be down; the next tick tries again (its outage has its own health check).
                    LogCheckFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1407, Level = LogLevel.Warning, Message = "Export {ExportId}: next attempt was {Was:O}, further ahead than any retry delay (the clock went back); now {Next:O}")]
    private static partial void LogRescheduled(ILogger logger, long exportId, DateTimeOffset was, DateTimeOffset next);

    [LoggerMessage(EventId = 1408, Level = LogLevel.Debug, Message = "The export retry clock check failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
