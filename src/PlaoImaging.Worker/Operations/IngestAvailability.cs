using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom.Hosting;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Operations;

/// <summary>
/// Whether the SCP may take new associations: not while the results database, which indexes every instance before
/// its acknowledgement, does not answer, nor while the storage is short of space (<c>Worker:MinimumFreeSpaceMiB</c>). Probed every two seconds (and at once when a probe fails), so that a sender
/// is turned away with a transient rejection instead of a failure status for each instance it sends; associations
/// already open keep their per-instance answers (an instance that cannot be indexed is refused, out of resources).
/// </summary>
public sealed partial class IngestAvailability(
    IDbContextFactory<ResultsDbContext> databases,
    StoragePaths paths,
    IOptions<WorkerSettings> worker,
    TimeProvider time,
    ILogger<IngestAvailability> logger)
    : BackgroundService, IDicomScpAvailability
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);
    private volatile string? reason;

    public string? UnavailableReason => reason;

    /// <summary>One probe: the database answers a query within five seconds.</summary>
    public async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        string? found;
        try
        {
            var db = await databases.CreateDbContextAsync(timeout.Token).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                await db.Studies.AsNoTracking().Select(s => s.Id).FirstOrDefaultAsync(timeout.Token).ConfigureAwait(false);
                found = null;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            found = $"the results database did not answer within {ProbeTimeout.TotalSeconds:F0} s";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            found = "the results database does not answer: " + e.Message;
        }

        found ??= StorageHealthCheck.LowSpace(paths, worker.Value);

        if (found != reason)
        {
            if (found is null)
            {
                LogAvailable(logger);
            }
            else
            {
                LogUnavailable(logger, found);
            }
        }

        reason = found;
        return found;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await ProbeAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "New DICOM associations are refused (temporary congestion): {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "The results database answers and the storage has space: new DICOM associations are accepted")]
    private static partial void LogAvailable(ILogger logger);
}
