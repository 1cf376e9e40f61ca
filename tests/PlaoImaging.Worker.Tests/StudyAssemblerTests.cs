using Hangfire;
using Hangfire.Storage.SQLite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using PlaoImaging.Dicom;
using PlaoImaging.Worker.Ingest;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The quiet period, on a fake clock: the assembler queues a study on Hangfire's real client over a real SQLite job
/// storage once its quiet period has ended, once per generation.
/// </summary>
[Trait("Category", "unit")]
public sealed class StudyAssemblerTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task QueueDueStudiesAsync_BeforeAndAfterTheQuietPeriod_QueuesOnlyAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, storage, assembler) = await CreateAsync("assembler-quiet", ct);
        string study = DicomUidGenerator.NewUid();
        await services.StoreAsync(WorkerServices.Radiograph(study), ct);

        services.Time.Advance(Quiet - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await assembler.QueueDueStudiesAsync(ct));
        Assert.Equal(StudyState.Receiving, (await services.StudyAsync(study, ct)).State);
        Assert.Empty(Enqueued(storage));

        services.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await assembler.QueueDueStudiesAsync(ct));

        var record = await services.StudyAsync(study, ct);
        Assert.Equal(StudyState.Queued, record.State);
        Assert.Equal(1, record.QueuedGeneration);
        Assert.Null(record.DueAt);
        var job = Assert.Single(Enqueued(storage));
        Assert.Equal(typeof(AnalyzeStudyJob), job.Type);
        Assert.Equal(nameof(AnalyzeStudyJob.RunAsync), job.Method.Name);
        Assert.Equal(record.Id, Convert.ToInt64(job.Args[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, Convert.ToInt32(job.Args[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(job.Args[2]);
    }

    [Fact]
    public async Task QueueDueStudiesAsync_NewInstanceDuringTheQuietPeriod_RestartsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, storage, assembler) = await CreateAsync("assembler-restart", ct);
        string study = DicomUidGenerator.NewUid();
        await services.StoreAsync(WorkerServices.Radiograph(study), ct);
        services.Time.Advance(TimeSpan.FromSeconds(6));
        await services.StoreAsync(WorkerServices.Radiograph(study), ct);

        services.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(0, await assembler.QueueDueStudiesAsync(ct));
        Assert.Empty(Enqueued(storage));

        services.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, await assembler.QueueDueStudiesAsync(ct));
        var job = Assert.Single(Enqueued(storage));
        Assert.Equal(2, Convert.ToInt32(job.Args[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task QueueDueStudiesAsync_QueuedOnce_AGenerationChangeMakesItDueAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, storage, assembler) = await CreateAsync("assembler-generation", ct);
        string study = DicomUidGenerator.NewUid();
        var first = WorkerServices.Radiograph(study);
        await services.StoreAsync(first, ct);
        services.Time.Advance(Quiet);
        Assert.Equal(1, await assembler.QueueDueStudiesAsync(ct));

        services.Time.Advance(Quiet);
        Assert.Equal(0, await assembler.QueueDueStudiesAsync(ct));
        Assert.Single(Enqueued(storage));

        // The same instance again changes nothing; a corrected one is a new generation.
        await services.StoreAsync(first, ct);
        services.Time.Advance(Quiet);
        Assert.Equal(0, await assembler.QueueDueStudiesAsync(ct));

        await services.StoreAsync(WorkerServices.Radiograph(study, first.GetString(DicomTags.SOPInstanceUID), "CORRECTED"), ct);
        Assert.Equal(StudyState.Receiving, (await services.StudyAsync(study, ct)).State);
        services.Time.Advance(Quiet);
        Assert.Equal(1, await assembler.QueueDueStudiesAsync(ct));

        var record = await services.StudyAsync(study, ct);
        Assert.Equal(StudyState.Queued, record.State);
        Assert.Equal(2, record.QueuedGeneration);
        var generations = Enqueued(storage).Select(j => Convert.ToInt32(j.Args[1], System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal([1, 2], generations);
    }

    [Fact]
    public async Task QueueDueStudiesAsync_OnlyOurOwnObjects_NeverQueued()
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, storage, assembler) = await CreateAsync("assembler-own", ct);
        await services.StoreAsync(WorkerServices.Report(DicomUidGenerator.NewUid(), IngestService.OwnManufacturer), ct);

        services.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, await assembler.QueueDueStudiesAsync(ct));
        Assert.Empty(Enqueued(storage));
    }

    [Fact]
    public async Task QueueDueStudiesAsync_ClockWentBackAnHour_TheQuietPeriodStartsAgainInsteadOfWaitingTheHour()
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, storage, assembler) = await CreateAsync("assembler-clock-back", ct);
        string study = DicomUidGenerator.NewUid();
        await services.StoreAsync(WorkerServices.Radiograph(study), ct);

        // Received while the clock was an hour ahead; the clock has since been put right.
        var db = services.CreateDbContext();
        await using (db)
        {
            var record = db.Studies.Single(s => s.StudyInstanceUid == study);
            record.DueAt = services.Time.GetUtcNow() + TimeSpan.FromHours(1) + Quiet;
            await db.SaveChangesAsync(ct);
        }

        Assert.Equal(0, await assembler.QueueDueStudiesAsync(ct));
        Assert.Equal(services.Time.GetUtcNow() + Quiet, (await services.StudyAsync(study, ct)).DueAt);
        services.Time.Advance(Quiet);
        Assert.Equal(1, await assembler.QueueDueStudiesAsync(ct));
        Assert.Single(Enqueued(storage));
    }

    [Fact]
    public async Task QueueDueStudiesAsync_ClockJumpsAheadAnHour_StudiesDueAreQueuedOnceAndALaterInstanceIsANewGeneration()
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, storage, assembler) = await CreateAsync("assembler-clock-ahead", ct);
        string study = DicomUidGenerator.NewUid();
        await services.StoreAsync(WorkerServices.Radiograph(study), ct);

        services.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await assembler.QueueDueStudiesAsync(ct));
        Assert.Equal(0, await assembler.QueueDueStudiesAsync(ct));
        await services.StoreAsync(WorkerServices.Radiograph(study), ct);
        Assert.Equal(0, await assembler.QueueDueStudiesAsync(ct));
        services.Time.Advance(Quiet);
        Assert.Equal(1, await assembler.QueueDueStudiesAsync(ct));
        Assert.Equal([1, 2], Enqueued(storage).Select(j => Convert.ToInt32(j.Args[1], System.Globalization.CultureInfo.InvariantCulture)).Order().ToList());
    }

    /// <summary>
    /// A routed study's job is lost (deleted here; in production also a job failed after its retries, or one held by
    /// a node that died and was never handed back): the study stays queued. After <c>Assembly:LostJobAfter</c> it gets
    /// one more job, then none until the same time has passed again; a claimed study, a study only imported from a
    /// folder, and any study while a reprocessing request runs, get none.
    /// </summary>
    [Fact]
    public async Task RequeueLostStudiesAsync_AQueuedStudyWhoseJobIsLost_GetsOneMoreJobAfterTheLostTime()
    {
        var ct = TestContext.Current.CancellationToken;
        var (services, storage, assembler) = await CreateAsync("assembler-lost", ct);
        var lostAfter = services.Assembly.Value.LostJobAfter;
        string study = DicomUidGenerator.NewUid();
        await services.StoreAsync(WorkerServices.Radiograph(study), ct);
        services.Time.Advance(Quiet);
        Assert.Equal(1, await assembler.QueueDueStudiesAsync(ct));
        var client = new BackgroundJobClient(storage);
        string firstJob = Assert.Single(storage.GetMonitoringApi().EnqueuedJobs(JobQueues.Realtime, 0, 10)).Key;
        Assert.True(client.Delete(firstJob));
        Assert.Empty(Waiting(storage));

        // A study imported from a folder (no calling AE title), queued for its request, is not this sweep's.
        string imported = DicomUidGenerator.NewUid();
        await services.StoreAsync(WorkerServices.Radiograph(imported), null, route: false, ct);
        Assert.Equal(StudyState.Queued, (await services.StudyAsync(imported, ct)).State);

        services.Time.Advance(lostAfter - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await assembler.RequeueLostStudiesAsync(ct));
        Assert.Empty(Waiting(storage));

        // While a reprocessing request runs, nothing is swept.
        var db = services.CreateDbContext();
        await using (db)
        {
            db.ReprocessRequests.Add(new ReprocessRecord { State = ReprocessState.Running, CreatedAt = services.Time.GetUtcNow(), RequestedBy = "test", FilterJson = "{}" });
            await db.SaveChangesAsync(ct);
        }

        services.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, await assembler.RequeueLostStudiesAsync(ct));
        db = services.CreateDbContext();
        await using (db)
        {
            await db.ReprocessRequests.ExecuteUpdateAsync(u => u.SetProperty(r => r.State, ReprocessState.Done), ct);
        }

        Assert.Equal(1, await assembler.RequeueLostStudiesAsync(ct));
        var job = Assert.Single(Waiting(storage));
        var record = await services.StudyAsync(study, ct);
        Assert.Equal(record.Id, Convert.ToInt64(job.Args[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, Convert.ToInt32(job.Args[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(StudyState.Queued, record.State);
        Assert.Equal(services.Time.GetUtcNow(), record.UpdatedAt);

        // Once given, not again until the same time has passed once more.
        services.Time.Advance(lostAfter - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await assembler.RequeueLostStudiesAsync(ct));
        services.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await assembler.RequeueLostStudiesAsync(ct));
        Assert.Equal(2, Waiting(storage).Count);

        // A study claimed by a job is never swept, however long it analyses.
        db = services.CreateDbContext();
        await using (db)
        {
            await db.Studies.Where(s => s.Id == record.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.State, StudyState.Analysing), ct);
        }

        services.Time.Advance(lostAfter * 3);
        Assert.Equal(0, await assembler.RequeueLostStudiesAsync(ct));
        Assert.Equal(2, Waiting(storage).Count);
    }

    [Fact]
    public async Task UntilNextPassAsync_WaitsUntilTheEarliestQuietPeriodEnds_AtMostThePollInterval()
    {
        var ct = TestContext.Current.CancellationToken;
        var poll = TimeSpan.FromHours(1);
        var (services, _, assembler) = await CreateAsync("assembler-next-pass", ct, new Configuration.AssemblySettings { QuietPeriod = Quiet, PollInterval = poll });
        var margin = TimeSpan.FromMilliseconds(5);

        Assert.Equal(poll, await assembler.UntilNextPassAsync(ct));

        await services.StoreAsync(WorkerServices.Radiograph(DicomUidGenerator.NewUid()), ct);
        Assert.Equal(Quiet + margin, await assembler.UntilNextPassAsync(ct));
        services.Time.Advance(TimeSpan.FromSeconds(4));
        await services.StoreAsync(WorkerServices.Radiograph(DicomUidGenerator.NewUid()), ct);
        Assert.Equal(TimeSpan.FromSeconds(6) + margin, await assembler.UntilNextPassAsync(ct)); // the earlier of the two

        services.Time.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromMilliseconds(10), await assembler.UntilNextPassAsync(ct)); // one is due: a pass at once
        Assert.Equal(1, await assembler.QueueDueStudiesAsync(ct));
        Assert.Equal(TimeSpan.FromSeconds(3) + margin, await assembler.UntilNextPassAsync(ct));
    }

    [Fact]
    public async Task SignalWaitAsync_EndsWhenWokenOrWhenItsTimeOnTheGivenClockIsUp()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var signal = new StudyAssemblerSignal();

        var timed = signal.WaitAsync(TimeSpan.FromSeconds(10), time, ct);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(timed.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await timed.WaitAsync(TimeSpan.FromSeconds(30), ct));

        var woken = signal.WaitAsync(TimeSpan.FromSeconds(10), time, ct);
        signal.Wake();
        Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(30), ct));
    }

    /// <summary>A worker's services, its job storage and an assembler on them (with <paramref name="settings"/>, or the services' own).</summary>
    private static async Task<(WorkerServices Services, SQLiteStorage Storage, StudyAssembler Assembler)> CreateAsync(string name, CancellationToken ct,
        Configuration.AssemblySettings? settings = null)
    {
        var services = await WorkerServices.CreateAsync(name, Quiet, ct);
        var storage = new SQLiteStorage(Path.Combine(services.Paths.DataFolder, "hangfire.db"), new SQLiteStorageOptions());
        var assembler = new StudyAssembler(services, new BackgroundJobClient(storage), services.Signal,
            settings is null ? services.Assembly : Microsoft.Extensions.Options.Options.Create(settings), services.Time, NullLogger<StudyAssembler>.Instance);
        return (services, storage, assembler);
    }

    /// <summary>The realtime queue's jobs still in the enqueued state (a deleted job keeps its queue entry until fetched).</summary>
    private static List<Hangfire.Common.Job> Waiting(JobStorage storage)
    {
        using var connection = storage.GetConnection();
        return storage.GetMonitoringApi().EnqueuedJobs(JobQueues.Realtime, 0, 100)
            .Where(j => connection.GetStateData(j.Key)?.Name == Hangfire.States.EnqueuedState.StateName).Select(j => j.Value.Job).ToList();
    }

    private static List<Hangfire.Common.Job> Enqueued(JobStorage storage) =>
        storage.GetMonitoringApi().EnqueuedJobs(JobQueues.Realtime, 0, 100).Select(j => j.Value.Job).ToList();
}
