using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Worker;

/// <summary>The PACS is down for a while: the exports' recorded retries (1 s apart here) reach it once it is up, with no admin action, and none ends failed.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class ExportRetryTests
{
    private static readonly string[] Samples = ["02-dx-thoracolumbar-explicit", "04-cr-normal-implicit"];

    [Fact]
    public async Task DestinationDownForTwoAttempts_ExportsEndSentWhenItComesUp()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("worker-retry");
        _ = Peers.Require("storescp");
        int pacsPort = PeerProcess.FreeTcpPort();
        var settings = WorkerTestKit.Destination("pacs", pacsPort, "STORESCP");
        for (int i = 0; i < 5; i++)
        {
            settings[$"Export:RetryDelays:{i}"] = "00:00:01";
        }

        using var worker = await WorkerProcess.StartAsync("worker-retry", settings, ct);
        var client = new DicomClient("127.0.0.1", worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
        var outcomes = await client.StoreAsync([.. Samples.SelectMany(WorkerTestKit.SampleFiles)], null, ct);
        Assert.All(outcomes, o => Assert.Equal(DicomStoreResult.Success, o.Result));

        // Two failed attempts each, recorded, before the PACS comes up.
        await WorkerTestKit.WaitForExportsAsync(worker, e => e.Count == Samples.Length && e.All(x => x!["attempts"]!.GetValue<int>() >= 2), TimeSpan.FromMinutes(2), ct);
        var down = await WorkerTestKit.ExportsAsync(worker, ct);
        Assert.All(down, x =>
        {
            Assert.Equal("Retrying", x!["state"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(x["lastError"]?.GetValue<string>()));
        });

        using var pacs = StorescpPeer.StartOnPort(Path.Combine(scratch, "pacs"), pacsPort);
        var exports = await WorkerTestKit.WaitForExportsAsync(worker, e => e.All(x => x!["state"]!.GetValue<string>() is "Sent" or "Failed"), TimeSpan.FromMinutes(1), ct);
        Assert.All(exports, x =>
        {
            Assert.Equal("Sent", x!["state"]!.GetValue<string>());
            Assert.True(x["attempts"]!.GetValue<int>() >= 3, x.ToJsonString());
        });
        var reports = pacs.Received().Where(r => WorkerTestKit.ReportClasses.Contains(r.SopClassUid)).Select(r => r.StudyUid).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Samples.Select(s => WorkerTestKit.Identify(WorkerTestKit.SampleFiles(s)[0]).StudyUid).Order(StringComparer.Ordinal).ToList(), reports);
    }
}
