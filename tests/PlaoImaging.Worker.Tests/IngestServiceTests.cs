using PlaoImaging.Tests.Shared;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Worker.Ingest;
using PlaoImaging.Worker.Persistence;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>Indexing stored instances in a real SQLite results database: new, identical, replaced and our own objects.</summary>
[Trait("Category", "unit")]
public sealed class IngestServiceTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task IndexAsync_NewInstance_AddedAndStudyReceivingDueAfterTheQuietPeriod()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await WorkerServices.CreateAsync("ingest-new", Quiet, ct);
        string study = DicomUidGenerator.NewUid();
        var now = services.Time.GetUtcNow();

        var outcome = await services.StoreAsync(WorkerServices.Radiograph(study), ct);

        Assert.Equal(IngestOutcome.Added, outcome);
        var record = await services.StudyAsync(study, ct);
        Assert.Equal(StudyState.Receiving, record.State);
        Assert.Equal(now + Quiet, record.DueAt);
        Assert.Equal(1, record.Generation);
        Assert.Equal(1, record.InputCount);
        Assert.Equal("DX", record.Modalities);
        Assert.Equal("Test^Patient", record.PatientName);
        var instance = Assert.Single(await services.InstancesAsync(study, ct));
        Assert.Equal(InstanceKind.Input, instance.Kind);
        Assert.Equal("MODALITY", instance.CallingAETitle);
        Assert.Equal(64, instance.Sha256.Length);
        Assert.False(Path.IsPathRooted(instance.Path));
        Assert.True(File.Exists(services.Paths.InStorage(instance.Path)));
    }

    [Fact]
    public async Task IndexAsync_SameBytesAgain_IdenticalDuplicateAndGenerationUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await WorkerServices.CreateAsync("ingest-identical", Quiet, ct);
        string study = DicomUidGenerator.NewUid();
        var dataset = WorkerServices.Radiograph(study);
        await services.StoreAsync(dataset, ct);
        var before = await services.StudyAsync(study, ct);
        services.Time.Advance(TimeSpan.FromSeconds(5));

        var outcome = await services.StoreAsync(dataset, ct);

        Assert.Equal(IngestOutcome.IdenticalDuplicate, outcome);
        var after = await services.StudyAsync(study, ct);
        Assert.Equal(before.Generation, after.Generation);
        Assert.Equal(before.DueAt, after.DueAt);
        Assert.Equal(1, after.InputCount);
        var instance = Assert.Single(await services.InstancesAsync(study, ct));
        Assert.Equal(1, instance.Duplicates);
    }

    [Fact]
    public async Task IndexAsync_ReceivedOverDicom_HashFromTheReceiveIsTheFilesHash_AndTheSameFileIndexedAgainIsAnIdenticalDuplicate()
    {
        // The SCP hashes the data set as it arrives; indexing a file from disk (a folder import, the start-up
        // recovery) hashes the file after its meta group. Both must name the same content.
        var ct = TestContext.Current.CancellationToken;
        var services = await WorkerServices.CreateAsync("ingest-received-hash", Quiet, ct);
        var scp = new DicomServer(new DicomServerOptions
        {
            AETitle = "PLAO",
            Address = System.Net.IPAddress.Loopback,
            Port = 0,
            StorageDirectory = services.Paths.StorageRoot,
            StoreHandlerFactory = _ => new StoreHandler(services.Ingest, Microsoft.Extensions.Logging.Abstractions.NullLogger<StoreHandler>.Instance),
        });
        scp.Start();
        try
        {
            string study = DicomUidGenerator.NewUid();
            var client = new DicomClient("127.0.0.1", scp.Port, new DicomClientOptions { CalledAETitle = "PLAO" });
            var outcome = Assert.Single(await client.StoreAsync([new DicomFile(WorkerServices.Radiograph(study))], null, ct));
            Assert.Equal(DicomStoreResult.Success, outcome.Result);

            var stored = Assert.Single(await services.InstancesAsync(study, ct));
            string path = services.Paths.InStorage(stored.Path);
            Assert.Equal(await IngestService.HashAsync(path, ct), stored.Sha256);
            Assert.Equal(IngestOutcome.IdenticalDuplicate, await services.Ingest.IndexAsync(new StoredFile(path, new FileInfo(path).Length, "OTHER", services.Time.GetUtcNow()), ct));
        }
        finally
        {
            await scp.StopAsync();
        }
    }

    [Fact]
    [Trait("Category", "peer")]
    public async Task IndexAsync_SameDatasetRewrittenByDcmtk_IdenticalDuplicateWhateverTheMetaHeader()
    {
        // A folder import of what the SCP received, or a PACS whose files another toolkit wrote: the file meta
        // information differs (implementation class UID, version name, source AE) while the instance is the same.
        var ct = TestContext.Current.CancellationToken;
        string dcmconv = Peers.Require("dcmconv");
        var services = await WorkerServices.CreateAsync("ingest-rewritten", Quiet, ct);
        string study = DicomUidGenerator.NewUid();
        var dataset = WorkerServices.Radiograph(study);
        await services.StoreAsync(dataset, ct);
        var stored = Assert.Single(await services.InstancesAsync(study, ct));
        string ours = services.Paths.InStorage(stored.Path);
        string theirs = Path.Combine(services.Folder, "dcmconv.dcm");
        Peers.RunOk(dcmconv, ours, theirs);
        Assert.NotEqual(await File.ReadAllBytesAsync(ours, ct), await File.ReadAllBytesAsync(theirs, ct));
        File.Move(theirs, ours, overwrite: true);

        var outcome = await services.Ingest.IndexAsync(new StoredFile(ours, new FileInfo(ours).Length, "OTHER", services.Time.GetUtcNow()), ct);

        Assert.Equal(IngestOutcome.IdenticalDuplicate, outcome);
        Assert.Equal(1, (await services.StudyAsync(study, ct)).Generation);
        Assert.Equal(stored.Sha256, Assert.Single(await services.InstancesAsync(study, ct)).Sha256);
    }

    [Fact]
    [Trait("Category", "peer")]
    public async Task DatasetOffset_AgreesWithTheGroupLengthDcdumpReads_AndIsZeroWithoutAPreamble()
    {
        var ct = TestContext.Current.CancellationToken;
        string dcdump = Peers.Require("dcdump");
        string dcmconv = Peers.Require("dcmconv");
        string folder = Peers.ScratchDirectory("ingest-offset");
        string ours = Path.Combine(folder, "ours.dcm");
        string dcmtk = Path.Combine(folder, "dcmtk.dcm");
        new DicomFile(WorkerServices.Radiograph(DicomUidGenerator.NewUid())).Save(ours);
        Peers.RunOk(dcmconv, ours, dcmtk);
        var files = new List<string> { ours, dcmtk };
        files.AddRange(Directory.GetFiles(Path.Combine(Peers.RepositoryRoot, "sample-data"), "*.dcm", SearchOption.AllDirectories).Take(6));

        foreach (string file in files)
        {
            // Preamble and "DICM" (132 bytes), the group length element (12 bytes), then the group length's value.
            var (exit, stdout, stderr) = Peers.Run(dcdump, [file]);
            Assert.True(exit == 0, $"dcdump {file}: {stderr}");
            string dump = stdout + stderr; // dcdump writes the dump to stderr
            var match = System.Text.RegularExpressions.Regex.Match(dump, @"\(0x0002,0x0000\) UL .*\[0x([0-9a-f]+)\]");
            Assert.True(match.Success, $"{file}: no meta group length in\n{dump[..Math.Min(dump.Length, 400)]}");
            long expected = 132 + 12 + Convert.ToInt64(match.Groups[1].Value, 16);
            await using var stream = File.OpenRead(file);
            Assert.Equal(expected, await IngestService.DatasetOffsetAsync(stream, ct));
        }

        await using var bare = new MemoryStream();
        DicomFile.WriteDataset(bare, WorkerServices.Radiograph(DicomUidGenerator.NewUid()), DicomTransferSyntax.ExplicitVRLittleEndian);
        bare.Position = 0;
        Assert.Equal(0, await IngestService.DatasetOffsetAsync(bare, ct));
    }

    [Fact]
    public async Task IndexAsync_OtherBytesSameSopInstanceUid_ReplacedAndNextGeneration()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await WorkerServices.CreateAsync("ingest-replaced", Quiet, ct);
        string study = DicomUidGenerator.NewUid();
        string sop = DicomUidGenerator.NewUid();
        await services.StoreAsync(WorkerServices.Radiograph(study, sop), ct);
        string firstHash = Assert.Single(await services.InstancesAsync(study, ct)).Sha256;
        services.Time.Advance(TimeSpan.FromSeconds(5));

        var outcome = await services.StoreAsync(WorkerServices.Radiograph(study, sop, "LATERAL CORRECTED"), ct);

        Assert.Equal(IngestOutcome.Replaced, outcome);
        var record = await services.StudyAsync(study, ct);
        Assert.Equal(2, record.Generation);
        Assert.Equal(1, record.InputCount);
        Assert.Equal(services.Time.GetUtcNow() + Quiet, record.DueAt);
        var instance = Assert.Single(await services.InstancesAsync(study, ct));
        Assert.NotEqual(firstHash, instance.Sha256);
        Assert.Equal(1, instance.Duplicates);
    }

    [Fact]
    public async Task IndexAsync_ReportByPlaoImaging_OwnObjectAndStudyNotMadeDue()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await WorkerServices.CreateAsync("ingest-own-manufacturer", Quiet, ct);
        string study = DicomUidGenerator.NewUid();

        var outcome = await services.StoreAsync(WorkerServices.Report(study, IngestService.OwnManufacturer), ct);

        Assert.Equal(IngestOutcome.OwnObject, outcome);
        var record = await services.StudyAsync(study, ct);
        Assert.Null(record.DueAt);
        Assert.Equal(0, record.Generation);
        Assert.Equal(0, record.InputCount);
        Assert.Equal(StudyState.NoResult, record.State);
        Assert.Equal(IngestService.OnlyOwnObjects, record.Reason);
        Assert.Equal(InstanceKind.OwnObject, Assert.Single(await services.InstancesAsync(study, ct)).Kind);

        // Its images arriving later make it a study like any other.
        Assert.Equal(IngestOutcome.Added, await services.StoreAsync(WorkerServices.Radiograph(study), ct));
        var later = await services.StudyAsync(study, ct);
        Assert.Equal(StudyState.Receiving, later.State);
        Assert.Null(later.Reason);
        Assert.Equal(services.Time.GetUtcNow() + Quiet, later.DueAt);
    }

    [Fact]
    public async Task IndexAsync_ReportWhoseUidWeProduced_OwnObjectAndAnalysedStudyUntouched()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await WorkerServices.CreateAsync("ingest-own-produced", Quiet, ct);
        string study = DicomUidGenerator.NewUid();
        string reportUid = DicomUidGenerator.NewUid();
        await services.StoreAsync(WorkerServices.Radiograph(study), ct);
        var db = services.CreateDbContext();
        await using (db)
        {
            var record = db.Studies.Single(s => s.StudyInstanceUid == study);
            record.State = StudyState.Analysed;
            record.DueAt = null;
            db.Analyses.Add(new AnalysisRecord
            {
                StudyId = record.Id, Generation = 1, ModelId = "m", ModelVersion = "1", ModelSha256 = "00", Status = "graded", Trigger = "realtime",
                Objects = [new ProducedObjectRecord { SopInstanceUid = reportUid, SopClassUid = "1.2.840.10008.5.1.4.1.1.88.33", Kind = "SR", Path = "outbox/sr.dcm" }],
            });
            await db.SaveChangesAsync(ct);
        }

        // A PACS that rewrites the manufacturer still sends back the UID we gave the report.
        var outcome = await services.StoreAsync(WorkerServices.Report(study, "PACS VENDOR", reportUid), ct);

        Assert.Equal(IngestOutcome.OwnObject, outcome);
        var after = await services.StudyAsync(study, ct);
        Assert.Equal(StudyState.Analysed, after.State);
        Assert.Null(after.DueAt);
        Assert.Equal(1, after.Generation);
    }

    [Fact]
    public async Task IndexAsync_ReportByAnotherVendor_IsAnInput()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await WorkerServices.CreateAsync("ingest-foreign-sr", Quiet, ct);
        string study = DicomUidGenerator.NewUid();

        var outcome = await services.StoreAsync(WorkerServices.Report(study, "PACS VENDOR"), ct);

        Assert.Equal(IngestOutcome.Added, outcome);
        Assert.Equal(1, (await services.StudyAsync(study, ct)).Generation);
    }

    [Fact]
    public async Task IndexAsync_NoStudyInstanceUid_ThrowsDicomExceptionAndIndexesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = await WorkerServices.CreateAsync("ingest-no-study", Quiet, ct);
        var dataset = WorkerServices.Radiograph("1.2.3");
        string path = Path.Combine(services.Paths.StorageRoot, "x.dcm");
        dataset.Remove(DicomTags.StudyInstanceUID);
        new DicomFile(dataset).Save(path);

        await Assert.ThrowsAsync<DicomException>(() => services.Ingest.IndexAsync(new StoredFile(path, new FileInfo(path).Length, null, services.Time.GetUtcNow()), ct));

        var db = services.CreateDbContext();
        await using (db)
        {
            Assert.Equal(0, db.Instances.Count());
        }
    }
}
