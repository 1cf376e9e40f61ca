using System.Data.Common;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Operations;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Export;

/// <summary>
/// Sends one analysis's objects to one destination. Every attempt is recorded; a failed attempt schedules the next
/// after the configured delay (<see cref="ExportSettings.EffectiveRetryDelays"/>), and when the delays are used up the export
/// is <see cref="ExportState.Failed"/>, visible in the API, until an admin retries it. Sent exports are never sent
/// again by a re-run. Only objects we produced are ever sent, so nothing received is routed back: no loops.
/// </summary>
public sealed partial class ExportService(
    IDbContextFactory<ResultsDbContext> databases,
    IOptions<ExportSettings> settings,
    StoragePaths paths,
    IBackgroundJobClient jobs,
    IStowRsSender stow,
    DestinationAssociations associations,
    WorkerMetrics metrics,
    TimeProvider time,
    ILogger<ExportService> logger)
{
    /// <summary>One attempt of an export that is pending or retrying; nothing for one that is sent or failed.</summary>
    public Task<ExportState?> ExportAsync(long exportId, CancellationToken cancellationToken) => ExportAsync(exportId, null, cancellationToken);

    /// <summary>
    /// One attempt, made only when the export has had exactly <paramref name="afterAttempts"/> attempts: a scheduled
    /// retry names the attempt it follows, so that of two jobs for the same retry (one rescheduled after the clock
    /// went back, see <see cref="ExportRetryClockCheck"/>) only the first makes an attempt and the other finds it made.
    /// </summary>
    /// <param name="exportId">The export.</param>
    /// <param name="afterAttempts">The attempts the export must have had; null: any.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    public async Task<ExportState?> ExportAsync(long exportId, int? afterAttempts, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var export = await db.Exports.SingleOrDefaultAsync(x => x.Id == exportId, cancellationToken).ConfigureAwait(false);
            if (export is null || export.State is ExportState.Sent or ExportState.Failed || (afterAttempts is { } n && export.Attempts != n))
            {
                return export?.State;
            }

            string claim = Guid.NewGuid().ToString("N");
            if (!await ClaimAsync(db, export, claim, cancellationToken).ConfigureAwait(false))
            {
                return export.State;
            }

            // The save below writes the export only while this attempt still holds it (ClaimedBy is a concurrency
            // token), and lets the claim go.
            var entry = db.Entry(export);
            entry.Property(x => x.ClaimedBy).OriginalValue = claim;
            export.ClaimedBy = null;
            export.ClaimedUntil = null;
            entry.Property(x => x.ClaimedUntil).IsModified = true; // written even when it was null when read: the update above set it

            string? error;
            using (var renewal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var renewing = RenewAsync(exportId, claim, renewal.Token);
                try
                {
                    error = await AttemptAsync(db, export, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    await renewal.CancelAsync().ConfigureAwait(false);
                    await renewing.ConfigureAwait(false);
                }
            }

            var now = time.GetUtcNow();
            export.Attempts++;
            export.LastAttemptAt = now;
            if (error is null)
            {
                export.State = ExportState.Sent;
                export.SentAt = now;
                export.LastError = null;
                export.NextAttemptAt = null;
                metrics.ExportsSent.WithLabels(export.Destination).Inc();
                LogSent(logger, export.Id, export.Destination, export.Attempts);
            }
            else
            {
                export.LastError = error;
                metrics.ExportFailures.WithLabels(export.Destination).Inc();
                var delays = settings.Value.EffectiveRetryDelays;
                if (export.Attempts <= delays.Count)
                {
                    var delay = delays[export.Attempts - 1];
                    export.State = ExportState.Retrying;
                    export.NextAttemptAt = now + delay;

                    // The job is due at the recorded instant, both read from the worker's clock (TimeProvider), so what
                    // the API shows as the next attempt is when Hangfire runs it.
                    int attempts = export.Attempts;
                    jobs.Schedule<ExportResultsJob>(JobQueues.Export, job => job.RunAttemptAsync(exportId, attempts, CancellationToken.None), export.NextAttemptAt.Value);
                    LogRetrying(logger, export.Id, export.Destination, export.Attempts, delay, error);
                }
                else
                {
                    export.State = ExportState.Failed;
                    export.NextAttemptAt = null;
                    LogFailed(logger, export.Id, export.Destination, export.Attempts, error);
                }
            }

            if (export.ReviewNumber > 0)
            {
                // A signed review's export is part of the study's audit trail: sent, retried or failed, in the same transaction.
                await AuditAsync(db, export, now, "worker", export.State switch
                {
                    ExportState.Sent => "export-sent",
                    ExportState.Retrying => "export-retry",
                    _ => "export-failed",
                }, null, new
                {
                    exportId = export.Id,
                    destination = export.Destination,
                    state = export.State.ToString(),
                    attempts = export.Attempts,
                    error = export.LastError,
                    nextAttemptAt = export.NextAttemptAt,
                }, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateConcurrencyException)
            {
                // The claim had lapsed (this process stalled past it) and another attempt took the export over: its
                // record stands. What this attempt sent, if anything, carries the same UIDs; the PACS keeps one.
                LogClaimLost(logger, export.Id, export.Destination);
                return null;
            }

            return export.State;
        }
    }

    /// <summary>Sends the export's objects (the analysis's own, or those a signed review produced); null when sent, else the error.</summary>
    private async Task<string?> AttemptAsync(ResultsDbContext db, ExportRecord export, CancellationToken cancellationToken)
    {
        var destination = settings.Value.Destinations.FirstOrDefault(d => string.Equals(d.Name, export.Destination, StringComparison.Ordinal));
        if (destination is null)
        {
            export.Attempts = int.MaxValue - 1; // no retry can help
            return $"the destination '{export.Destination}' is no longer configured";
        }

        var objects = await db.ProducedObjects.AsNoTracking().Where(o => o.AnalysisId == export.AnalysisId && o.ReviewNumber == export.ReviewNumber).OrderBy(o => o.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var files = objects.Where(o => o.Kind != "SC" || destination.SendSecondaryCaptures).Select(o => (paths.InOutbox(o.Path), o.SopClassUid)).ToList();
        return await SendAsync(destination, files, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// How long a claim on an export lasts unless renewed; the holder renews it every third of this while it sends. An
    /// attempt that finds the export held takes it over only after watching the claim go unrenewed this long (and a
    /// second more) on its own clock.
    /// </summary>
    public static readonly TimeSpan ClaimTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Takes the export for this attempt with one conditional update: only while it is still pending or retrying with
    /// the attempts read and nobody holds it. When another attempt holds it, this one watches the claim on its own
    /// clock, never comparing the expiry written there with its own time (the holder may run on another node whose
    /// clock is ahead or behind by any amount):
    /// <list type="bullet">
    /// <item>the claim renewed, or the export attempted: its holder is alive; a look again is scheduled (an export
    /// whose holder is killed later is still sent) and this attempt ends;</item>
    /// <item>the claim unchanged for <see cref="ClaimTimeout"/> and a second: its holder was killed, or stalled past
    /// the claim (its own save will then fail); this attempt takes the export over, on the condition that the claim
    /// is still the one it watched.</item>
    /// </list>
    /// </summary>
    private async Task<bool> ClaimAsync(ResultsDbContext db, ExportRecord export, string claim, CancellationToken cancellationToken)
    {
        long id = export.Id;
        int attempts = export.Attempts;
        var state = export.State;
        if (await TakeAsync(db, id, attempts, state, claim, null, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        var watched = await ReadClaimAsync(db, id, cancellationToken).ConfigureAwait(false);
        if (watched.State != state || watched.Attempts != attempts)
        {
            return false; // another attempt has made this one
        }

        if (watched.Claim is null)
        {
            // Let go between the two reads: the attempt that held it has recorded its outcome, or will be seen to.
            return await TakeAsync(db, id, attempts, state, claim, null, cancellationToken).ConfigureAwait(false);
        }

        var lapse = ClaimTimeout + TimeSpan.FromSeconds(1);
        for (var waited = TimeSpan.Zero; waited < lapse;)
        {
            var step = ClaimTimeout / 3 < lapse - waited ? ClaimTimeout / 3 : lapse - waited;
            await Task.Delay(step, time, cancellationToken).ConfigureAwait(false);
            waited += step;
            var seen = await ReadClaimAsync(db, id, cancellationToken).ConfigureAwait(false);
            if (seen.State != state || seen.Attempts != attempts)
            {
                return false;
            }

            if (seen != watched)
            {
                if (seen.Claim is null)
                {
                    return await TakeAsync(db, id, attempts, state, claim, null, cancellationToken).ConfigureAwait(false);
                }

                // Renewed: its holder is alive. Should it be killed after this, the look again watches it lapse.
                var again = time.GetUtcNow() + lapse;
                jobs.Schedule<ExportResultsJob>(JobQueues.Export, job => job.RunAttemptAsync(id, attempts, CancellationToken.None), again);
                LogClaimed(logger, id, export.Destination, again);
                return false;
            }
        }

        if (!await TakeAsync(db, id, attempts, state, claim, watched, cancellationToken).ConfigureAwait(false))
        {
            return false; // another watcher took it over first, or the holder moved at the last moment
        }

        LogClaimTakenOver(logger, id, export.Destination, watched.Claim, lapse);
        return true;
    }

    /// <summary>What an export's claim looked like at one read: compared whole, so that a renewal shows as a change.</summary>
    private readonly record struct ClaimSeen(ExportState State, int Attempts, string? Claim, DateTimeOffset? Until);

    private static async Task<ClaimSeen> ReadClaimAsync(ResultsDbContext db, long id, CancellationToken cancellationToken) =>
        await db.Exports.AsNoTracking().Where(x => x.Id == id).Select(x => new ClaimSeen(x.State, x.Attempts, x.ClaimedBy, x.ClaimedUntil))
            .SingleAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// One conditional update: the export becomes this attempt's while it has the state and attempts read and its claim
    /// is the one given (<paramref name="held"/>: the claim watched until it lapsed; null: none). The expiry written
    /// is this node's, for readers; no other node compares it with its clock.
    /// </summary>
    private async Task<bool> TakeAsync(ResultsDbContext db, long id, int attempts, ExportState state, string claim, ClaimSeen? held, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + ClaimTimeout;
        var candidates = db.Exports.Where(x => x.Id == id && x.Attempts == attempts && x.State == state);
        if (held is { Claim: { } heldBy } h)
        {
            var heldUntil = h.Until;
            candidates = candidates.Where(x => x.ClaimedBy == heldBy && x.ClaimedUntil == heldUntil);
        }
        else
        {
            candidates = candidates.Where(x => x.ClaimedBy == null);
        }

        return await candidates.ExecuteUpdateAsync(u => u.SetProperty(x => x.ClaimedBy, claim).SetProperty(x => x.ClaimedUntil, until), cancellationToken)
            .ConfigureAwait(false) == 1;
    }

    /// <summary>Extends the claim every third of <see cref="ClaimTimeout"/> until cancelled (a long send keeps its export).</summary>
    private async Task RenewAsync(long exportId, string claim, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ClaimTimeout / 3, time, cancellationToken).ConfigureAwait(false);
                var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
                await using (db.ConfigureAwait(false))
                {
                    var until = time.GetUtcNow() + ClaimTimeout;
                    await db.Exports.Where(x => x.Id == exportId && x.ClaimedBy == claim)
                        .ExecuteUpdateAsync(u => u.SetProperty(x => x.ClaimedUntil, until), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is DbException or DbUpdateException or InvalidOperationException)
        {
            // The database is unreachable: the claim may lapse and another attempt may send too (same UIDs; harmless).
            LogRenewFailed(logger, exportId, e.Message);
        }
    }

    /// <summary>
    /// An admin's retry of a failed export: attempts start again from the first delay. Only a
    /// <see cref="ExportState.Failed"/> export is retried: a pending or retrying one already has its next attempt queued
    /// (a second chain of attempts would send it twice), and a sent one is never sent again.
    /// </summary>
    /// <param name="exportId">The export.</param>
    /// <param name="user">Who asked (an amended report's retry goes into the study's audit trail under this name).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The export's state when asked (<see cref="ExportState.Failed"/>: retried); null when there is no such export.</returns>
    public async Task<ExportState?> RetryAsync(long exportId, string user, CancellationToken cancellationToken)
    {
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var export = await db.Exports.SingleOrDefaultAsync(x => x.Id == exportId, cancellationToken).ConfigureAwait(false);
            if (export is null || export.State != ExportState.Failed)
            {
                return export?.State;
            }

            export.State = ExportState.Pending;
            export.Attempts = 0;
            export.NextAttemptAt = null;
            if (export.ReviewNumber > 0)
            {
                await AuditAsync(db, export, time.GetUtcNow(), user, "export-retry-requested",
                    new { exportId = export.Id, destination = export.Destination, state = nameof(ExportState.Failed) },
                    new { exportId = export.Id, destination = export.Destination, state = nameof(ExportState.Pending) }, cancellationToken).ConfigureAwait(false);
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            jobs.Enqueue<ExportResultsJob>(JobQueues.Export, job => job.RunAsync(exportId, CancellationToken.None));
            return ExportState.Failed;
        }
    }

    /// <summary>Adds an amended export's audit entry (saved with the caller's changes), under the analysis's model version.</summary>
    private static async Task AuditAsync(ResultsDbContext db, ExportRecord export, DateTimeOffset at, string user, string action, object? before, object after,
        CancellationToken cancellationToken)
    {
        string modelVersion = await db.Analyses.AsNoTracking().Where(a => a.Id == export.AnalysisId).Select(a => a.ModelVersion)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false) ?? "unknown";
        db.AuditEntries.Add(Review.ReviewService.Audit(export.StudyId, at, user, action, null,
            before is null ? null : System.Text.Json.JsonSerializer.Serialize(before, Review.ReviewService.Json),
            System.Text.Json.JsonSerializer.Serialize(after, Review.ReviewService.Json), modelVersion, export.ReviewNumber));
    }

    private async Task<string?> SendAsync(DestinationSettings destination, IReadOnlyList<(string Path, string SopClassUid)> files, CancellationToken cancellationToken)
    {
        if (files.Count == 0)
        {
            return null;
        }

        try
        {
            if (destination.IsStowRs)
            {
                return await stow.SendAsync(new Uri(destination.StowRsUrl!), [.. files.Select(f => f.Path)], cancellationToken).ConfigureAwait(false);
            }

            // Inside the try: a TLS file gone since the start, like a refused handshake, is a recorded attempt that is retried.
            var outcomes = await associations.StoreAsync(destination, files, cancellationToken).ConfigureAwait(false);
            var bad = outcomes.Where(o => o.Result is not (DicomStoreResult.Success or DicomStoreResult.Warning)).ToList();
            return bad.Count == 0 ? null : $"{bad.Count} of {outcomes.Count} objects not stored: {bad[0].Message}";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Any failure to send (the network, the peer, a fault in the client) is a recorded attempt, retried with the
            // configured delays: an exception escaping here would fail the job and leave the export pending with no job.
            return e.Message;
        }
    }

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "Export {ExportId} to {Destination} is being sent by another attempt, which renews its claim; looking again at {Again}")]
    private static partial void LogClaimed(ILogger logger, long exportId, string destination, DateTimeOffset again);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Warning, Message = "Export {ExportId} to {Destination}: claim {Claim} was not renewed for {Watched}; its attempt is taken to be dead and this one takes the export over")]
    private static partial void LogClaimTakenOver(ILogger logger, long exportId, string destination, string? claim, TimeSpan watched);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Export {ExportId} to {Destination}: the claim lapsed during the attempt and another attempt took it over; this one's record is dropped")]
    private static partial void LogClaimLost(ILogger logger, long exportId, string destination);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "Export {ExportId}: the claim could not be renewed: {Error}")]
    private static partial void LogRenewFailed(ILogger logger, long exportId, string error);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Export {ExportId} to {Destination} sent (attempt {Attempt})")]
    private static partial void LogSent(ILogger logger, long exportId, string destination, int attempt);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Export {ExportId} to {Destination} attempt {Attempt} failed; next in {Delay}: {Error}")]
    private static partial void LogRetrying(ILogger logger, long exportId, string destination, int attempt, TimeSpan delay, string error);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "Export {ExportId} to {Destination} failed after {Attempts} attempts, waiting for an admin: {Error}")]
    private static partial void LogFailed(ILogger logger, long exportId, string destination, int attempts, string error);
}
