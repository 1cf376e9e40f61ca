using System.Diagnostics;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Presentation;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Operations;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Jobs;

/// <summary>What one call of <see cref="StudyAnalysisService.AnalyzeAsync"/> did.</summary>
public sealed record AnalysisOutcome(long? AnalysisId, bool Skipped, string? Reason);

/// <summary>
/// Analyses one study and records everything it produced, idempotently: one analysis per study, generation and model
/// (sha256). Running it again after a crash, or twice at once on two workers, finds or keeps the one analysis and
/// re-queues its unfinished exports. The produced objects (SR, GSPS, SC) have UIDs made from the study and the model
/// version, so a second run writes the same objects, never new copies.
/// </summary>
public sealed partial class StudyAnalysisService(
    IDbContextFactory<ResultsDbContext> databases,
    AnalysisEngine engine,
    StoragePaths paths,
    IOptions<AnalysisSettings> analysisSettings,
    IOptions<ExportSettings> exportSettings,
    IBackgroundJobClient jobs,
    WorkerMetrics metrics,
    TimeProvider time,
    ILogger<StudyAnalysisService> logger)
{
    /// <param name="studyId">The study.</param>
    /// <param name="generation">The generation the caller saw; a routed job for an older generation is skipped (newer instances came). Null: the current one.</param>
    /// <param name="trigger"><c>realtime</c> or <c>reprocess:N</c>.</param>
    /// <param name="cancellationToken">Cancels between images and before anything is recorded.</param>
    public Task<AnalysisOutcome> AnalyzeAsync(long studyId, int? generation, string trigger, CancellationToken cancellationToken)
        => AnalyzeAsync(studyId, generation, trigger, null, cancellationToken);

    /// <summary>
    /// As <see cref="AnalyzeAsync(long, int?, string, CancellationToken)"/>, taking a turn at the engine from
    /// <paramref name="engineTurn"/>: a batch keeps one more study reading its inputs, or writing and recording its
    /// results, than it has in the engine. The recorded duration leaves out the wait for the turn.
    /// </summary>
    /// <param name="studyId">The study.</param>
    /// <param name="generation">The generation the caller saw (see the other overload).</param>
    /// <param name="trigger"><c>realtime</c> or <c>reprocess:N</c>.</param>
    /// <param name="engineTurn">The batch's turns at the engine; one is held only for the engine call. Null: no turn is taken.</param>
    /// <param name="cancellationToken">Cancels between images, while waiting for the turn, and before anything is recorded.</param>
    public async Task<AnalysisOutcome> AnalyzeAsync(long studyId, int? generation, string trigger, SemaphoreSlim? engineTurn, CancellationToken cancellationToken)
    {
        // One model for the whole run: what is checked, run and recorded is the same model even if a reload swaps it meanwhile.
        using var model = engine.Acquire();
        var stopwatch = Stopwatch.StartNew();
        StudyRecord? study;
        List<InstanceRecord> inputs;
        long? replacing;
        string? batchClaim = null;
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            study = await db.Studies.SingleOrDefaultAsync(s => s.Id == studyId, cancellationToken).ConfigureAwait(false);
            if (study is null)
            {
                return new AnalysisOutcome(null, true, "the study is not in the index");
            }

            if (generation is { } g && study.Generation != g)
            {
                LogSuperseded(logger, studyId, g, study.Generation);
                return new AnalysisOutcome(null, true, $"superseded: generation {g} was queued, the study is at {study.Generation}");
            }

            var existing = await db.Analyses.AsNoTracking()
                .SingleOrDefaultAsync(a => a.StudyId == studyId && a.Generation == study.Generation && a.ModelSha256 == model.Identity.Sha256, cancellationToken)
                .ConfigureAwait(false);
            replacing = null;
            if (existing is { Status: "failed" } && generation is null)
            {
                // A failed analysis (the engine or writing its objects threw) is no result: a reprocess runs it again
                // once the fault is repaired, and its record replaces the failed one in the same transaction (see
                // RecordAsync). Deleting it here, before the claim, lost a result: another run could have just
                // recorded it, and this run then skip the study on its claim. A routed job (which names its
                // generation) keeps it, so that a retried or recovered job does not run into the same fault again
                // and again.
                replacing = existing.Id;
                existing = null;
            }

            if (existing is not null)
            {
                await SettleStudyAsync(db, study, existing, cancellationToken).ConfigureAwait(false);
                await QueuePendingExportsAsync(db, existing.Id, cancellationToken).ConfigureAwait(false);
                return new AnalysisOutcome(existing.Id, true, "already analysed by this model");
            }

            if (study.ImagesPurgedAt is not null)
            {
                const string purged = "the study's images were removed by retention";
                if (generation is not null && study.Generation == generation && study.State is StudyState.Queued or StudyState.Analysing)
                {
                    // A routed generation whose images went (retention ran as the instance arrived) ends visibly with
                    // its reason instead of staying queued or analysing for ever.
                    study.State = StudyState.NoResult;
                    study.Reason = purged;
                    study.AnalysisClaim = null;
                    study.UpdatedAt = time.GetUtcNow();
                    await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                }

                return new AnalysisOutcome(null, true, purged);
            }

            if (generation is null)
            {
                batchClaim = AnalysisClaims.Batch(trigger);
                if (await ClaimForBatchAsync(db, study, batchClaim, cancellationToken).ConfigureAwait(false) is { } notNow)
                {
                    LogBatchSkipped(logger, studyId, study.Generation, notNow);
                    return new AnalysisOutcome(null, true, notNow);
                }
            }

            inputs = await db.Instances.AsNoTracking().Where(i => i.StudyId == studyId && i.Kind == InstanceKind.Input).OrderBy(i => i.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            // A routed study shows "analysing" while it runs (its job's claim has set it already, see AnalyzeStudyJob;
            // then no second commit); a batch skips that commit (one fsync fewer per study), its request shows the
            // progress instead.
            if (generation is not null && study.Generation == generation && study.State != StudyState.Analysing)
            {
                study.State = StudyState.Analysing;
                study.UpdatedAt = time.GetUtcNow();
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        try
        {
            return await RunAndRecordAsync(model, study, inputs, trigger, replacing, engineTurn, stopwatch, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (batchClaim is not null)
        {
            // Stopped (the node shuts down) between its claim and its record: the study goes back to the routed path
            // it may have been taken from, queued with a routed job, so that it is neither analysing for ever nor
            // queued with no job to run it.
            await ReleaseBatchClaimAsync(studyId, study.Generation, batchClaim).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<AnalysisOutcome> RunAndRecordAsync(
        ModelLease model, StudyRecord study, List<InstanceRecord> inputs, string trigger, long? replacing, SemaphoreSlim? engineTurn, Stopwatch stopwatch,
        CancellationToken cancellationToken)
    {
        long studyId = study.Id;
        var waited = TimeSpan.Zero;
        var started = time.GetUtcNow();
        var record = new AnalysisRecord
        {
            StudyId = studyId,
            Generation = study.Generation,
            ModelId = model.Identity.Id,
            ModelVersion = model.Identity.Version,
            ModelSha256 = model.Identity.Sha256,
            Status = "failed",
            Trigger = trigger,
            StartedAt = started,
        };
        var produced = new List<ProducedObjectRecord>();
        var files = ReadInputs(inputs, cancellationToken);
        if (files.Count == 0)
        {
            record.Reason = inputs.Count == 0 ? "the study has no input instances (only our own objects)" : "no stored input instance could be read";
            record.Status = "no-measurable-series";
        }
        else
        {
            try
            {
                if (engineTurn is not null)
                {
                    long waitStarted = Stopwatch.GetTimestamp();
                    await engineTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
                    waited = Stopwatch.GetElapsedTime(waitStarted);
                }

                StudyResult result;
                var engineWatch = Stopwatch.StartNew();
                var engineCpu = ThreadCpuTime.Current();
                try
                {
                    result = model.Analyze(new StudyInput(study.StudyInstanceUid, files), cancellationToken);
                }
                finally
                {
                    engineTurn?.Release();
                }

                metrics.InferenceDuration.Observe(engineWatch.Elapsed.TotalSeconds);
                if (engineCpu is { } before && ThreadCpuTime.Current() is { } after)
                {
                    metrics.EngineCpu.Inc((after - before).TotalSeconds);
                }
                Describe(record, result);
                produced.AddRange(WriteObjects(studyId, result, files, cancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The engine records image failures in its result; reaching here is a fault in our code or a produced
                // object that cannot be written. Recorded, visible, and not retried for ever.
                record.Status = "failed";
                record.Reason = $"the analysis threw {e.GetType().Name}: {e.Message}";
                LogAnalysisThrew(logger, e, studyId);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        record.FinishedAt = time.GetUtcNow();
        record.DurationMs = (stopwatch.Elapsed - waited).TotalMilliseconds;
        record.Objects = produced;
        long analysisId = await RecordAsync(studyId, record, replacing, cancellationToken).ConfigureAwait(false);
        metrics.StudiesAnalysed.WithLabels(record.Status, trigger.StartsWith("reprocess", StringComparison.Ordinal) ? "batch" : "realtime").Inc();
        LogAnalysed(logger, studyId, record.Generation, record.Status, record.FractureCount, record.DurationMs);
        return new AnalysisOutcome(analysisId, false, record.Reason);
    }

    /// <summary>
    /// Null when a reprocessing request may analyse the study now: it is settled (analysed, no result, failed: nothing
    /// else runs it), or it was queued and this request claimed it, or this request had claimed it (the request run
    /// again after its node died). Otherwise why not: a routed analysis will do it (instances still arriving) or does it
    /// (a routed job's claim), and two runs of the engine for one generation would be one too many.
    /// </summary>
    private async Task<string?> ClaimForBatchAsync(ResultsDbContext db, StudyRecord study, string claim, CancellationToken cancellationToken)
    {
        switch (study.State)
        {
            case StudyState.Receiving:
                return $"instances of generation {study.Generation} are still arriving; its routed analysis follows the quiet period";
            case StudyState.Analysing when study.AnalysisClaim == claim:
                return null;
            case StudyState.Analysing:
                return $"generation {study.Generation} is {study.AnalysisClaim ?? "being analysed by a routed job"}";
            case StudyState.Queued:
                // Queued for a routed job (which ends when it finds this claim) or imported for this request: one
                // conditional update decides against a routed job claiming it at the same moment.
                var now = time.GetUtcNow();
                int claimed = await db.Studies
                    .Where(s => s.Id == study.Id && s.Generation == study.Generation && s.State == StudyState.Queued)
                    .ExecuteUpdateAsync(u => u.SetProperty(s => s.State, StudyState.Analysing)
                        .SetProperty(s => s.AnalysisClaim, claim)
                        .SetProperty(s => s.Reason, claim)
                        .SetProperty(s => s.UpdatedAt, now), cancellationToken).ConfigureAwait(false);
                if (claimed == 0)
                {
                    return $"generation {study.Generation} was claimed by a routed job meanwhile";
                }

                study.State = StudyState.Analysing;
                study.AnalysisClaim = claim;
                study.Reason = claim;
                study.UpdatedAt = now;
                return null;
            default:
                return null;
        }
    }

    private async Task ReleaseBatchClaimAsync(long studyId, int generation, string claim)
    {
        var db = await databases.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            int released = await db.Studies.Where(s => s.Id == studyId && s.Generation == generation && s.State == StudyState.Analysing && s.AnalysisClaim == claim)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.State, StudyState.Queued).SetProperty(s => s.AnalysisClaim, (string?)null).SetProperty(s => s.Reason, (string?)null), CancellationToken.None)
                .ConfigureAwait(false);
            if (released == 1)
            {
                AnalyzeStudyJob.Enqueue(jobs, studyId, generation);
            }
        }
    }

    /// <param name="studyId">The study.</param>
    /// <param name="record">The analysis, with its objects.</param>
    /// <param name="replacing">A failed analysis of the same study, generation and model that this one replaces: deleted in the same transaction (if it is still there and still failed).</param>
    /// <param name="cancellationToken">Cancels before the commit.</param>
    private async Task<long> RecordAsync(long studyId, AnalysisRecord record, long? replacing, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var now = time.GetUtcNow();
            var strategy = db.Database.CreateExecutionStrategy();
            try
            {
                await strategy.ExecuteAsync(async () =>
                {
                    var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        // The failed analysis it replaces goes first; then the analysis (its unique key decides a race
                        // between two workers: one that recorded meanwhile is kept), then its exports with its id, then
                        // the study's state: all or nothing. A failed analysis has no objects or exports to delete
                        // beside it; its objects are deleted all the same should one ever have any.
                        if (replacing is { } failed)
                        {
                            await db.ProducedObjects.Where(o => o.AnalysisId == failed).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                            await db.Analyses.Where(a => a.Id == failed && a.Status == "failed").ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                        }

                        db.Analyses.Add(record);
                        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                        if (record.Objects.Count > 0)
                        {
                            foreach (var destination in exportSettings.Value.Destinations)
                            {
                                db.Exports.Add(new ExportRecord { AnalysisId = record.Id, StudyId = studyId, Destination = destination.Name, State = ExportState.Pending, CreatedAt = now });
                            }
                        }

                        var study = await db.Studies.SingleAsync(s => s.Id == studyId, cancellationToken).ConfigureAwait(false);
                        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                        await SettleStudyAsync(db, study, record, cancellationToken).ConfigureAwait(false);
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
            }
            catch (DbUpdateException)
            {
                // Another worker recorded the same analysis first (unique study, generation, model): keep theirs.
                // Any other database failure is rethrown, and Hangfire retries the job.
                var db2 = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
                await using (db2.ConfigureAwait(false))
                {
                    var theirs = await db2.Analyses.AsNoTracking()
                        .SingleOrDefaultAsync(a => a.StudyId == studyId && a.Generation == record.Generation && a.ModelSha256 == record.ModelSha256, cancellationToken)
                        .ConfigureAwait(false);
                    if (theirs is null)
                    {
                        throw;
                    }

                    await QueuePendingExportsAsync(db2, theirs.Id, cancellationToken).ConfigureAwait(false);
                    return theirs.Id;
                }
            }

            await QueuePendingExportsAsync(db, record.Id, cancellationToken).ConfigureAwait(false);
            return record.Id;
        }
    }

    /// <summary>Moves the study to the analysis's state, unless newer instances arrived meanwhile (then it stays receiving).</summary>
    private async Task SettleStudyAsync(ResultsDbContext db, StudyRecord study, AnalysisRecord analysis, CancellationToken cancellationToken)
    {
        if (study.Generation != analysis.Generation || study.State == StudyState.Receiving)
        {
            return;
        }

        study.State = analysis.Status switch
        {
            "graded" => StudyState.Analysed,
            "no-measurable-series" => StudyState.NoResult,
            _ => StudyState.Failed,
        };
        study.Reason = analysis.Reason;
        study.AnalysisClaim = null;
        study.LatestAnalysisId = analysis.Id;
        study.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task QueuePendingExportsAsync(ResultsDbContext db, long analysisId, CancellationToken cancellationToken)
    {
        var pending = await db.Exports.AsNoTracking().Where(x => x.AnalysisId == analysisId && x.State == ExportState.Pending)
            .Select(x => x.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (long id in pending)
        {
            jobs.Enqueue<ExportResultsJob>(JobQueues.Export, job => job.RunAsync(id, CancellationToken.None));
        }
    }

    private List<StudyFile> ReadInputs(List<InstanceRecord> inputs, CancellationToken cancellationToken)
    {
        var files = new List<StudyFile>(inputs.Count);
        foreach (var instance in inputs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = paths.InStorage(instance.Path);
            try
            {
                files.Add(new StudyFile(path, DicomFile.Open(path, new DicomReadOptions { StopBeforePixelData = true }).Dataset));
            }
            catch (Exception e) when (e is DicomException or IOException or UnauthorizedAccessException)
            {
                LogInputUnreadable(logger, instance.Id, e.Message);
            }
        }

        return files;
    }

    private static void Describe(AnalysisRecord record, StudyResult result)
    {
        record.Status = result.Status switch
        {
            StudyStatus.Graded => "graded",
            StudyStatus.NoMeasurableSeries => "no-measurable-series",
            _ => "failed",
        };
        record.Reason = result.Status switch
        {
            StudyStatus.Graded => null,
            StudyStatus.NoMeasurableSeries => "no series is a lateral spine radiograph or a sagittal spine MR: " +
                string.Join("; ", result.Series.SelectMany(s => s.Reasons).Distinct().Take(3)),
            _ => result.Error ?? string.Join("; ", result.Images.Select(i => i.Error).Where(e => e is not null).Distinct().Take(3)),
        };
        record.ResultJson = StudyResultJson.Serialize(result, indented: false);
        record.FractureCount = result.Summary.FracturedVertebrae;
        record.HighestGrade = result.Summary.WorstGrade;
        record.Sdi = result.Status == StudyStatus.Graded ? result.Summary.SpinalDeformityIndex.Value : null;
        record.ReviewFlagCount = result.ReviewFlags.Count;
    }

    /// <summary>Writes the study's SR (and presentation states, captures) into the outbox, each synced and renamed into place.</summary>
    private List<ProducedObjectRecord> WriteObjects(long studyId, StudyResult result, List<StudyFile> files, CancellationToken cancellationToken)
    {
        var objects = new List<ProducedObjectRecord>();
        if (result.Status != StudyStatus.Graded)
        {
            return objects;
        }

        var outcome = VertebralReport.Create(result, files[0].Header);
        if (outcome.Document is not { } document)
        {
            return objects;
        }

        string folder = OutboxWriter.StudyFolder(paths, studyId);
        objects.Add(Save(document.ToDataset(), folder, "SR"));
        var settings = analysisSettings.Value;
        if (settings.PresentationStates || settings.SecondaryCaptures)
        {
            var states = VertebralPresentationStates.Create(result, files.Select(f => f.Header));
            if (settings.PresentationStates)
            {
                objects.AddRange(states.Select(s => Save(s.Dataset, folder, "GSPS")));
            }

            if (settings.SecondaryCaptures && states.Count > 0)
            {
                var analysed = states.Select(s => s.Image.Source.SopInstanceUid).ToHashSet(StringComparer.Ordinal);
                var images = files.Where(f => f.SopInstanceUid is { } uid && analysed.Contains(uid)).Select(f => DicomFile.Open(f.Path));
                objects.AddRange(VertebralSecondaryCaptures.Create(result, images, engine.Codecs).Select(c => Save(c.Dataset, folder, "SC")));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return objects;
    }

    private ProducedObjectRecord Save(DicomDataset dataset, string folder, string kind) => OutboxWriter.Save(paths, dataset, folder, kind);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Study {StudyId} generation {Generation} analysed: {Status}, {Fractures} fractured vertebrae, {DurationMs:F0} ms")]
    private static partial void LogAnalysed(ILogger logger, long studyId, int generation, string status, int fractures, double durationMs);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Study {StudyId}: generation {Queued} skipped, the study is at generation {Current}")]
    private static partial void LogSuperseded(ILogger logger, long studyId, int queued, int current);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "The analysis of study {StudyId} threw; recorded as failed")]
    private static partial void LogAnalysisThrew(ILogger logger, Exception exception, long studyId);

    [LoggerMessage(EventId = 1306, Level = LogLevel.Information, Message = "Study {StudyId} generation {Generation}: not analysed by this reprocessing request, {Reason}")]
    private static partial void LogBatchSkipped(ILogger logger, long studyId, int generation, string reason);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Stored instance {InstanceId} cannot be read: {Reason}")]
    private static partial void LogInputUnreadable(ILogger logger, long instanceId, string reason);
}
