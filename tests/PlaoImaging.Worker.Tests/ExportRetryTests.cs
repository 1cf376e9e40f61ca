using System.Globalization;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// A destination with nothing listening: the export's recorded attempts (the first, then one per configured delay)
/// end Failed with the error, the destination counts it, and an admin's retry sends the SR and the GSPS once storescp
/// listens on that port.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class ExportRetryTests
{
    private const string SrComprehensive = "1.2.840.10008.5.1.4.1.1.88.33";
    private const string Gsps = "1.2.840.10008.5.1.4.1.1.11.1";

    [Fact]
    public async Task DestinationDown_ExportFailsAfterItsDelays_AdminRetrySendsWhenItIsUp()
    {
        var ct = TestContext.Current.CancellationToken;
        int pacsPort = PeerProcess.FreeTcpPort();
        var settings = WorkerTestKit.Destination("pacs", pacsPort, "STORESCP");
        settings["Export:RetryDelays:0"] = "00:00:00.500";
        settings["Export:RetryDelays:1"] = "00:00:01";
        using var worker = await WorkerProcess.StartAsync("worker-export-retry", settings, ct);
        string sample = WorkerTestKit.SampleFiles("02-dx-thoracolumbar-explicit")[0];
        string studyUid = DicomFile.Open(sample, new DicomReadOptions { StopBeforePixelData = true }).Dataset.GetString(DicomTags.StudyInstanceUID);

        var client = new DicomClient("127.0.0.1", worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
        var outcome = Assert.Single(await client.StoreAsync([sample], null, ct));
        Assert.Equal(DicomStoreResult.Success, outcome.Result);

        var exports = await WorkerTestKit.WaitForAsync(worker, "api/exports", e => e.AsArray().Any(x => WorkerTestKit.State(x) == "Failed"), TimeSpan.FromSeconds(90), ct);
        var export = Assert.Single(exports.AsArray())!;
        Assert.Equal("pacs", export["destination"]!.GetValue<string>());
        Assert.Equal(3, export["attempts"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(export["lastError"]?.GetValue<string>()), export.ToJsonString());
        Assert.Null(export["sentAt"]?.GetValue<DateTimeOffset>());
        var study = await WorkerTestKit.WaitForFinishedStudyAsync(worker, studyUid, TimeSpan.FromSeconds(5), ct);
        Assert.Equal("Analysed", WorkerTestKit.State(study));
        var destination = Assert.Single((await worker.GetJsonAsync("api/destinations", ct)).AsArray())!;
        Assert.Equal(1, destination["failed"]!.GetValue<int>());
        Assert.Equal(0, destination["sent"]!.GetValue<int>());

        string received = Path.Combine(worker.Folder, "pacs");
        using var pacs = StorescpPeer.StartOnPort(received, pacsPort);
        long id = export["id"]!.GetValue<long>();
        var (status, _) = await WorkerTestKit.PostJsonAsync(worker.Api, $"api/exports/{id}/retry", null, ct);
        Assert.Equal(202, status);

        var sent = await WorkerTestKit.WaitForAsync(worker, "api/exports", e => e.AsArray().All(x => WorkerTestKit.State(x) is "Sent" or "Failed"), TimeSpan.FromSeconds(60), ct);
        var after = Assert.Single(sent.AsArray())!;
        Assert.Equal("Sent", WorkerTestKit.State(after));
        Assert.Equal(1, after["attempts"]!.GetValue<int>());
        Assert.Null(after["lastError"]?.GetValue<string>());
        var classes = Directory.GetFiles(received)
            .Select(f => DicomFile.Open(f, new DicomReadOptions { StopBeforePixelData = true }).Dataset)
            .Select(d => (Study: d.GetString(DicomTags.StudyInstanceUID), SopClass: d.GetString(DicomTags.SOPClassUID))).ToList();
        Assert.All(classes, c => Assert.Equal(studyUid, c.Study));
        Assert.Contains(classes, c => c.SopClass == SrComprehensive || c.SopClass.StartsWith("1.2.840.10008.5.1.4.1.1.88.", StringComparison.Ordinal));
        Assert.Contains(classes, c => c.SopClass == Gsps);
        var counted = Assert.Single((await worker.GetJsonAsync("api/destinations", ct)).AsArray())!;
        Assert.Equal(1, counted["sent"]!.GetValue<int>());
        Assert.Equal(0, counted["failed"]!.GetValue<int>());

        // A sent export is not sent again; an export that does not exist is not found.
        var (again, _) = await WorkerTestKit.PostJsonAsync(worker.Api, $"api/exports/{id}/retry", null, ct);
        Assert.Equal(409, again);
        var (missing, _) = await WorkerTestKit.PostJsonAsync(worker.Api, $"api/exports/{id + 1000}/retry", null, ct);
        Assert.Equal(404, missing);
    }
}
