using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The retention job removes the received images of finished studies older than the setting, and nothing else: not a
/// study still receiving, not one with an export still to send, not a recent one; the study records when its images went.
/// </summary>
[Trait("Category", "unit")]
public sealed class RetentionJobTests
{
    [Fact]
    public async Task RunAsync_RemovesOnlyOldFinishedStudiesImages_AndRecordsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await WorkerServices.CreateAsync("retention", TimeSpan.FromSeconds(10), ct);
        string old = DicomUidGenerator.NewUid(), exporting = DicomUidGenerator.NewUid(), receiving = DicomUidGenerator.NewUid(), recent = DicomUidGenerator.NewUid();
        foreach (string uid in new[] { old, exporting, receiving })
        {
            await services.StoreAsync(WorkerServices.Radiograph(uid), ct);
        }

        services.Time.Advance(TimeSpan.FromDays(85));
        await services.StoreAsync(WorkerServices.Radiograph(recent), ct);
        await SetStateAsync(services, old, StudyState.Analysed, null, ct);
        await SetStateAsync(services, exporting, StudyState.Analysed, ExportState.Retrying, ct);
        await SetStateAsync(services, recent, StudyState.Analysed, null, ct);
        services.Time.Advance(TimeSpan.FromDays(6)); // the first three were received 91 days ago, the last 6 days ago

        await Retention(services, keepDays: 0).RunAsync(ct);
        Assert.All(new[] { old, exporting, receiving, recent }, uid => Assert.True(ImagesPresent(services, uid), "KeepImagesDays 0 keeps everything"));

        await Retention(services, keepDays: 90).RunAsync(ct);
        Assert.False(ImagesPresent(services, old), "an analysed study older than 90 days loses its images");
        Assert.NotNull((await services.StudyAsync(old, ct)).ImagesPurgedAt);
        Assert.True(ImagesPresent(services, exporting), "a study with an export still to send keeps its images");
        Assert.True(ImagesPresent(services, receiving), "a study still receiving keeps its images");
        Assert.True(ImagesPresent(services, recent), "a study received 6 days ago keeps its images");
        Assert.Null((await services.StudyAsync(recent, ct)).ImagesPurgedAt);
        Assert.Single(await services.InstancesAsync(old, ct)); // the index stays
    }

    [Fact]
    public async Task StoreAsync_AStudyWhoseImagesWereRemovedReceivesANewInstance_ItHasImagesAgainAndIsAssembled()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await WorkerServices.CreateAsync("retention-resent", TimeSpan.FromSeconds(10), ct);
        string uid = DicomUidGenerator.NewUid();
        await services.StoreAsync(WorkerServices.Radiograph(uid), ct);
        await SetStateAsync(services, uid, StudyState.Analysed, null, ct);
        services.Time.Advance(TimeSpan.FromDays(91));
        await Retention(services, keepDays: 90).RunAsync(ct);
        var purged = await services.StudyAsync(uid, ct);
        Assert.NotNull(purged.ImagesPurgedAt);

        // The PACS sends the study again months later (a new instance): it is to be analysed, not left as purged.
        await services.StoreAsync(WorkerServices.Radiograph(uid, DicomUidGenerator.NewUid()), ct);

        var study = await services.StudyAsync(uid, ct);
        Assert.Null(study.ImagesPurgedAt);
        Assert.Equal(StudyState.Receiving, study.State);
        Assert.Equal(purged.Generation + 1, study.Generation);
        Assert.True(ImagesPresent(services, uid));
    }

    private static RetentionJob Retention(WorkerServices services, int keepDays) => new(
        services, services.Paths, Options.Create(new RetentionSettings { KeepImagesDays = keepDays }), services.Time, NullLogger<RetentionJob>.Instance);

    private static bool ImagesPresent(WorkerServices services, string studyUid) =>
        Directory.Exists(Path.Combine(services.Paths.StorageRoot, studyUid)) && Directory.EnumerateFiles(Path.Combine(services.Paths.StorageRoot, studyUid), "*.dcm").Any();

    private static async Task SetStateAsync(WorkerServices services, string studyUid, StudyState state, ExportState? export, CancellationToken cancellationToken)
    {
        var db = services.CreateDbContext();
        await using (db.ConfigureAwait(false))
        {
            var study = await db.Studies.SingleAsync(s => s.StudyInstanceUid == studyUid, cancellationToken);
            study.State = state;
            study.DueAt = null;
            if (export is { } exportState)
            {
                db.Exports.Add(new ExportRecord { StudyId = study.Id, AnalysisId = 1, Destination = "pacs", State = exportState, CreatedAt = services.Time.GetUtcNow() });
            }

            await db.SaveChangesAsync(cancellationToken);
        }
    }
}
