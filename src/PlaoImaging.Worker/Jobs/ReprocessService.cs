using System.Text.Json;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Ingest;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Jobs;

/// <summary>
/// Which studies a reprocessing request covers; every given criterion must hold. A <see cref="Folder"/> imports the
/// DICOM files under it first (copied into storage and indexed like received instances), then analyses their studies.
/// </summary>
public sealed record ReprocessFilter
{
    /// <summary>Studies first received on or after this time.</summary>
    public DateTimeOffset? ReceivedFrom { get; init; }

    /// <summary>Studies first received before this time.</summary>
    public DateTimeOffset? ReceivedTo { get; init; }

    /// <summary>Studies whose latest analysis was made by this model version (for example everything done by 1.0.0).</summary>
    public string? ModelVersion { get; init; }

    /// <summary>Studies in this state (Analysed, NoResult, Failed, …).</summary>
    public StudyState? State { get; init; }

    /// <summary>A folder on the worker's machine to import and analyse.</summary>
    public string? Folder { get; init; }
}

/// <summary>Creates, runs and cancels reprocessing requests (queue <c>batch</c>; routed studies have their own workers).</summary>
public sealed partial class ReprocessService(
    IDbContextFactory<ResultsDbContext> databases,
    StudyAnalysisService analysis,
    IngestService ingest,
    StoragePaths paths,
    IBackgroundJobClient jobs,
    IOptions<JobsSettings> jobsSettings,
    TimeProvider time,
    ILogger<ReprocessService> logger)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public async Task<ReprocessRecord> RequestAsync(ReprocessFilter filter, string requestedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Folder is { } folder && !Directory.Exists(folder))
        {
            throw new ArgumentException($"the folder '{folder}' does not exist on the worker", nameof(filter));
        }

        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var record = new ReprocessRecord
            {
                RequestedBy = requestedBy,
                CreatedAt = time.GetUtcNow(),
                FilterJson = JsonSerializer.Serialize(filter, Json),
                State = ReprocessState.Queued,
            };
            db.ReprocessRequests.Add(record);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            long id = record.Id;
            ReprocessJob.Enqueue(jobs, id);
            return record;
        }
    }

    public async Task<bool> CancelAsync(long id, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            return await db.ReprocessRequests.Where(r => r.Id == id && (r.State == ReprocessState.Queued || r.State == ReprocessState.Running))
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.CancelRequested, true), cancellationToken).ConfigureAwait(false) > 0;
        }
    }

    /// <summary>
    /// Runs a request: resumable (studies already analysed by the current model are skipped), cancellable between
    /// studies. A later run of the same request takes it over: this one then stops at its next look (see
    /// <see cref="ReprocessRecord.RunToken"/>).
    /// </summary>
    public async Task RunAsync(long id, CancellationToken cancellationToken)
    {
        ReprocessFilter filter;
        string token = Guid.NewGuid().ToString("N");
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var record = await db.ReprocessRequests.SingleOrDefaultAsync(r => r.Id == id, cancellationToken).ConfigureAwait(false);
            if (record is null || record.State is ReprocessState.Done or ReprocessState.Cancelled)
            {
                return;
            }

            if (record.CancelRequested)
            {
                // Cancelled while it waited on the queue: it never starts (a request matching no study would
                // otherwise reach Done, since cancellation is looked at between studies).
                record.State = ReprocessState.Cancelled;
                record.FinishedAt = time.GetUtcNow();
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                LogCancelled(logger, id);
                return;
            }

            filter = JsonSerializer.Deserialize<ReprocessFilter>(record.FilterJson, Json) ?? new ReprocessFilter();
            record.State = ReprocessState.Running;
            record.RunToken = token;
            record.Done = record.Skipped = record.Failed = 0;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        List<long> studyIds;
        try
        {
            studyIds = filter.Folder is { } folder ? await ImportFolderAsync(folder, cancellationToken).ConfigureAwait(false) : await SelectAsync(id, filter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await UpdateAsync(id, token, r => { r.State = ReprocessState.Failed; r.Error = e.Message; r.FinishedAt = time.GetUtcNow(); }, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!await UpdateAsync(id, token, r => r.Total = studyIds.Count, cancellationToken).ConfigureAwait(false))
        {
            LogTakenOver(logger, id);
            return;
        }

        // Progress is written, and a cancel looked for, at most once a second (and at the end): one commit per study
        // was a tenth of a batch's time on SQLite.
        int done = 0, skipped = 0;
        long lastWrite = time.GetTimestamp();
        void Count(AnalysisOutcome outcome)
        {
            if (outcome.Skipped)
            {
                skipped++;
            }
            else
            {
                done++;
            }
        }

        // N studies in the engine at once (N: Jobs:BatchAnalyses, by default the realtime workers, among whom the
        // cores are divided) and one more reading its inputs or writing and recording its results. The batch has its
        // own N turns at the engine; routed studies take none and never wait for them.
        int atOnce = jobsSettings.Value.EffectiveBatchAnalyses;
        using var engineTurns = new SemaphoreSlim(atOnce, atOnce);
        var inFlight = new Queue<Task<AnalysisOutcome>>();
        try
        {
            foreach (long studyId in studyIds)
            {
                if (time.GetElapsedTime(lastWrite) >= ProgressInterval || done + skipped == 0)
                {
                    var look = await LookAsync(id, token, cancellationToken).ConfigureAwait(false);
                    if (look.TakenOver)
                    {
                        // A later run holds the request: it analyses from here (what this run finished, it skips).
                        while (inFlight.TryDequeue(out var running))
                        {
                            await running.ConfigureAwait(false);
                        }

                        LogTakenOver(logger, id);
                        return;
                    }

                    if (look.CancelRequested)
                    {
                        while (inFlight.TryDequeue(out var running))
                        {
                            Count(await running.ConfigureAwait(false));
                        }

                        await UpdateAsync(id, token, r => { r.Done = done; r.Skipped = skipped; r.State = ReprocessState.Cancelled; r.FinishedAt = time.GetUtcNow(); }, cancellationToken).ConfigureAwait(false);
                        LogCancelled(logger, id);
                        return;
                    }

                    if (done + skipped > 0)
                    {
                        await UpdateAsync(id, token, r => { r.Done = done; r.Skipped = skipped; }, cancellationToken).ConfigureAwait(false);
                    }

                    lastWrite = time.GetTimestamp();
                }

                // On a pool thread: with SQLite an analysis can run to its end without yielding, which would leave
                // the loop waiting for it instead of starting the next.
                inFlight.Enqueue(Task.Run(() => analysis.AnalyzeAsync(studyId, null, Trigger(id), engineTurns, cancellationToken), CancellationToken.None));
                if (inFlight.Count > atOnce)
                {
                    Count(await inFlight.Dequeue().ConfigureAwait(false));
                }
            }

            while (inFlight.TryDequeue(out var running))
            {
                Count(await running.ConfigureAwait(false));
            }
        }
        finally
        {
            // Whatever ended the loop (a database failure, shutdown), the studies still in flight finish before the
            // job does, so a retry of the job never runs beside them.
            foreach (var running in inFlight)
            {
                if (!running.IsCompleted)
                {
                    await Task.WhenAny(running).ConfigureAwait(false);
                }
            }
        }

        if (await UpdateAsync(id, token, r => { r.Done = done; r.Skipped = skipped; r.State = ReprocessState.Done; r.FinishedAt = time.GetUtcNow(); }, cancellationToken).ConfigureAwait(false))
        {
            LogFinished(logger, id, studyIds.Count);
        }
        else
        {
            LogTakenOver(logger, id);
        }
    }

    private async Task<List<long>> SelectAsync(long requestId, ReprocessFilter filter, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var studies = db.Studies.AsNoTracking().AsQueryable();
            // Times are stored as UTC (the DateTimeOffset converter compares clock ticks, so an offset would shift the bound).
            if (filter.ReceivedFrom?.ToUniversalTime() is { } from)
            {
                studies = studies.Where(s => s.FirstReceivedAt >= from);
            }

            if (filter.ReceivedTo?.ToUniversalTime() is { } to)
            {
                studies = studies.Where(s => s.FirstReceivedAt < to);
            }

            if (filter.State is { } state)
            {
                // and those this request claimed before it was stopped (they show analysing until it analyses them)
                string claim = AnalysisClaims.Batch(Trigger(requestId));
                studies = studies.Where(s => s.State == state || (s.State == StudyState.Analysing && s.AnalysisClaim == claim));
            }

            if (filter.ModelVersion is { } version)
            {
                studies = studies.Where(s => db.Analyses.Any(a => a.Id == s.LatestAnalysisId && a.ModelVersion == version));
            }

            return await studies.OrderBy(s => s.Id).Select(s => s.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Copies every DICOM file under the folder into storage (as the SCP would store it) and indexes it; returns the studies touched.</summary>
    private async Task<List<long>> ImportFolderAsync(string folder, CancellationToken cancellationToken)
    {
        var uids = new HashSet<string>(StringComparer.Ordinal);
        foreach (string source in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            DicomDataset header;
            try
            {
                header = DicomFile.Open(source, new DicomReadOptions { StopBeforePixelData = true }).Dataset;
            }
            catch (DicomException)
            {
                continue; // not DICOM: an import takes what it can read
            }

            var keys = DicomInstanceKeys.FromDataset(header);
            if (keys.StudyInstanceUid is null || keys.SopInstanceUid.Length == 0)
            {
                continue;
            }

            string target = paths.InStorage(DicomInstancePaths.Default(keys));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            string temp = target + ".import";
            File.Copy(source, temp, overwrite: true);
            File.Move(temp, target, overwrite: true);
            try
            {
                await ingest.IndexAsync(new StoredFile(target, new FileInfo(target).Length, null, time.GetUtcNow(), Route: false), cancellationToken).ConfigureAwait(false);
                uids.Add(keys.StudyInstanceUid);
            }
            catch (DicomException)
            {
            }
        }

        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            return await db.Studies.AsNoTracking().Where(s => uids.Contains(s.StudyInstanceUid)).OrderBy(s => s.Id).Select(s => s.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The trigger recorded on the request's analyses (and named by its claims): <c>reprocess:N</c>.</summary>
    internal static string Trigger(long requestId) => $"reprocess:{requestId}";

    /// <summary>Whether a cancel was asked for, and whether a later run has taken the request over.</summary>
    private async Task<(bool CancelRequested, bool TakenOver)> LookAsync(long id, string token, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var look = await db.ReprocessRequests.AsNoTracking().Where(r => r.Id == id).Select(r => new { r.CancelRequested, r.RunToken }).SingleAsync(cancellationToken).ConfigureAwait(false);
            return (look.CancelRequested, look.RunToken != token);
        }
    }

    /// <summary>Changes the request if this run still holds it; false (nothing written) when a later run took it over.</summary>
    private async Task<bool> UpdateAsync(long id, string token, Action<ReprocessRecord> change, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var record = await db.ReprocessRequests.SingleAsync(r => r.Id == id, cancellationToken).ConfigureAwait(false);
            if (record.RunToken != token)
            {
                return false;
            }

            change(record);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Reprocessing request {RequestId} finished: {Count} studies")]
    private static partial void LogFinished(ILogger logger, long requestId, int count);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Reprocessing request {RequestId} cancelled")]
    private static partial void LogCancelled(ILogger logger, long requestId);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Information, Message = "Reprocessing request {RequestId}: a later run of it took it over; this run stops")]
    private static partial void LogTakenOver(ILogger logger, long requestId);
}
