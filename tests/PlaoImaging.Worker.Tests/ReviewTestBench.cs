using Hangfire;
using Hangfire.Storage.SQLite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using System.Text.Json;
using PlaoImaging.Analysis;
using PlaoImaging.Analysis.Engine;
using PlaoImaging.Analysis.Inference;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Ingest;
using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Operations;
using PlaoImaging.Worker.Persistence;
using PlaoImaging.Worker.Review;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The engine's result of sample 03 (a lateral thoracic radiograph with a run of fractures) under the worker's model
/// manifest, with the phantom's true landmarks standing in for the network (as the Analysis tests' TruthModel does):
/// the engine's own selection, measurement, grading, joining and summary in well under a second, where loading and
/// running the network on a shared CPU took 8 to 17 s. The process-level review tests run the real network.
/// </summary>
public sealed class ReviewSample
{
    public const string Folder = "03-dx-thoracic-plao-run";

    public ReviewSample()
    {
        ManifestPath = ModelManifestLocator.Find(AnalysisEngine.DefaultModel, AppContext.BaseDirectory, Environment.CurrentDirectory)
            ?? throw new FileNotFoundException(AnalysisEngine.DefaultModel);
        Manifest = ModelManifestReader.Read(ManifestPath);
        File = WorkerTestKit.SampleFiles(Folder)[0];
        Header = DicomFile.Open(File, new DicomReadOptions { StopBeforePixelData = true }).Dataset;
        var analyzer = new StudyAnalyzer(new PhantomTruth(), Manifest, DicomCodecRegistry.CreateDefault());
        Result = analyzer.Analyze(new StudyInput(Header.GetString(DicomTags.StudyInstanceUID), [new StudyFile(File, Header)]), TestContext.Current.CancellationToken);
        Assert.Equal(StudyStatus.Graded, Result.Status);
    }

    public string ManifestPath { get; }

    public ModelManifest Manifest { get; }

    public string File { get; }

    public DicomDataset Header { get; }

    public StudyResult Result { get; }

    /// <summary>An engine of a web-only instance on <paramref name="manifestPath"/> (the sample's manifest when null): the manifest read, no runtime loaded.</summary>
    public AnalysisEngine ManifestEngine(string? manifestPath = null) =>
        new(Options.Create(new AnalysisSettings { Model = manifestPath ?? ManifestPath }), new ActiveRoles(WorkerRoles.Web), new WorkerMetrics(),
            TimeProvider.System, NullLogger<AnalysisEngine>.Instance);

    /// <summary>The phantom's fully visible vertebrae from the JSON beside each image (score and level confidence 1).</summary>
    private sealed class PhantomTruth : ILandmarkModel
    {
        public ModelIdentity Identity { get; } = new("phantom-truth", "0", new string('0', 64));

        public IReadOnlyList<ImageLandmarks> Locate(IReadOnlyList<SpineImage> images, CancellationToken cancellationToken = default) =>
            [.. images.Select(image =>
            {
                using var truth = JsonDocument.Parse(System.IO.File.ReadAllText(Path.ChangeExtension(image.Source.Path!, ".json")));
                return new ImageLandmarks([.. truth.RootElement.GetProperty("vertebrae").EnumerateArray()
                    .Where(v => v.GetProperty("fully_visible").GetBoolean())
                    .Select(v =>
                    {
                        var p = v.GetProperty("points_px");
                        return new VertebraLandmarks(v.GetProperty("level").GetString()!, 1, 1,
                            [.. new[] { "sa", "sm", "sp", "ia", "im", "ip" }.Select(n => new ImagePoint(p.GetProperty(n)[0].GetDouble(), p.GetProperty(n)[1].GetDouble()))]);
                    })]);
            })];
    }
}

/// <summary>
/// A review service over a real, migrated SQLite results database (<see cref="WorkerServices"/>) holding sample 03 as an
/// analysed study: its instance stored, the analysis with the model's result, and the model's SR in the outbox; Hangfire's
/// client over a real SQLite job storage; one destination.
/// </summary>
internal sealed class ReviewTestBench
{
    private ReviewTestBench(WorkerServices services, SQLiteStorage storage, ReviewService reviews, long studyId, string priorSrUid)
    {
        Services = services;
        Storage = storage;
        Reviews = reviews;
        StudyId = studyId;
        PriorSrUid = priorSrUid;
    }

