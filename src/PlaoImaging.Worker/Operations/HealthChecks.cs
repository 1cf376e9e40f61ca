using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
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

/// <summary>Ready needs the storage and data folders to take a write.</summary>
public sealed class StorageHealthCheck(StoragePaths paths) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
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

/// <summary>Ready needs the model loaded (it loads at start; a model that cannot load stops the start).</summary>
public sealed class ModelHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var engine = services.GetService<AnalysisEngine>();
        return Task.FromResult(engine is null
            ? HealthCheckResult.Unhealthy("no model loaded")
            : engine.CanAnalyze
                ? HealthCheckResult.Healthy($"{engine.Identity.Id} {engine.Identity.Version} on {engine.ExecutionProvider}")
                : HealthCheckResult.Healthy($"{engine.Identity.Id} {engine.Identity.Version}: manifest only, no analysis role here"));
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
