using System.Globalization;
using PlaoImaging.Dicom;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// A structured report written by <c>plao analyze --sr</c>, sent with <c>plao send</c> (C-STORE) into a private Orthanc,
/// indexed there as an SR of the right study, and fetched back unchanged: <c>plao report --json</c> of the copy equals
/// that of the original.
/// </summary>
[Trait("Category", "slow")]
public sealed class OrthancStructuredReportTests
{
    [Fact]
    public async Task PlaoReport_StoredInOrthanc_ComesBackTheSame()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-orthanc-sr");
        _ = OrthancPeer.Executable;
        string reports = Path.Combine(scratch, "sr");
        var analyse = NetworkPeers.Plao(300, "analyze", Path.Combine(Peers.RepositoryRoot, "sample-data", "03-dx-thoracic-plao-run"), "--sr", reports, "--provider", "cpu", "--quiet");
        Assert.True(analyse.Code == 0, $"plao analyze --sr exited {analyse.Code}: {analyse.Stderr}");
        // The folder also holds the presentation states of the images; the report is the one SR.
        string report = Assert.Single(Directory.GetFiles(reports, "*.dcm"),
            f => DicomFile.Open(f, new DicomReadOptions { StopBeforePixelData = true }).Dataset.GetStringOrDefault(DicomTags.Modality) == "SR");
        string sopInstanceUid = Path.GetFileNameWithoutExtension(report);

        using var orthanc = await OrthancPeer.StartAsync(scratch, new Dictionary<string, (string, int)>(), ct);
        var send = NetworkPeers.Plao(60, "send", "127.0.0.1", orthanc.DicomPort.ToString(CultureInfo.InvariantCulture), report, "--called", OrthancPeer.Aet, "--timeout", "10");
        Assert.True(send.Code == 0, $"plao send exited {send.Code}: {send.Stdout}{send.Stderr}\n{orthanc.Process.Describe(15)}");

        string? id = await orthanc.LookupInstanceAsync(sopInstanceUid, ct);
        Assert.NotNull(id);
        var tags = await orthanc.GetJsonAsync($"instances/{id}/simplified-tags", ct);
        Assert.Equal("SR", tags["Modality"]?.GetValue<string>());
        Assert.Equal("1.2.840.10008.5.1.4.1.1.88.34", tags["SOPClassUID"]?.GetValue<string>());

        string copy = Path.Combine(scratch, "from-orthanc.dcm");
        await orthanc.DownloadAsync($"instances/{id}/file", copy, ct);
        DcmtkDump.AssertSameInstance(report, copy);
        var original = NetworkPeers.Plao(60, "report", report, "--json");
        var fetched = NetworkPeers.Plao(60, "report", copy, "--json");
        Assert.True(fetched.Code == 0, fetched.Stderr);
        Assert.Equal(original.Stdout, fetched.Stdout);
    }
}
