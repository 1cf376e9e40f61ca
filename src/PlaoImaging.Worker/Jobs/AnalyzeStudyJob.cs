using System.Globalization;
using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using PlaoImaging.Worker.Operations;
using PlaoImaging.Worker.Persistence;
using Prometheus;

namespace PlaoImaging.Worker.Jobs;

/// <summary>
/// Hangfire job: analyse one routed study (queue <c>realtime</c>). Takes ids only; idempotent. A failure of the
/// analysis itself is recorded on the study and does not throw; what throws is infrastructure (the database), which
/// Hangfire retries a few times before the job shows as failed in the dashboard.
/// </summary>
/// <remarks>
/// Two jobs for the same study and generation exist at times: two nodes' assemblers both saw the study due (the one
/// that lost the mark deletes its job, but another node may have fetched it already), an assembler crashed between
/// its enqueue and its mark, or a restart queued again a job Hangfire also resumes. The analysis's own idempotency
/// (one analysis per study, generation and model) keeps one result, but only once one is recorded: two jobs that both
/// start before either records both run the engine and write the objects, and the loser queues the winner's exports a
/// second time. So a routed job first claims the study's generation with one conditional update, naming its own
/// Hangfire job: only a study still receiving or queued at that generation, or one this same job claimed before (a
/// retry, or the job fetched again after its node died), is claimed. A job that finds the study claimed by another job
/// ends without doing anything. A reprocessing request that reaches a queued study first claims it the same way (see
/// <see cref="StudyAnalysisService"/>), and the routed job then ends.
/// </remarks>
public sealed partial class AnalyzeStudyJob(
    StudyAnalysisService analysis,
    IDbContextFactory<ResultsDbContext> databases,
    WorkerMetrics metrics,
    TimeProvider time,
    ILogger<AnalyzeStudyJob> logger)
{
    /// <summary>
    /// Queues the routed analysis of a study's generation on <c>realtime</c> (the assembler, the start-up recovery, a
    /// reprocessing request giving a study back); Hangfire passes the job its context, whose id names the job's claim.
    /// </summary>
    /// <returns>The Hangfire job id.</returns>
    public static string Enqueue(IBackgroundJobClient jobs, long studyId, int generation)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return jobs.Enqueue<AnalyzeStudyJob>(JobQueues.Realtime, job => job.RunAsync(studyId, generation, null, null, CancellationToken.None));
    }

    /// <summary>The entry point of jobs queued before jobs claimed their study: claims as a job without a name.</summary>
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 30, 120])]
    [JobDisplayName("Analyse study {0} (generation {1})")]
    public Task RunAsync(long studyId, int generation, long? reprocessId, CancellationToken cancellationToken)
        => AnalyzeAsync(studyId, generation, reprocessId, null, cancellationToken);

    /// <summary>The entry point: Hangfire passes its <paramref name="context"/> (queue the job with <c>null</c>), whose job id names the claim.</summary>
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 30, 120])]
    [JobDisplayName("Analyse study {0} (generation {1})")]
    public Task RunAsync(long studyId, int generation, long? reprocessId, PerformContext? context, CancellationToken cancellationToken)
        => AnalyzeAsync(studyId, generation, reprocessId, context?.BackgroundJob.Id, cancellationToken);

    /// <summary>Claims the study's generation for the job <paramref name="jobId"/> (a routed job), then analyses it.</summary>
    /// <param name="studyId">The study.</param>
    /// <param name="generation">The generation queued.</param>
    /// <param name="reprocessId">The reprocessing request, for a batch job (no claim: it analyses the current generation).</param>
    /// <param name="jobId">The Hangfire job id: the same for every retry of the job. Null: a claim that only a study still receiving or queued gives.</param>
    /// <param name="cancellationToken">Cancels the analysis.</param>
    public async Task AnalyzeAsync(long studyId, int generation, long? reprocessId, string? jobId, CancellationToken cancellationToken)
    {
        string trigger = reprocessId is { } id ? ReprocessService.Trigger(id) : "realtime";
        using var timer = metrics.JobDuration.WithLabels("analyze-study").NewTimer();
        if (reprocessId is null && !await ClaimAsync(studyId, generation, jobId, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await analysis.AnalyzeAsync(studyId, reprocessId is null ? generation : null, trigger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// True when this job may analyse the study: it claimed the generation now or had claimed it, or the study is
    /// finished at this generation (the analysis then only queues again what its exports lack, as after a crash between
    /// recording the analysis and queuing them). False, logged, when another job holds the claim or the generation is
    /// no longer the study's.
    /// </summary>
    private async Task<bool> ClaimAsync(long studyId, int generation, string? jobId, CancellationToken cancellationToken)
    {
        string? claim = jobId is null ? null : AnalysisClaims.Routed(jobId);
        var now = time.GetUtcNow();
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            // One statement decides between jobs on any node: the database applies one update of the row at a time,
            // and the second finds the state the first set. The claim has its own column; the reason shows it too.
            int claimed = await db.Studies
                .Where(s => s.Id == studyId && s.Generation == generation
                    && (s.State == StudyState.Receiving || s.State == StudyState.Queued || (claim != null && s.State == StudyState.Analysing && s.AnalysisClaim == claim)))
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.State, StudyState.Analysing)
                    .SetProperty(s => s.AnalysisClaim, claim)
                    .SetProperty(s => s.Reason, claim)
                    .SetProperty(s => s.QueuedGeneration, generation)
                    .SetProperty(s => s.DueAt, (DateTimeOffset?)null)
                    .SetProperty(s => s.UpdatedAt, now), cancellationToken).ConfigureAwait(false);
            if (claimed == 1)
            {
                return true;
            }

            var study = await db.Studies.AsNoTracking().Where(s => s.Id == studyId).Select(s => new { s.State, s.Generation, s.Reason })
                .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (study is null || study.Generation != generation)
            {
                LogNotClaimed(logger, studyId, generation, study is null ? "the study is not in the index" :
                    string.Create(CultureInfo.InvariantCulture, $"the study is at generation {study.Generation}"));
                return false;
            }

            if (study.State == StudyState.Analysing)
            {
                LogNotClaimed(logger, studyId, generation, study.Reason ?? "another job analyses it");
                return false;
            }

            // Analysed, no result or failed at this generation: the analysis finds its record and settles nothing new.
            return true;
        }
    }

    [LoggerMessage(EventId = 1320, Level = LogLevel.Information, Message = "Study {StudyId} generation {Generation}: not analysed by this job, {Reason}")]
    private static partial void LogNotClaimed(ILogger logger, long studyId, int generation, string reason);
}
