using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Hosting;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Ingest;
using PlaoImaging.Worker.Operations;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The worker's ingest services built by hand over a real, migrated SQLite results database in a scratch folder, with
/// a <see cref="FakeTimeProvider"/> for the quiet period.
/// </summary>
internal sealed class WorkerServices : IDbContextFactory<ResultsDbContext>
{
    private readonly DbContextOptions<SqliteResultsDbContext> options;

    private WorkerServices(string folder, TimeSpan quietPeriod)
    {
        Folder = folder;
        Paths = new StoragePaths(
            Options.Create(new WorkerSettings { DataFolder = Path.Combine(folder, "data") }),
            Options.Create(new DicomScpSettings { StorageRoot = Path.Combine(folder, "data", "dicom") }));
        Directory.CreateDirectory(Paths.StorageRoot);
        options = new DbContextOptionsBuilder<SqliteResultsDbContext>()
            .UseSqlite($"Data Source={Path.Combine(Paths.DataFolder, "results.db")};Pooling=False").Options;
        Assembly = Options.Create(new AssemblySettings { QuietPeriod = quietPeriod });
        Ingest = new IngestService(this, Paths, Assembly, Signal, new WorkerMetrics(), Time, NullLogger<IngestService>.Instance);
    }

    public string Folder { get; }

    public StoragePaths Paths { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    public IOptions<AssemblySettings> Assembly { get; }

    public StudyAssemblerSignal Signal { get; } = new();

    public IngestService Ingest { get; }

    public static async Task<WorkerServices> CreateAsync(string name, TimeSpan quietPeriod, CancellationToken cancellationToken)
    {
        var services = new WorkerServices(Peers.ScratchDirectory(name), quietPeriod);
        var db = services.CreateDbContext();
        await using (db.ConfigureAwait(false))
        {
            await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }

        return services;
    }

    public ResultsDbContext CreateDbContext() => new SqliteResultsDbContext(options);

    /// <summary>A context whose database commands pass through the given interceptors.</summary>
    public ResultsDbContext CreateDbContext(params IInterceptor[] interceptors) =>
        new SqliteResultsDbContext(new DbContextOptionsBuilder<SqliteResultsDbContext>(options).AddInterceptors(interceptors).Options);

    /// <summary>Writes a dataset under the storage root (as the SCP would) and indexes it, received now.</summary>
    public Task<IngestOutcome> StoreAsync(DicomDataset dataset, CancellationToken cancellationToken) => StoreAsync(dataset, "MODALITY", true, cancellationToken);

    /// <summary>
    /// Writes a dataset under the storage root and indexes it, received now from <paramref name="callingAETitle"/>
    /// (null: not from a peer, as a folder import), routed to the quiet period or (<paramref name="route"/> false)
    /// queued as a folder import queues it.
    /// </summary>
    public async Task<IngestOutcome> StoreAsync(DicomDataset dataset, string? callingAETitle, bool route, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        string path = Path.Combine(Paths.StorageRoot, dataset.GetString(DicomTags.StudyInstanceUID), dataset.GetString(DicomTags.SOPInstanceUID) + ".dcm");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        new DicomFile(dataset).Save(path);
        return await Ingest.IndexAsync(new StoredFile(path, new FileInfo(path).Length, callingAETitle, Time.GetUtcNow(), route), cancellationToken).ConfigureAwait(false);
    }

    public async Task<StudyRecord> StudyAsync(string studyUid, CancellationToken cancellationToken)
    {
        var db = CreateDbContext();
        await using (db.ConfigureAwait(false))
        {
            return await db.Studies.AsNoTracking().SingleAsync(s => s.StudyInstanceUid == studyUid, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<List<InstanceRecord>> InstancesAsync(string studyUid, CancellationToken cancellationToken)
    {
        var db = CreateDbContext();
        await using (db.ConfigureAwait(false))
        {
            return await db.Instances.AsNoTracking().Where(i => i.Study!.StudyInstanceUid == studyUid).OrderBy(i => i.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A small lateral radiograph header (no pixel data: indexing reads the header alone).</summary>
    public static DicomDataset Radiograph(string studyUid, string? sopInstanceUid = null, string description = "LATERAL") => new DicomDataset()
        .AddString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1.1")
        .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, sopInstanceUid ?? DicomUidGenerator.NewUid())
        .AddString(DicomTags.StudyDate, DicomVR.DA, "20261201")
        .AddString(DicomTags.Modality, DicomVR.CS, "DX")
        .AddString(DicomTags.Manufacturer, DicomVR.LO, "Vendor")
        .AddString(DicomTags.SeriesDescription, DicomVR.LO, description)
        .AddString(DicomTags.PatientName, DicomVR.PN, "Test^Patient")
        .AddString(DicomTags.PatientID, DicomVR.LO, "P1")
        .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, studyUid)
        .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, studyUid + ".1");

    /// <summary>A Comprehensive SR header in the study, by the given manufacturer.</summary>
    public static DicomDataset Report(string studyUid, string manufacturer, string? sopInstanceUid = null) => new DicomDataset()
        .AddString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.88.33")
        .AddString(DicomTags.SOPInstanceUID, DicomVR.UI, sopInstanceUid ?? DicomUidGenerator.NewUid())
        .AddString(DicomTags.Modality, DicomVR.CS, "SR")
        .AddString(DicomTags.Manufacturer, DicomVR.LO, manufacturer)
        .AddString(DicomTags.StudyInstanceUID, DicomVR.UI, studyUid)
        .AddString(DicomTags.SeriesInstanceUID, DicomVR.UI, studyUid + ".99");
}
