using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>One worker without destinations, shared by the pipeline tests (each works on studies of its own).</summary>
public sealed class PipelineWorker : IAsyncLifetime
{
    public WorkerProcess Worker { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Worker = await WorkerProcess.StartAsync("worker-pipeline", cancellationToken: TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync()
    {
        Worker?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads the worker's results database (SQLite, WAL: readers do not block it).</summary>
    public ResultsDbContext OpenResults() => new SqliteResultsDbContext(new DbContextOptionsBuilder<SqliteResultsDbContext>()
        .UseSqlite($"Data Source={Path.Combine(Worker.DataFolder, "results.db")};Mode=ReadOnly;Pooling=False").Options);

    public DicomClient Client() => new("127.0.0.1", Worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
}

/// <summary>The worker end to end over C-STORE and its API: bad input, duplicates, reprocessing; it stays ready throughout.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class PipelineTests(PipelineWorker fixture) : IClassFixture<PipelineWorker>
{
    private static readonly TimeSpan Analysis = TimeSpan.FromSeconds(90);

    private WorkerProcess Worker => fixture.Worker;

    [Fact]
    public async Task NonSpineStudy_EndsNoResultWithAReason()
    {
        var ct = TestContext.Current.CancellationToken;
        string file = WorkerTestKit.SampleFiles("06-cr-frontal-spine-skip")[0];

        Assert.Equal(DicomStoreResult.Success, Assert.Single(await fixture.Client().StoreAsync([file], null, ct)).Result);

        var study = await WorkerTestKit.WaitForFinishedStudyAsync(Worker, StudyUid(file), Analysis, ct);
        Assert.Equal("NoResult", WorkerTestKit.State(study));
        Assert.False(string.IsNullOrWhiteSpace(study["reason"]?.GetValue<string>()), study.ToJsonString());
        await AssertReadyAsync(ct);
    }

    [Fact]
    public async Task AnalysedStudy_IsCountedAndTimedInTheMetrics()
    {
        var ct = TestContext.Current.CancellationToken;
        // A sample no other test here sends: the folder-import test below counts this fixture's analyses of 04.
        string file = WorkerTestKit.SampleFiles("01-cr-lumbar-mono1-jpegll")[0];
        Assert.Equal(DicomStoreResult.Success, Assert.Single(await fixture.Client().StoreAsync([file], null, ct)).Result);
        var study = await WorkerTestKit.WaitForFinishedStudyAsync(Worker, StudyUid(file), Analysis, ct);
        Assert.Equal("Analysed", WorkerTestKit.State(study));

        var lines = (await Worker.Api.GetStringAsync(new Uri("metrics", UriKind.Relative), ct)).Split('\n');
        static bool Positive(string line) => !line.EndsWith(" 0", StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("plao_instances_received_total{outcome=\"added\"} ", StringComparison.Ordinal) && Positive(l));
        Assert.Contains(lines, l => l.StartsWith("plao_studies_analysed_total{status=\"graded\",trigger=\"realtime\"} ", StringComparison.Ordinal) && Positive(l));
        Assert.Contains(lines, l => l.StartsWith("plao_job_duration_seconds_count{job=\"analyze-study\"} ", StringComparison.Ordinal) && Positive(l));
        Assert.Contains(lines, l => l.StartsWith("plao_analysis_duration_seconds_count ", StringComparison.Ordinal) && Positive(l));
        Assert.Contains(lines, l => l.StartsWith("plao_analysis_engine_cpu_seconds_total ", StringComparison.Ordinal) && Positive(l));
        Assert.Contains(lines, l => l.StartsWith("plao_queue_length{queue=\"realtime\"} ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownStateInAFilter_Answers400NamingTheStates()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (string path in new[] { "api/studies?state=Analysd", "api/exports?state=sent-ish", "api/studies?state=99" })
        {
            using var response = await Worker.Api.GetAsync(path, ct);
            string body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {body}");
            Assert.Contains("is not a state", body, StringComparison.Ordinal);
        }

        using var known = await Worker.Api.GetAsync("api/studies?state=analysed", ct);
        Assert.True(known.IsSuccessStatusCode, $"a known state in any case is a filter: {(int)known.StatusCode}");
    }

    [Fact]
    public async Task InstanceThatCannotBeIndexed_IsRefusedWithAFailureStatus_AndTheWorkerStaysReady()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataset = TinyRadiograph(DicomUidGenerator.NewUid(), 64, 64 * 64 * 2);
        dataset.Remove(DicomTags.StudyInstanceUID);

        var outcome = await fixture.Client().StoreAsync(dataset, cancellationToken: ct);

        Assert.Equal(DicomStoreResult.Failure, outcome.Result);
        Assert.NotNull(outcome.Status);
        Assert.True(outcome.Status!.Value.IsFailure, outcome.Message);
        var db = fixture.OpenResults();
        await using (db)
        {
            string sop = dataset.GetString(DicomTags.SOPInstanceUID);
            Assert.False(await db.Instances.AnyAsync(i => i.SopInstanceUid == sop, ct));
        }

        await AssertReadyAsync(ct);
    }

    [Fact]
    public async Task PixelDataShorterThanItsAttributes_IsStoredAndEndsInAVisibleStateWithAReason()
    {
        var ct = TestContext.Current.CancellationToken;
        string studyUid = DicomUidGenerator.NewUid();
        var dataset = TinyRadiograph(studyUid, 512, 1000);

        var outcome = await fixture.Client().StoreAsync(dataset, cancellationToken: ct);
        Assert.Equal(DicomStoreResult.Success, outcome.Result);

        var study = await WorkerTestKit.WaitForFinishedStudyAsync(Worker, studyUid, Analysis, ct);
        Assert.Contains(WorkerTestKit.State(study), new[] { "NoResult", "Failed" });
        Assert.False(string.IsNullOrWhiteSpace(study["reason"]?.GetValue<string>()), study.ToJsonString());
        await AssertReadyAsync(ct);
    }

    [Fact]
    public async Task SameInstanceTwice_OneInstanceRowOneDuplicateOneAnalysis()
    {
        var ct = TestContext.Current.CancellationToken;
        string file = WorkerTestKit.SampleFiles("08-cr-no-pixel-spacing")[0];
        string sop = DicomFile.Open(file, new DicomReadOptions { StopBeforePixelData = true }).Dataset.GetString(DicomTags.SOPInstanceUID);

        Assert.Equal(DicomStoreResult.Success, Assert.Single(await fixture.Client().StoreAsync([file], null, ct)).Result);
        Assert.Equal(DicomStoreResult.Success, Assert.Single(await fixture.Client().StoreAsync([file], null, ct)).Result);

        var study = await WorkerTestKit.WaitForFinishedStudyAsync(Worker, StudyUid(file), Analysis, ct);
        var detail = await Worker.GetJsonAsync($"api/studies/{study["id"]}", ct);
        Assert.Single(detail["analyses"]!.AsArray());
        Assert.Equal(1, detail["generation"]!.GetValue<int>());
        Assert.Equal(1, study["inputs"]!.GetValue<int>());
        var db = fixture.OpenResults();
        await using (db)
        {
            var instance = await db.Instances.AsNoTracking().SingleAsync(i => i.SopInstanceUid == sop, ct);
            Assert.Equal(1, instance.Duplicates);
            Assert.Equal(1, await db.Instances.CountAsync(i => i.StudyId == instance.StudyId, ct));
        }

        string metrics = await Worker.Api.GetStringAsync(new Uri("metrics", UriKind.Relative), ct);
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("plao_instances_received_total{outcome=\"duplicate\"} ", StringComparison.Ordinal) && !l.EndsWith(" 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reprocess_FolderIsImportedAndAnalysed_AQueuedRequestCancels_AnalysedStudiesAreSkipped()
    {
        var ct = TestContext.Current.CancellationToken;
        string folder = WorkerTestKit.Sample("04-cr-normal-implicit");
        string studyUid = StudyUid(WorkerTestKit.SampleFiles("04-cr-normal-implicit")[0]);

        // A folder import keeps the single batch worker busy, so the request after it waits on the queue.
        var (status, imported) = await WorkerTestKit.PostJsonAsync(Worker.Api, "api/reprocess", new JsonObject { ["folder"] = folder }.ToJsonString(), ct);
        Assert.Equal(202, status);
        var (queuedStatus, queued) = await WorkerTestKit.PostJsonAsync(Worker.Api, "api/reprocess", "{\"modelVersion\":\"0.0.0-none\"}", ct);
        Assert.Equal(202, queuedStatus);
        Assert.Equal("Queued", WorkerTestKit.State(await Worker.GetJsonAsync($"api/reprocess/{queued!["id"]}", ct)));
        var (cancelStatus, _) = await WorkerTestKit.PostJsonAsync(Worker.Api, $"api/reprocess/{queued["id"]}/cancel", null, ct);
        Assert.Equal(202, cancelStatus);

        var done = await WaitForRequestAsync(imported!["id"]!.GetValue<long>(), ct);
        Assert.Equal("Done", WorkerTestKit.State(done));
        Assert.Equal(1, done["total"]!.GetValue<int>());
        Assert.Equal(1, done["done"]!.GetValue<int>() + done["skipped"]!.GetValue<int>());
        var study = await WorkerTestKit.WaitForFinishedStudyAsync(Worker, studyUid, Analysis, ct);
        Assert.Equal("Analysed", WorkerTestKit.State(study));
        var cancelled = await WaitForRequestAsync(queued["id"]!.GetValue<long>(), ct);
        Assert.Equal("Cancelled", WorkerTestKit.State(cancelled));
        Assert.Equal(0, cancelled["done"]!.GetValue<int>());

        // Everything analysed is analysed by this model already: skipped, not analysed again.
        var (againStatus, again) = await WorkerTestKit.PostJsonAsync(Worker.Api, "api/reprocess", "{\"state\":\"Analysed\"}", ct);
        Assert.Equal(202, againStatus);
        var skipped = await WaitForRequestAsync(again!["id"]!.GetValue<long>(), ct);
        Assert.Equal("Done", WorkerTestKit.State(skipped));
        Assert.True(skipped["total"]!.GetValue<int>() >= 1, skipped.ToJsonString());
        Assert.Equal(skipped["total"]!.GetValue<int>(), skipped["skipped"]!.GetValue<int>());
        Assert.Equal(0, skipped["done"]!.GetValue<int>());
        var detail = await Worker.GetJsonAsync($"api/studies/{study["id"]}", ct);
        Assert.Single(detail["analyses"]!.AsArray());

        var (missing, problem) = await WorkerTestKit.PostJsonAsync(Worker.Api, "api/reprocess", "{\"folder\":\"/nonexistent/folder\"}", ct);
        Assert.Equal(400, missing);
        Assert.Contains("/nonexistent/folder", problem!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FolderImportOfAStudyAlreadyReceived_IsADuplicate_NotAnalysedAgain()
    {
        // The SCP writes its own file meta information; the imported files carry the generator's. Same datasets, so the
        // import changes nothing and its analysis is skipped (this model already analysed this generation).
        var ct = TestContext.Current.CancellationToken;
        string folder = WorkerTestKit.Sample("05-chest-pa-skip-plus-lateral");
        var files = WorkerTestKit.SampleFiles("05-chest-pa-skip-plus-lateral");
        Assert.All(await fixture.Client().StoreAsync(files, null, ct), o => Assert.Equal(DicomStoreResult.Success, o.Result));
        var study = await WorkerTestKit.WaitForFinishedStudyAsync(Worker, StudyUid(files[0]), Analysis, ct);

        var (status, imported) = await WorkerTestKit.PostJsonAsync(Worker.Api, "api/reprocess", new JsonObject { ["folder"] = folder }.ToJsonString(), ct);
        Assert.Equal(202, status);
        var done = await WaitForRequestAsync(imported!["id"]!.GetValue<long>(), ct);

        Assert.Equal("Done", WorkerTestKit.State(done));
        Assert.Equal(1, done["skipped"]!.GetValue<int>());
        Assert.Equal(0, done["done"]!.GetValue<int>());
        var detail = await Worker.GetJsonAsync($"api/studies/{study["id"]}", ct);
        Assert.Equal(files.Count, detail["generation"]!.GetValue<int>()); // one per instance received, none for the import
        Assert.Single(detail["analyses"]!.AsArray());
    }

    [Fact]
    public async Task AnalysisThatThrows_StudyFailedWithTheReason_ReprocessingFailedStudiesAnalysesItOnceRepaired()
    {
        var ct = TestContext.Current.CancellationToken;
        string file = WorkerTestKit.SampleFiles("03-dx-thoracic-plao-run")[0];
        string studyUid = StudyUid(file);

        // Study N's produced objects are written to outbox/N: a file in that place makes writing them throw, the one
        // fault the analysis service records instead of the engine.
        string blocker = Path.Combine(Worker.DataFolder, "outbox", (await LastStudyIdAsync(ct) + 1).ToString(CultureInfo.InvariantCulture));
        await File.WriteAllTextAsync(blocker, "in the way", ct);
        Assert.Equal(DicomStoreResult.Success, Assert.Single(await fixture.Client().StoreAsync([file], null, ct)).Result);

        var failed = await WorkerTestKit.WaitForFinishedStudyAsync(Worker, studyUid, Analysis, ct);
        Assert.Equal("Failed", WorkerTestKit.State(failed));
        Assert.Contains("threw IOException", failed["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertReadyAsync(ct);

        File.Delete(blocker);
        var (status, request) = await WorkerTestKit.PostJsonAsync(Worker.Api, "api/reprocess", "{\"state\":\"Failed\"}", ct);
        Assert.Equal(202, status);
        var done = await WaitForRequestAsync(request!["id"]!.GetValue<long>(), ct);
        Assert.Equal("Done", WorkerTestKit.State(done));
        Assert.True(done["done"]!.GetValue<int>() >= 1, done.ToJsonString());

        var study = await WorkerTestKit.WaitForFinishedStudyAsync(Worker, studyUid, Analysis, ct);
        Assert.Equal("Analysed", WorkerTestKit.State(study));
        var detail = await Worker.GetJsonAsync($"api/studies/{study["id"]}", ct);
        var analysis = Assert.Single(detail["analyses"]!.AsArray())!;
        Assert.Equal("graded", analysis["status"]!.GetValue<string>());
        Assert.StartsWith("reprocess:", analysis["trigger"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotEmpty((await Worker.GetJsonAsync($"api/studies/{study["id"]}/objects", ct)).AsArray());
    }

    private async Task<long> LastStudyIdAsync(CancellationToken ct)
    {
        var db = fixture.OpenResults();
        await using (db)
        {
            var seq = await db.Database.SqlQueryRaw<long>("SELECT seq AS \"Value\" FROM sqlite_sequence WHERE name = 'studies'").ToListAsync(ct);
            return seq.Count == 0 ? 0 : seq[0];
        }
    }

    private async Task<JsonNode> WaitForRequestAsync(long id, CancellationToken ct) =>
        await WorkerTestKit.WaitForAsync(Worker, $"api/reprocess/{id}", r => WorkerTestKit.State(r) is "Done" or "Cancelled" or "Failed", Analysis, ct);

    private async Task AssertReadyAsync(CancellationToken ct)
    {
        using var anonymous = Worker.CreateClient(null);
        Assert.Equal(200, await WorkerTestKit.StatusOfGetAsync(anonymous, "health/ready", ct));
    }

    private static string StudyUid(string file) =>
        DicomFile.Open(file, new DicomReadOptions { StopBeforePixelData = true }).Dataset.GetString(DicomTags.StudyInstanceUID);

    /// <summary>A DX "lateral" of <paramref name="size"/> × <paramref name="size"/> 16-bit pixels with <paramref name="pixelBytes"/> bytes of pixel data (fewer than the attributes claim, when asked).</summary>
    private static DicomDataset TinyRadiograph(string studyUid, int size, int pixelBytes)
    {
        var pixels = new byte[pixelBytes];
        for (int i = 0; i + 1 < pixels.Length; i += 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(i), (ushort)(i * 37 % 4096));
        }

        return new DicomDataset()
            .AddString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1.1")
            .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddString(DicomTags.Modality, DicomVR.CS, "DX")
            .AddString(DicomTags.BodyPartExamined, DicomVR.CS, "LSPINE")
            .AddString(DicomTags.ViewPosition, DicomVR.CS, "LL")
            .AddString(DicomTags.PatientName, DicomVR.PN, "BAD^INPUT")
            .AddString(DicomTags.PatientID, DicomVR.LO, "BAD1")
            .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, studyUid)
            .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, DicomUidGenerator.NewUid())
            .AddValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)1)
            .AddString(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2")
            .AddValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)size)
            .AddValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)size)
            .AddString(new DicomTag(0x0028, 0x0030), DicomVR.DS, "0.2", "0.2")
            .AddValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)16)
            .AddValues(new DicomTag(0x0028, 0x0101), DicomVR.US, (ushort)12)
            .AddValues(new DicomTag(0x0028, 0x0102), DicomVR.US, (ushort)11)
            .AddValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)0)
            .AddBytes(DicomTag.PixelData, DicomVR.OW, pixels);
    }
}
