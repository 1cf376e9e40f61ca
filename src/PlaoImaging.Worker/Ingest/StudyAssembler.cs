using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Ingest;

/// <summary>
/// Puts studies whose quiet period has ended on the <c>realtime</c> queue. The quiet period lives in the database
/// (<see cref="StudyRecord.DueAt"/>), so a restart resumes every pending study. The job is enqueued before the study is
/// marked queued (by a conditional update on its generation): a crash in between at worst queues one generation twice,
/// and the job claims the generation before it analyses (<see cref="AnalyzeStudyJob"/>), so one job of the two analyses
/// it. When the update finds the study already marked (two assemblers on two nodes saw it due), the job just queued is
/// deleted if no server has fetched it yet; one already running meets the other's claim, or holds its own.
/// </summary>
public sealed partial class StudyAssembler(
    IDbContextFactory<ResultsDbContext> databases,
    IBackgroundJobClient jobs,
    StudyAssemblerSignal signal,
    IOptions<AssemblySettings> settings,
    TimeProvider time,
    ILogger<StudyAssembler> logger) : BackgroundService
{
    /// <summary>The shortest wait between passes (a pass that left due studies, more than 200, goes on after it).</summary>
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(10);

    /// <summary>When the last look for lost jobs began (<see cref="TimeProvider.GetTimestamp"/>); null: none yet.</summary>
    private long? lostCheckedAt;

    /// <summary>How often to look for studies whose job was lost: a tenth of the time that makes one lost, at most a minute.</summary>
    private static TimeSpan LostCheckInterval(AssemblySettings settings) =>
        settings.LostJobAfter / 10 < TimeSpan.FromMinutes(1) ? settings.LostJobAfter / 10 : TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await QueueDueStudiesAsync(stoppingToken).ConfigureAwait(false);
                if (lostCheckedAt is not { } last || time.GetElapsedTime(last) >= LostCheckInterval(settings.Value))
                {
                    lostCheckedAt = time.GetTimestamp();
                    await RequeueLostStudiesAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPassFailed(logger, e);
            }

            try
            {
                await signal.WaitAsync(await UntilNextPassAsync(stoppingToken).ConfigureAwait(false), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// How long to wait before the next pass: until the earliest quiet period still running ends, at most the poll
    /// interval. Waiting for the poll alone held a study for up to a poll interval after its quiet period, which in a
    /// steady flow of studies added most of a second to one study in ten.
    /// </summary>
    internal async Task<TimeSpan> UntilNextPassAsync(CancellationToken cancellationToken)
    {
        var poll = settings.Value.PollInterval;
        try
        {
            var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                var next = await db.Studies.AsNoTracking()
                    .Where(s => s.State == StudyState.Receiving && s.DueAt != null)
                    .OrderBy(s => s.DueAt)
                    .Select(s => s.DueAt)
                    .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
                if (next is not { } due)
                {
                    return poll;
                }

                // A few milliseconds past the end, so that the pass finds the study due on its clock.
                var until = due - time.GetUtcNow() + TimeSpan.FromMilliseconds(5);
                return until < MinimumWait ? MinimumWait : until < poll ? until : poll;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogPassFailed(logger, e);
            return poll;
        }
    }

    /// <summary>One pass: every study in <see cref="StudyState.Receiving"/> whose quiet period has ended goes on the queue.</summary>
    public async Task<int> QueueDueStudiesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            // A quiet period that ends further away than a whole quiet period from now was set before the clock went
            // back (a corrected clock, a VM restored): without this it would hold the study for as long as the jump.
            // The quiet period starts again on the clock as it is now.
            var latest = now + settings.Value.QuietPeriod;
            int pulledIn = await db.Studies
                .Where(s => s.State == StudyState.Receiving && s.DueAt != null && s.DueAt > latest)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.DueAt, (DateTimeOffset?)latest), cancellationToken).ConfigureAwait(false);
            if (pulledIn > 0)
            {
                LogClockWentBack(logger, pulledIn);
            }

            var due = await db.Studies.AsNoTracking()
                .Where(s => s.State == StudyState.Receiving && s.DueAt != null && s.DueAt <= now)
                .OrderBy(s => s.DueAt)
                .Select(s => new { s.Id, s.Generation })
                .Take(200)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            int queued = 0;
            foreach (var study in due)
            {
                // Enqueue first, then mark: a crash in between leaves the study due, so it is queued again and the
                // idempotent job runs once; the other order could leave a study marked queued with no job.
                string jobId = AnalyzeStudyJob.Enqueue(jobs, study.Id, study.Generation);
                int marked = await db.Studies
                    .Where(s => s.Id == study.Id && s.Generation == study.Generation && s.State == StudyState.Receiving)
                    .ExecuteUpdateAsync(u => u.SetProperty(s => s.State, StudyState.Queued)
                        .SetProperty(s => s.QueuedGeneration, study.Generation)
                        .SetProperty(s => s.DueAt, (DateTimeOffset?)null)
                        .SetProperty(s => s.UpdatedAt, now), cancellationToken).ConfigureAwait(false);
                if (marked == 0)
                {
                    // Another node's assembler queued this generation first (or a newer one arrived), or the job
                    // already claimed it. Only a job still waiting is deleted: deleting one that runs would cancel it,
                    // and if it holds the claim, the other job finds it held and the study would stay analysing.
                    jobs.Delete(jobId, EnqueuedState.StateName);
                    LogAlreadyQueued(logger, study.Id, study.Generation);
                    continue;
                }

                LogQueued(logger, study.Id, study.Generation);
                queued++;
            }

            return queued;
        }
    }

    /// <summary>
    /// Gives one more routed job to every study received from a DICOM peer and queued for
    /// <see cref="AssemblySettings.LostJobAfter"/> without being claimed (see there); returns how many. Studies only
    /// imported from a folder are left to their request, also after it was cancelled. Each is first marked with one
    /// conditional update on the time it was last marked, so of two nodes' assemblers one queues it, and a crash before
    /// the enqueue leaves it for the next look.
    /// </summary>
    public async Task<int> RequeueLostStudiesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var before = now - settings.Value.LostJobAfter;
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            if (await db.ReprocessRequests.AnyAsync(r => r.State == ReprocessState.Queued || r.State == ReprocessState.Running, cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }

            var lost = await db.Studies.AsNoTracking()
                .Where(s => s.State == StudyState.Queued && s.UpdatedAt <= before && s.Instances.Any(i => i.CallingAETitle != null))
                .OrderBy(s => s.UpdatedAt)
                .Select(s => new { s.Id, s.Generation, s.UpdatedAt })
                .Take(200)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            int requeued = 0;
            foreach (var study in lost)
            {
                var marked = study.UpdatedAt;
                if (await db.Studies.Where(s => s.Id == study.Id && s.Generation == study.Generation && s.State == StudyState.Queued && s.UpdatedAt == marked)
                    .ExecuteUpdateAsync(u => u.SetProperty(s => s.UpdatedAt, now), cancellationToken).ConfigureAwait(false) == 0)
                {
                    continue; // claimed, changed or queued again by another node meanwhile
                }

                AnalyzeStudyJob.Enqueue(jobs, study.Id, study.Generation);
                LogLostJob(logger, study.Id, study.Generation, now - marked);
                requeued++;
            }

            return requeued;
        }
    }

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Study {StudyId} generation {Generation} was queued {Waited} ago and no job has claimed it; one more job is queued")]
    private static partial void LogLostJob(ILogger logger, long studyId, int generation, TimeSpan waited);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Study {StudyId} generation {Generation} queued for analysis")]
    private static partial void LogQueued(ILogger logger, long studyId, int generation);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Debug, Message = "Study {StudyId} generation {Generation} was queued by another node, claimed, or has changed; the job queued here is deleted unless it runs")]
    private static partial void LogAlreadyQueued(ILogger logger, long studyId, int generation);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "{Count} studies were due later than a whole quiet period from now: the clock went back; their quiet period starts again")]
    private static partial void LogClockWentBack(ILogger logger, int count);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "The study assembler's pass failed; it tries again")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
