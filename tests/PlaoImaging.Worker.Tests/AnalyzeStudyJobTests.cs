using System.Data.Common;
using Hangfire;
using Hangfire.Storage.SQLite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Ingest;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Operations;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// Two analysis jobs (or two runs of one reprocessing request) for the same studies on two nodes sharing one real
/// SQLite results database. The interleaving is fixed, not timed: node A's analysis is held just before it records
/// (its claim or its result) while node B's job runs from start to end; only then does A go on.
/// </summary>
[Trait("Category", "unit")]
public sealed class AnalyzeStudyJobTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AnalyzeAsync_SecondJobWhileTheFirstAnalyses_RunsNoSecondAnalysis()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("analyze-job-race", ct);
        var (studyId, generation) = await bench.QueueStudyAsync(ct);

        var a = bench.Node();
        var b = bench.Node();
        a.Databases.HoldRecording();
        var first = a.Job.AnalyzeAsync(studyId, generation, null, "1", ct);
        await a.Databases.RecordingReached.WaitAsync(ct);

        // Node A has claimed the study and run the engine; node B's job for the same generation runs now.
        await b.Job.AnalyzeAsync(studyId, generation, null, "2", ct);
        Assert.Equal(0, Analysed(b.Metrics));
        Assert.Equal(StudyState.Analysing, (await bench.StudyAsync(studyId, ct)).State);

        a.Databases.Release();
        await first;

        Assert.Equal(1, Analysed(a.Metrics) + Analysed(b.Metrics));
        await bench.AssertOneAnalysisAndSettledAsync(studyId, ct);
    }

    [Fact]
    public async Task AnalyzeAsync_TheClaimingJobFailedAndIsRetried_ItsRetryAnalysesAndAnotherJobDoesNot()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("analyze-job-retry", ct);
        var (studyId, generation) = await bench.QueueStudyAsync(ct);

        var a = bench.Node();
        var b = bench.Node();
        a.Databases.FailRecording();
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.Job.AnalyzeAsync(studyId, generation, null, "1", ct));
        Assert.Equal(StudyState.Analysing, (await bench.StudyAsync(studyId, ct)).State);

        // Another job finds the claim of job 1, which Hangfire retries: the retry holds the claim already.
        await b.Job.AnalyzeAsync(studyId, generation, null, "2", ct);
        Assert.Equal(0, Analysed(b.Metrics));
        await a.Job.AnalyzeAsync(studyId, generation, null, "1", ct);

        Assert.Equal(1, Analysed(a.Metrics));
        Assert.Single(await bench.AnalysesAsync(studyId, ct));
        Assert.NotEqual(StudyState.Analysing, (await bench.StudyAsync(studyId, ct)).State);
    }

    [Fact]
    public async Task AnalyzeAsync_AssemblerCrashedBetweenEnqueueAndMark_TheJobStillAnalysesOnceAndTheStudyIsNotQueuedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("analyze-job-unmarked", ct);
        string uid = DicomUidGenerator.NewUid();
        await bench.Services.StoreAsync(WorkerServices.Radiograph(uid), ct);
        bench.Services.Time.Advance(Quiet);
        var record = await bench.Services.StudyAsync(uid, ct);
        Assert.Equal(StudyState.Receiving, record.State);

        // The job the crashed pass queued runs while the study is still receiving (never marked queued).
        var a = bench.Node();
        await a.Job.AnalyzeAsync(record.Id, record.Generation, null, "1", ct);

        Assert.Equal(1, Analysed(a.Metrics));
        Assert.Equal(0, await bench.Assembler().QueueDueStudiesAsync(ct));
        Assert.Single(await bench.AnalysesAsync(record.Id, ct));
    }

    [Fact]
    public async Task AnalyzeAsync_ImagesRemovedByRetentionMeanwhile_TheStudyEndsWithTheReasonNotAnalysing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("analyze-job-purged", ct);
        var (studyId, generation) = await bench.QueueStudyAsync(ct);
        var db = bench.Services.CreateDbContext();
        await using (db)
        {
            await db.Studies.Where(s => s.Id == studyId).ExecuteUpdateAsync(u => u.SetProperty(s => s.ImagesPurgedAt, bench.Services.Time.GetUtcNow()), ct);
        }

        var a = bench.Node();
        await a.Job.AnalyzeAsync(studyId, generation, null, "1", ct);

        var study = await bench.StudyAsync(studyId, ct);
        Assert.Equal(StudyState.NoResult, study.State);
        Assert.Equal("the study's images were removed by retention", study.Reason);
        Assert.Empty(await bench.AnalysesAsync(studyId, ct));
    }

    [Fact]
    public async Task AnalyzeAsync_ReprocessingReachesAStudyQueuedForARoutedJob_ItClaimsTheStudyAndTheRoutedJobRunsNoSecondAnalysis()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("analyze-batch-first", ct);
        var (studyId, generation) = await bench.QueueStudyAsync(ct);

        var a = bench.Node();
        var b = bench.Node();
        a.Databases.HoldRecording();
        var batch = a.Job.AnalyzeAsync(studyId, generation, 7, null, ct);
        await a.Databases.RecordingReached.WaitAsync(ct);
        var claimed = await bench.StudyAsync(studyId, ct);
        Assert.Equal(StudyState.Analysing, claimed.State);
        Assert.Equal("being analysed by reprocess:7", claimed.AnalysisClaim);
        Assert.Equal(claimed.AnalysisClaim, claimed.Reason);

        // The routed job the assembler queued runs while the batch's engine has run and its record waits.
        await b.Job.AnalyzeAsync(studyId, generation, null, "2", ct);
        Assert.Equal(0, Analysed(b.Metrics));

        a.Databases.Release();
        await batch;
        Assert.Equal(1, Analysed(a.Metrics));
        Assert.Equal("reprocess:7", (await bench.AssertOneAnalysisAndSettledAsync(studyId, ct)).Trigger);
    }

    [Fact]
    public async Task AnalyzeAsync_ReprocessingReachesAStudyARoutedJobAnalyses_ItLeavesTheStudyToThatJob()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("analyze-batch-second", ct);
        var (studyId, generation) = await bench.QueueStudyAsync(ct);

        var a = bench.Node();
        var b = bench.Node();
        a.Databases.HoldRecording();
        var routed = a.Job.AnalyzeAsync(studyId, generation, null, "1", ct);
        await a.Databases.RecordingReached.WaitAsync(ct);

        await b.Job.AnalyzeAsync(studyId, generation, 7, null, ct);
        Assert.Equal(0, Analysed(b.Metrics));
        Assert.Equal("being analysed by job 1", (await bench.StudyAsync(studyId, ct)).AnalysisClaim);

        a.Databases.Release();
        await routed;
        Assert.Equal(1, Analysed(a.Metrics));
        Assert.Equal("realtime", Assert.Single(await bench.AnalysesAsync(studyId, ct)).Trigger);
    }

    [Fact]
    public async Task AnalyzeAsync_ReprocessingReachesAStudyStillReceiving_ItLeavesTheStudyToItsRoutedAnalysis()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("analyze-batch-receiving", ct);
        string uid = DicomUidGenerator.NewUid();
        await bench.Services.StoreAsync(WorkerServices.Radiograph(uid), ct);
        var record = await bench.Services.StudyAsync(uid, ct);
        Assert.Equal(StudyState.Receiving, record.State);

        var a = bench.Node();
        await a.Job.AnalyzeAsync(record.Id, record.Generation, 7, null, ct);
        Assert.Equal(0, Analysed(a.Metrics));
        Assert.Equal(StudyState.Receiving, (await bench.StudyAsync(record.Id, ct)).State);

        // The quiet period ends: the routed job analyses it, once.
        bench.Services.Time.Advance(Quiet);
        Assert.Equal(1, await bench.Assembler().QueueDueStudiesAsync(ct));
        await a.Job.AnalyzeAsync(record.Id, record.Generation, null, "1", ct);
        Assert.Equal(1, Analysed(a.Metrics));
        Assert.Equal("realtime", Assert.Single(await bench.AnalysesAsync(record.Id, ct)).Trigger);
    }

    [Fact]
    public async Task AnalyzeAsync_ReprocessingStoppedAfterItsClaim_TheStudyIsQueuedAgainWithARoutedJob()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("analyze-batch-stopped", ct);
        var (studyId, generation) = await bench.QueueStudyAsync(ct);
        long queuedBefore = bench.RealtimeJobsQueued();

        var a = bench.Node();
        a.Databases.HoldRecording();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var batch = a.Job.AnalyzeAsync(studyId, generation, 7, null, stop.Token);
        await a.Databases.RecordingReached.WaitAsync(ct);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batch);

        var study = await bench.StudyAsync(studyId, ct);
        Assert.Equal(StudyState.Queued, study.State);
        Assert.Null(study.Reason);
        Assert.Null(study.AnalysisClaim);
        Assert.Empty(await bench.AnalysesAsync(studyId, ct));
        Assert.Equal(queuedBefore + 1, bench.RealtimeJobsQueued());
    }

    [Fact]
    public async Task AnalyzeAsync_AStudyClaimedByAStoppedRequest_OnlyThatRequestRunAgainAnalysesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("analyze-batch-own-claim", ct);
        var (studyId, generation) = await bench.QueueStudyAsync(ct);
        var db = bench.Services.CreateDbContext();
        await using (db)
        {
            // As a request whose node died between its claim and its record leaves the study. The reason's words do
            // not matter to the claims: another text here changes nothing.
            await db.Studies.Where(s => s.Id == studyId).ExecuteUpdateAsync(u => u.SetProperty(s => s.State, StudyState.Analysing)
                .SetProperty(s => s.AnalysisClaim, "being analysed by reprocess:7")
                .SetProperty(s => s.Reason, "being analysed by reprocess:8"), ct);
        }

        var a = bench.Node();
        await a.Job.AnalyzeAsync(studyId, generation, 8, null, ct);
        Assert.Equal(0, Analysed(a.Metrics));
        await a.Job.AnalyzeAsync(studyId, generation, 7, null, ct);
        Assert.Equal(1, Analysed(a.Metrics));
        Assert.NotEqual(StudyState.Analysing, (await bench.StudyAsync(studyId, ct)).State);
    }

    [Fact]
    public async Task ReprocessRunAsync_ALaterRunOfTheSameRequest_TakesItOverAndTheEarlierRunWritesNothingMore()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("reprocess-takeover", ct);
        var first = await bench.QueueStudyAsync(ct);
        var a = bench.ReprocessNode();
        var b = bench.ReprocessNode();
        long id = (await a.Service.RequestAsync(new ReprocessFilter(), "test", ct)).Id;

        // Run A stops at the recording of its analysis, after it claimed the study. Meanwhile run B of the same
        // request, as the start-up recovery queues it after a crash, runs from start to end. One study only: a run
        // reads its next study while the one before records, so with two the held call could be the second
        // study's read instead of the first one's record. (That interleaving once left a study with no analysis: a
        // run deleted the other run's failed analysis before losing the claim. See the test below.)
        a.Databases.HoldRecording();
        var runA = a.Service.RunAsync(id, ct);
        await a.Databases.RecordingReached.WaitAsync(ct);
        await b.Service.RunAsync(id, ct);
        var afterB = await bench.RequestAsync(id, ct);
        Assert.Equal(ReprocessState.Done, afterB.State);
        Assert.Equal(1, afterB.Total);
        Assert.Equal(1, afterB.Done + afterB.Skipped);

        a.Databases.Release();
        await runA;

        Assert.Contains(a.Log.Entries, e => e.EventId == 1502);
        Assert.DoesNotContain(a.Log.Entries, e => e.EventId == 1500);
        Assert.Contains(b.Log.Entries, e => e.EventId == 1500);
        var end = await bench.RequestAsync(id, ct);
        Assert.Equal((afterB.State, afterB.Done, afterB.Skipped, afterB.FinishedAt, afterB.RunToken), (end.State, end.Done, end.Skipped, end.FinishedAt, end.RunToken));
        await bench.AssertOneAnalysisAndSettledAsync(first.Id, ct);
    }

    [Fact]
    public async Task ReprocessAsync_AFailedAnalysis_IsReplacedByTheNextRequestAndKeptByARoutedJob()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("reprocess-failed-again", ct);
        var (studyId, generation) = await bench.QueueStudyAsync(ct);

        // The test radiograph has no pixel data: the engine reports the image failed, so the analysis is failed.
        var failed = await bench.Analysis().AnalyzeAsync(studyId, null, "reprocess:1", ct);
        Assert.Equal("failed", (await bench.AssertOneAnalysisAndSettledAsync(studyId, ct)).Status);

        var routed = await bench.Analysis().AnalyzeAsync(studyId, generation, "realtime", ct);
        Assert.True(routed.Skipped);
        Assert.Equal(failed.AnalysisId, routed.AnalysisId);

        var again = await bench.Analysis().AnalyzeAsync(studyId, null, "reprocess:2", ct);
        Assert.False(again.Skipped);
        var analysis = await bench.AssertOneAnalysisAndSettledAsync(studyId, ct);
        Assert.NotEqual(failed.AnalysisId, analysis.Id);
        Assert.Equal((again.AnalysisId, "reprocess:2"), (analysis.Id, analysis.Trigger));
        Assert.Equal(analysis.Id, (await bench.StudyAsync(studyId, ct)).LatestAnalysisId);
    }

    [Fact]
    public async Task ReprocessAsync_AFailedAnalysisRecordedByAnotherRequestWhileThisOneLooks_IsKept()
    {
        var ct = TestContext.Current.CancellationToken;
        using var bench = await Bench.CreateAsync("reprocess-failed-kept", ct);
        var (studyId, _) = await bench.QueueStudyAsync(ct);

        // Request 1 has read the study (still queued) and is held before it looks for an existing analysis. Request 2
        // claims, analyses (failed: no pixel data) and records the study meanwhile. Request 1 then finds request 2's
        // failed analysis, which a reprocess replaces, but loses the claim. It deleted the failed analysis before
        // it claimed, and left the study with none (seen as a flaky test of two runs of one request).
        var held = new HeldCommand("FROM \"analyses\"");
        var one = Task.Run(() => bench.Analysis(held).AnalyzeAsync(studyId, null, "reprocess:1", ct), ct);
        await held.Reached.WaitAsync(TimeSpan.FromMinutes(1), ct);
        var two = await bench.Analysis().AnalyzeAsync(studyId, null, "reprocess:2", ct);
        Assert.False(two.Skipped);
        held.Release();
        var byOne = await one;

        Assert.True(byOne.Skipped, byOne.Reason);
        var analysis = await bench.AssertOneAnalysisAndSettledAsync(studyId, ct);
        Assert.Equal((two.AnalysisId, "reprocess:2"), (analysis.Id, analysis.Trigger));
        Assert.Equal(analysis.Id, (await bench.StudyAsync(studyId, ct)).LatestAnalysisId);
    }

    /// <summary>Analyses recorded by one node (any status): the loser of a race to record counts too, as it ran the engine.</summary>
    private static double Analysed(WorkerMetrics metrics) =>
        metrics.StudiesAnalysed.GetAllLabelValues().Sum(labels => metrics.StudiesAnalysed.WithLabels(labels).Value);

    /// <summary>A results database, a job storage and one loaded model that the nodes share.</summary>
    private sealed class Bench : IDisposable
    {
        private readonly AnalysisEngine engine;
        private readonly SQLiteStorage storage;

        private Bench(WorkerServices services, AnalysisEngine engine, SQLiteStorage storage)
        {
            Services = services;
            this.engine = engine;
            this.storage = storage;
        }

        public WorkerServices Services { get; }

        public static async Task<Bench> CreateAsync(string name, CancellationToken ct)
        {
            var services = await WorkerServices.CreateAsync(name, Quiet, ct);
            var engine = new AnalysisEngine(
                Options.Create(new AnalysisSettings { Model = Path.Combine(Peers.RepositoryRoot, "models", "plao-vertebra-landmarks-v1.json"), Provider = "cpu", Threads = 1 }),
                new ActiveRoles(WorkerRoles.All), new WorkerMetrics(), TimeProvider.System, NullLogger<AnalysisEngine>.Instance);
            return new Bench(services, engine, new SQLiteStorage(Path.Combine(services.Paths.DataFolder, "hangfire.db"), new SQLiteStorageOptions()));
        }

        /// <summary>A study received, its quiet period over and queued by the assembler: its id and generation.</summary>
        public async Task<(long Id, int Generation)> QueueStudyAsync(CancellationToken ct)
        {
            string uid = DicomUidGenerator.NewUid();
            await Services.StoreAsync(WorkerServices.Radiograph(uid), ct);
            Services.Time.Advance(Quiet);
            Assert.Equal(1, await Assembler().QueueDueStudiesAsync(ct));
            var study = await Services.StudyAsync(uid, ct);
            Assert.Equal(StudyState.Queued, study.State);
            return (study.Id, study.Generation);
        }

        /// <summary>Analysis jobs waiting on the queue <c>realtime</c> of the job storage.</summary>
        public long RealtimeJobsQueued() => storage.GetMonitoringApi().EnqueuedCount(JobQueues.Realtime);

        public StudyAssembler Assembler() => new(Services, new BackgroundJobClient(storage), Services.Signal, Services.Assembly, Services.Time,
            NullLogger<StudyAssembler>.Instance);

        /// <summary>An analysis service of its own, its database commands passing through <paramref name="interceptor"/> if given.</summary>
        public StudyAnalysisService Analysis(IInterceptor? interceptor = null) =>
            AnalysisOn(interceptor is null ? Services : new InterceptedDatabases(Services, interceptor), new WorkerMetrics());

        /// <summary>An analysis service on the shared model and job storage, reaching the database through <paramref name="databases"/>.</summary>
        private StudyAnalysisService AnalysisOn(IDbContextFactory<ResultsDbContext> databases, WorkerMetrics metrics) => new(
            databases, engine, Services.Paths, Options.Create(new AnalysisSettings()), Options.Create(new ExportSettings()), new BackgroundJobClient(storage), metrics,
            Services.Time, NullLogger<StudyAnalysisService>.Instance);

        /// <summary>One analysis node: its own metrics, and its analysis reaching the database through a gate.</summary>
        public (AnalyzeStudyJob Job, GatedDatabases Databases, WorkerMetrics Metrics) Node()
        {
            var metrics = new WorkerMetrics();
            var databases = new GatedDatabases(Services);
            var analysis = AnalysisOn(databases, metrics);
            return (new AnalyzeStudyJob(analysis, Services, metrics, Services.Time, NullLogger<AnalyzeStudyJob>.Instance), databases, metrics);
        }

        /// <summary>
        /// One reprocessing node: its own analysis service, reaching the database through a gate, and a log; one study
        /// at a time in the engine.
        /// </summary>
        public (ReprocessService Service, GatedDatabases Databases, ListLogger<ReprocessService> Log) ReprocessNode()
        {
            var databases = new GatedDatabases(Services);
            var analysis = AnalysisOn(databases, new WorkerMetrics());
            var log = new ListLogger<ReprocessService>();
            var service = new ReprocessService(Services, analysis, Services.Ingest, Services.Paths, new BackgroundJobClient(storage),
                Options.Create(new JobsSettings { BatchAnalyses = 1 }), Services.Time, log);
            return (service, databases, log);
        }

        public async Task<ReprocessRecord> RequestAsync(long id, CancellationToken ct)
        {
            var db = Services.CreateDbContext();
            await using (db)
            {
                return await db.ReprocessRequests.AsNoTracking().SingleAsync(r => r.Id == id, ct);
            }
        }

        public async Task<StudyRecord> StudyAsync(long id, CancellationToken ct)
        {
            var db = Services.CreateDbContext();
            await using (db)
            {
                return await db.Studies.AsNoTracking().SingleAsync(s => s.Id == id, ct);
            }
        }

        /// <summary>Asserts the study has exactly one analysis and has left analysing for its outcome; returns the analysis.</summary>
        public async Task<AnalysisRecord> AssertOneAnalysisAndSettledAsync(long studyId, CancellationToken ct)
        {
            var analysis = Assert.Single(await AnalysesAsync(studyId, ct));
            var study = await StudyAsync(studyId, ct);
            Assert.True(study.State is StudyState.Analysed or StudyState.NoResult or StudyState.Failed, $"the study is {study.State}");
            return analysis;
        }

        public async Task<List<AnalysisRecord>> AnalysesAsync(long studyId, CancellationToken ct)
        {
            var db = Services.CreateDbContext();
            await using (db)
            {
                return await db.Analyses.AsNoTracking().Where(a => a.StudyId == studyId).ToListAsync(ct);
            }
        }

        public void Dispose() => engine.Dispose();
    }

    /// <summary>Database contexts whose commands pass through one interceptor.</summary>
    private sealed class InterceptedDatabases(WorkerServices services, IInterceptor interceptor) : IDbContextFactory<ResultsDbContext>
    {
        public ResultsDbContext CreateDbContext() => services.CreateDbContext(interceptor);
    }

    /// <summary>Holds the first query whose text contains <paramref name="text"/> until released; later ones pass.</summary>
    private sealed class HeldCommand(string text) : DbCommandInterceptor
    {
        private readonly TaskCompletionSource reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int seen;

        public Task Reached => reached.Task;

        public void Release() => released.TrySetResult();

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains(text, StringComparison.Ordinal) && Interlocked.Increment(ref seen) == 1)
            {
                reached.TrySetResult();
                await released.Task.WaitAsync(cancellationToken);
            }

            return result;
        }
    }

    /// <summary>
    /// The analysis service's database contexts; the second one it asks for (recording the result, after the engine ran)
    /// can be held until released, or refused as a database outage would.
    /// </summary>
    private sealed class GatedDatabases(IDbContextFactory<ResultsDbContext> inner) : IDbContextFactory<ResultsDbContext>
    {
        private readonly TaskCompletionSource reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int calls;
        private bool hold;
        private bool fail;

        public Task RecordingReached => reached.Task;

        public void HoldRecording() => hold = true;

        public void FailRecording() => fail = true;

        public void Release() => released.TrySetResult();

        public ResultsDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<ResultsDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref calls) == 2)
            {
                if (fail)
                {
                    fail = false;
                    throw new InvalidOperationException("the database is unreachable");
                }

                if (hold)
                {
                    reached.TrySetResult();
                    await released.Task.WaitAsync(cancellationToken);
                }
            }

            return inner.CreateDbContext();
        }
    }
}
