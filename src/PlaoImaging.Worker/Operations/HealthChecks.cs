using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom.Hosting;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Operations;

/// <summary>Tags that sort the checks into liveness and readiness.</summary>
public static class HealthTags
{
    public const string Ready = "ready";
}

/// <summary>Ready needs the results database to answer.</summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<ResultsDbContext> databases) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                await db.Studies.AsNoTracking().Select(s => s.Id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
                return await db.Database.CanConnectAsync(cancellationToken).ConfigureAwait(false)
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy("the results database does not answer");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the results database does not answer: " + e.Message);
        }
    }
}

/// <summary>Ready needs the storage and data folders to take a write and to keep <c>Worker:MinimumFreeSpaceMiB</c> free.</summary>
public sealed class StorageHealthCheck(StoragePaths paths, IOptions<WorkerSettings> worker) : IHealthCheck
{
    /// <summary>Why the storage root or the outbox is short of space; null when both have enough.</summary>
    public static string? LowSpace(StoragePaths paths, WorkerSettings worker)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(worker);
        if (worker.MinimumFreeSpaceMiB <= 0)
        {
            return null;
        }

        foreach (string folder in new[] { paths.StorageRoot, paths.Outbox })
        {
            long free;
            try
            {
                free = new DriveInfo(folder).AvailableFreeSpace;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                continue; // the write probe says whether it is usable
            }

            if (free < worker.MinimumFreeSpaceMiB * 1024L * 1024L)
            {
                return $"{folder} has {free / (1024.0 * 1024.0):F1} MiB free, less than Worker:MinimumFreeSpaceMiB ({worker.MinimumFreeSpaceMiB})";
            }
        }

        return null;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (LowSpace(paths, worker.Value) is { } low)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(low));
        }

        foreach (string folder in new[] { paths.StorageRoot, paths.Outbox })
        {
            string probe = Path.Combine(folder, ".health-" + Environment.ProcessId);
            try
            {
                File.WriteAllBytes(probe, [1]);
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"{folder} is not writable: {e.Message}"));
            }
        }

        return Task.FromResult(HealthCheckResult.Healthy());
    }
}

/// <summary>
/// Ready needs the model loaded (it loads at start; a model that cannot load stops the start). A refused reload leaves
/// readiness as it is, since the previous model serves on, and only adds the reason to the description.
/// </summary>
public sealed class ModelHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var engine = services.GetService<AnalysisEngine>();
        if (engine is null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("no model loaded"));
        }

        var model = engine.Current;
        string text = model.CanAnalyze
            ? $"{model.Identity.Id} {model.Identity.Version} on {model.ExecutionProvider}"
            : $"{model.Identity.Id} {model.Identity.Version}: manifest only, no analysis role here";
        if (engine.LastReload is { Loaded: false, Error: { } error } failed)
        {
            text += $"; model reload failed at {failed.At:u}: {error}";
        }

        return Task.FromResult(HealthCheckResult.Healthy(text));
    }
}

/// <summary>Ready needs the SCP listening.</summary>
public sealed class ScpHealthCheck(IDicomScpStatus scp) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(scp.IsListening
            ? HealthCheckResult.Healthy($"listening on {scp.LocalEndPoint}, {scp.ActiveAssociations} associations")
            : HealthCheckResult.Unhealthy("the DICOM SCP is not listening"));
}