    public WorkerServices Services { get; }

    public SQLiteStorage Storage { get; }

    public ReviewService Reviews { get; }

    public long StudyId { get; }

    public string PriorSrUid { get; }

    public static Task<ReviewTestBench> CreateAsync(ReviewSample sample, string name, CancellationToken ct) =>
        CreateAsync(sample, name, sample.ManifestEngine(), ct);

    /// <summary>The bench with the review service grading with the model <paramref name="engine"/> serves.</summary>
    public static async Task<ReviewTestBench> CreateAsync(ReviewSample sample, string name, AnalysisEngine engine, CancellationToken ct)
    {
        var services = await WorkerServices.CreateAsync(name, TimeSpan.FromSeconds(1), ct);
        var storage = new SQLiteStorage(Path.Combine(services.Paths.DataFolder, "hangfire.db"), new SQLiteStorageOptions());
        // The sample file as the SCP would have stored it (copied as it is: its pixel data stay compressed), then indexed.
        string stored = Path.Combine(services.Paths.StorageRoot, "sample", Path.GetFileName(sample.File));
        Directory.CreateDirectory(Path.GetDirectoryName(stored)!);
        System.IO.File.Copy(sample.File, stored);
        await services.Ingest.IndexAsync(new StoredFile(stored, new FileInfo(stored).Length, "MODALITY", services.Time.GetUtcNow()), ct);
        var report = VertebralReport.Create(sample.Result, sample.Header).Document!.ToDataset();
        string uid = report.GetString(DicomTags.SOPInstanceUID);
        var db = services.CreateDbContext();
        await using (db)
        {
            var study = await db.Studies.SingleAsync(ct);
            string file = Path.Combine(services.Paths.Outbox, study.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), uid + ".dcm");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            new DicomFile(report).Save(file);
            var analysis = new AnalysisRecord
            {
                StudyId = study.Id, Generation = study.Generation, ModelId = sample.Result.Model.Id, ModelVersion = sample.Result.Model.Version,
                ModelSha256 = sample.Result.Model.Sha256, Status = "graded", Trigger = "realtime", ResultJson = StudyResultJson.Serialize(sample.Result, indented: false),
                Objects = [new ProducedObjectRecord { SopInstanceUid = uid, SopClassUid = report.GetString(DicomTags.SOPClassUID), Kind = "SR", Path = services.Paths.RelativeToOutbox(file) }],
            };
            db.Analyses.Add(analysis);
            await db.SaveChangesAsync(ct);
            study.LatestAnalysisId = analysis.Id;
            study.State = StudyState.Analysed;
            await db.SaveChangesAsync(ct);
            var settings = new ExportSettings { Destinations = [new DestinationSettings { Name = "pacs", Host = "127.0.0.1", Port = 104, CalledAETitle = "PACS" }] };
            var reviews = new ReviewService(services, engine, services.Paths, Options.Create(new AnalysisSettings()), Options.Create(settings),
                new BackgroundJobClient(storage), services.Time, NullLogger<ReviewService>.Instance);
            return new ReviewTestBench(services, storage, reviews, study.Id, uid);
        }
    }

    public async Task<List<AuditRecord>> AuditRowsAsync(CancellationToken ct)
    {
        var db = Services.CreateDbContext();
        await using (db)
        {
            return await db.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(ct);
        }
    }

    /// <summary>The document of a change that must succeed.</summary>
    public static ReviewDocument Ok(ReviewOutcome<ReviewDocument> outcome)
    {
        Assert.True(outcome.Problem is null, $"{outcome.Problem?.Status} {outcome.Problem?.Title}: {outcome.Problem?.Detail}");
        return outcome.Value!;
    }

    /// <summary>A level's points with the anterior and middle heights made as tall as the posterior one: no wedge, no biconcavity.</summary>
    public static Dictionary<string, double[]> Straightened(ReviewLevel level)
    {
        var p = level.Points.ToDictionary(x => x.Key, x => x.Value.ToArray(), StringComparer.Ordinal);
        double hp = p["ip"][1] - p["sp"][1];
        p["sa"] = [p["sa"][0], p["ia"][1] - hp];
        p["sm"] = [p["sm"][0], p["im"][1] - hp];
        return p;
    }

    public int EnqueuedExports() => (int)Storage.GetMonitoringApi().EnqueuedCount(JobQueues.Export);
}
