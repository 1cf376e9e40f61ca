using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Ingest;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Operations;

/// <summary>
/// Runs before the SCP and the job servers start (it is registered first): applies the results database's migrations,
/// indexes stored files the index lacks (an instance stored just before a crash, before its index row was written),
/// and — on the single-node SQLite set-up, where every job in flight belonged to a dead process — queues again the
/// studies left queued or analysing, the exports left pending and the reprocessing requests left queued or running.
/// With these, nothing that the job storage's last commits held is needed after a power cut (see
/// <c>WorkerComposition</c>'s embedded job storage). A study left analysing holds the claim of a job of
/// the dead process (see <see cref="AnalyzeStudyJob"/>): it goes back to queued first, so that the new job can claim it.
/// The jobs are idempotent, so a job Hangfire also resumes does nothing the second time.
/// </summary>
public sealed partial class StartupRecovery(
    IServiceProvider services,
    StoragePaths paths,
    IOptions<StorageSettings> storage,
    ILogger<StartupRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.DataFolder);
        Directory.CreateDirectory(paths.StorageRoot);
        Directory.CreateDirectory(paths.Outbox);
        var databases = services.GetRequiredService<IDbContextFactory<ResultsDbContext>>();
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            if (storage.Value.IsPostgreSql)
            {
                // Workers started together would otherwise migrate the shared database at the same moment.
                var schemaLock = await PostgresSchemaLock.AcquireAsync(storage.Value.ConnectionString!, cancellationToken).ConfigureAwait(false);
                await using (schemaLock.ConfigureAwait(false))
                {
                    await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
            }
        }

        // Orphans are files an SCP stored but did not index: looked for where an SCP runs.
        int indexed = services.GetRequiredService<ActiveRoles>().Has(WorkerRoles.Ingest) ? await IndexOrphansAsync(databases, cancellationToken).ConfigureAwait(false) : 0;
        int requeued = storage.Value.IsPostgreSql ? 0 : await RequeueInterruptedAsync(databases, cancellationToken).ConfigureAwait(false);
        LogRecovered(logger, indexed, requeued);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<int> IndexOrphansAsync(IDbContextFactory<ResultsDbContext> databases, CancellationToken cancellationToken)
    {
        HashSet<string> known;
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            known = (await db.Instances.AsNoTracking().Select(i => i.Path).ToListAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        }

        var ingest = services.GetRequiredService<IngestService>();
        int indexed = 0;
        string incoming = Path.Combine(paths.StorageRoot, ".incoming");
        foreach (string file in Directory.EnumerateFiles(paths.StorageRoot, "*.dcm", SearchOption.AllDirectories))
        {
            if (file.StartsWith(incoming, StringComparison.Ordinal) || known.Contains(paths.RelativeToStorage(file)))
            {
                continue;
            }

            try
            {
                var info = new FileInfo(file);
                await ingest.IndexAsync(new StoredFile(file, info.Length, null, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero)), cancellationToken).ConfigureAwait(false);
                indexed++;
            }
            catch (DicomException e)
            {
                LogOrphanUnreadable(logger, e.Message);
            }
        }

        return indexed;
    }

    private async Task<int> RequeueInterruptedAsync(IDbContextFactory<ResultsDbContext> databases, CancellationToken cancellationToken)
    {
        var jobs = services.GetRequiredService<IBackgroundJobClient>();
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            await db.Studies.Where(s => s.State == StudyState.Analysing)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.State, StudyState.Queued).SetProperty(s => s.AnalysisClaim, (string?)null).SetProperty(s => s.Reason, (string?)null), cancellationToken).ConfigureAwait(false);
            var studies = await db.Studies.AsNoTracking().Where(s => s.State == StudyState.Queued)
                .Select(s => new { s.Id, s.Generation }).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var study in studies)
            {
                AnalyzeStudyJob.Enqueue(jobs, study.Id, study.Generation);
            }

            // Every attempt that held an export belonged to the dead process: its claims go, so nothing waits for them to lapse.
            await db.Exports.Where(x => x.ClaimedBy != null)
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.ClaimedBy, (string?)null).SetProperty(x => x.ClaimedUntil, (DateTimeOffset?)null), cancellationToken).ConfigureAwait(false);
            var exports = await db.Exports.AsNoTracking().Where(x => x.State == ExportState.Pending).Select(x => x.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (long id in exports)
            {
                jobs.Enqueue<ExportResultsJob>(JobQueues.Export, job => job.RunAsync(id, CancellationToken.None));
            }

            // Reprocessing requests queued or running: their runs resume (what they finished is skipped). A run the job
            // storage also hands out later finds the request taken over, or done.
            var requests = await db.ReprocessRequests.AsNoTracking().Where(r => r.State == ReprocessState.Queued || r.State == ReprocessState.Running)
                .Select(r => r.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (long id in requests)
            {
                ReprocessJob.Enqueue(jobs, id);
            }

            return studies.Count + exports.Count + requests.Count;
        }
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Start-up: {Indexed} stored files indexed that the index lacked, {Requeued} interrupted jobs queued again")]
    private static partial void LogRecovered(ILogger logger, int indexed, int requeued);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "A stored file cannot be indexed at start: {Reason}")]
    private static partial void LogOrphanUnreadable(ILogger logger, string reason);
}
