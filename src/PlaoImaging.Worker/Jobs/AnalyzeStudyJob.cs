using Hangfire;
using PlaoImaging.Worker.Operations;
using Prometheus;

namespace PlaoImaging.Worker.Jobs;

/// <summary>
/// Hangfire job: analyse one routed study (queue <c>realtime</c>). Takes ids only; idempotent. A failure of the
/// analysis itself is recorded on the study and does not throw; what throws is infrastructure (the database), which
/// Hangfire retries a few times before the job shows as failed in the dashboard.
/// </summary>
public sealed class AnalyzeStudyJob(StudyAnalysisService analysis, WorkerMetrics metrics)
{
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 30, 120])]
    [JobDisplayName("Analyse study {0} (generation {1})")]
    public async Task RunAsync(long studyId, int generation, long? reprocessId, CancellationToken cancellationToken)
    {
        string trigger = reprocessId is { } id ? $"reprocess:{id}" : "realtime";
        using var timer = metrics.JobDuration.WithLabels("analyze-study").NewTimer();
        await analysis.AnalyzeAsync(studyId, reprocessId is null ? generation : null, trigger, cancellationToken).ConfigureAwait(false);
    }
}
