using System.Globalization;
using System.Text.Json.Nodes;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// The real plao binary against a private Orthanc (Debian's package, a DCMTK-based PACS): C-ECHO both ways, plao send
/// into Orthanc, and Orthanc's C-STORE (REST <c>/modalities/{id}/store</c>) into plao listen.
/// </summary>
[Trait("Category", "slow")]
public sealed class OrthancInteropTests
{
    [Fact]
    public async Task OrthancEcho_ToPlaoListen_Succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-orthanc-echo-listen");
        _ = OrthancPeer.Executable;
        using var listener = PlaoListener.Start(Path.Combine(scratch, "out"));
        using var orthanc = await OrthancPeer.StartAsync(scratch, new Dictionary<string, (string, int)> { ["plao"] = ("PLAO", listener.Port) }, ct);
        var (status, body) = await orthanc.PostAsync("modalities/plao/echo", "{}", ct);
        Assert.True(status == 200, $"Orthanc's C-ECHO to plao listen: HTTP {status} {body}\n{listener.Process.Describe()}\n{orthanc.Process.Describe(15)}");
        listener.StopAndAssertClean();
    }

    [Fact]
    public async Task PlaoEcho_ToOrthanc_Succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-orthanc-echo");
        _ = OrthancPeer.Executable;
        using var orthanc = await OrthancPeer.StartAsync(scratch, new Dictionary<string, (string, int)>(), ct);
        var (code, stdout, stderr) = NetworkPeers.Plao(30, "echo", "127.0.0.1", orthanc.DicomPort.ToString(CultureInfo.InvariantCulture), "--called", OrthancPeer.Aet, "--timeout", "10");
        Assert.True(code == 0, $"plao echo to Orthanc exited {code}: {stdout}{stderr}\n{orthanc.Process.Describe(15)}");
        Assert.True(stdout.Contains("success", StringComparison.OrdinalIgnoreCase), "plao echo printed no line containing 'success': " + stdout);
    }

    [Fact]
    public async Task PlaoSend_ToOrthanc_InstancesListedAndStoredUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-orthanc-send");
        _ = OrthancPeer.Executable;
        var files = NetworkSources.All();
        using var orthanc = await OrthancPeer.StartAsync(scratch, new Dictionary<string, (string, int)>(), ct);
        var (code, stdout, stderr) = NetworkPeers.Plao(120, ["send", "127.0.0.1", orthanc.DicomPort.ToString(CultureInfo.InvariantCulture), .. files, "--called", OrthancPeer.Aet, "--timeout", "10"]);
        Assert.True(code == 0, $"plao send to Orthanc exited {code}:\n{stdout}\n{stderr}\n{orthanc.Process.Describe(15)}");

        var instances = (await orthanc.GetJsonAsync("instances", ct)).AsArray();
        Assert.True(instances.Count == files.Count, $"Orthanc lists {instances.Count} instances after plao sent {files.Count}:\n{stdout}");

        var failures = new List<string>();
        foreach (var file in files)
        {
            var original = DcmtkDump.Of(file, printAll: false);
            string? id = await orthanc.LookupInstanceAsync(original.SopInstanceUid!, ct);
            if (id is null)
            {
                failures.Add($"{file}: Orthanc has no instance {original.SopInstanceUid}");
                continue;
            }

            string copy = Path.Combine(scratch, "from-orthanc-" + Path.GetFileName(file));
            await orthanc.DownloadAsync($"instances/{id}/file", copy, ct);
            try
            {
                DcmtkDump.AssertSameInstance(file, copy);
            }
            catch (Xunit.Sdk.XunitException e)
            {
                failures.Add(e.Message);
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task OrthancStore_ToPlaoListen_AllArriveUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("net-orthanc-store-listen");
        _ = OrthancPeer.Executable;
        var files = NetworkSources.All();
        using var listener = PlaoListener.Start(Path.Combine(scratch, "out"));
        using var orthanc = await OrthancPeer.StartAsync(scratch, new Dictionary<string, (string, int)> { ["plao"] = ("PLAO", listener.Port) }, ct);
        var ids = new JsonArray();
        foreach (var file in files)
        {
            ids.Add(await orthanc.UploadAsync(file, ct));
        }

        var request = new JsonObject { ["Resources"] = ids, ["Synchronous"] = true };
        var (status, body) = await orthanc.PostAsync("modalities/plao/store", request.ToJsonString(), ct);
        Assert.True(status == 200, $"Orthanc's C-STORE to plao listen: HTTP {status} {body}\n{listener.Process.Describe()}\n{orthanc.Process.Describe(15)}");
        var result = JsonNode.Parse(body);
        Assert.True(result?["FailedInstancesCount"]?.GetValue<int>() is null or 0, "Orthanc reports failed instances: " + body);

        listener.WaitForStored(files.Count, TimeSpan.FromSeconds(30));
        listener.AssertReceivedUnchanged(files);
        listener.StopAndAssertClean();
    }
}
