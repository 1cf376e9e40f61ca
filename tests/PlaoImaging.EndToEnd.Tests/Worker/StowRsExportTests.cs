using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Worker;

/// <summary>A DICOMweb destination: the worker sends its SR and GSPS with STOW-RS to Orthanc's DICOMweb server, which stores them.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class StowRsExportTests
{
    [Fact]
    public async Task StowRsDestination_OrthancStoresTheReportAndPresentationState()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("worker-stow");
        using var orthanc = await OrthancPeer.StartAsync(scratch, new Dictionary<string, (string, int)>(), [], [OrthancPeer.DicomWebPlugin], ct);
        using var worker = await WorkerProcess.StartAsync("worker-stow", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Export:Destinations:0:Name"] = "orthanc-web",
            ["Export:Destinations:0:StowRsUrl"] = $"http://127.0.0.1:{orthanc.HttpPort}/dicom-web/studies",
        }, ct);

        var client = new DicomClient("127.0.0.1", worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
        var outcome = Assert.Single(await client.StoreAsync([.. WorkerTestKit.SampleFiles("02-dx-thoracolumbar-explicit")], null, ct));
        Assert.Equal(DicomStoreResult.Success, outcome.Result);

        var exports = await WorkerTestKit.WaitForExportsAsync(worker, e => e.Count == 1 && e[0]!["state"]!.GetValue<string>() is "Sent" or "Failed", TimeSpan.FromMinutes(2), ct);
        Assert.True(exports[0]!["state"]!.GetValue<string>() == "Sent", exports.ToJsonString());

        var studies = await worker.StudiesAsync(ct);
        long studyId = studies[0]!["id"]!.GetValue<long>();
        var objects = (await worker.GetJsonAsync($"api/studies/{studyId}/objects", ct)).AsArray();
        Assert.Contains(objects, o => o!["kind"]!.GetValue<string>() == "SR");
        Assert.Contains(objects, o => o!["kind"]!.GetValue<string>() == "GSPS");
        foreach (var produced in objects)
        {
            string uid = produced!["sopInstanceUid"]!.GetValue<string>();
            Assert.True(await orthanc.LookupInstanceAsync(uid, ct) is not null, $"Orthanc does not hold {produced["kind"]} {uid} sent by STOW-RS");
        }
    }
}
