using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Jobs;

/// <summary>
/// Recurring job: removes the received images of studies that are finished (analysed, no result or failed; every
/// export sent or failed) and older than <see cref="RetentionSettings.KeepImagesDays"/>. The index, results and produced
/// objects stay; the study records when its images went, and an analysis of it is then skipped with that reason.
/// </summary>
public sealed partial class RetentionJob(
    IDbContextFactory<ResultsDbContext> databases,
    StoragePaths paths,
    IOptions<RetentionSettings> settings,
    TimeProvider time,
    ILogger<RetentionJob> logger)
{
    public const string RecurringId = "retention";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(600)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        int days = settings.Value.KeepImagesDays;
        if (days <= 0)
        {
            return;
        }

        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(days);
        var db = await databases.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var studies = await db.Studies
                .Where(s => s.ImagesPurgedAt == null && s.LastReceivedAt < cutoff
                    && (s.State == StudyState.Analysed || s.State == StudyState.NoResult || s.State == StudyState.Failed)
                    && !db.Exports.Any(x => x.StudyId == s.Id && (x.State == ExportState.Pending || x.State == ExportState.Retrying)))
                .Take(500).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var study in studies)
            {
                var files = await db.Instances.AsNoTracking().Where(i => i.StudyId == study.Id).Select(i => i.Path).ToListAsync(cancellationToken).ConfigureAwait(false);
                foreach (string relative in files)
                {
                    try
                    {
                        File.Delete(paths.InStorage(relative));
                    }
                    catch (IOException)
                    {
                    }
                }

                study.ImagesPurgedAt = time.GetUtcNow();
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            LogPurged(logger, studies.Count, days);
        }
    }

    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Retention removed the images of {Count} studies older than {Days} days")]
    private static partial void LogPurged(ILogger logger, int count, int days);
}
