using System.Globalization;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>C-ECHO both ways between the real plao binary and DCMTK (echoscu, storescp) on loopback.</summary>
[Trait("Category", "slow")]
public sealed class EchoInteropTests
{
    [Fact]
    public void Echoscu_ToPlaoListen_Succeeds()
    {
        Peers.Require("echoscu");
        string scratch = Peers.ScratchDirectory("net-echoscu-listen");
        using var listener = PlaoListener.Start(Path.Combine(scratch, "out"));
        Assert.True(listener.Aet == "PLAO", $"plao listen's default AE title is '{listener.Aet}', not PLAO");
        string port = listener.Port.ToString(CultureInfo.InvariantCulture);

        // Its own AE title, then any other: plao listen accepts any called AE unless configured otherwise.
        foreach (var called in new[] { "PLAO", "SOME-OTHER-AE" })
        {
            var (code, stdout, stderr) = NetworkPeers.Dcmtk("echoscu", 30, "-to", "10", "-ta", "10", "-aet", "ECHOSCU", "-aec", called, "127.0.0.1", port);
            Assert.True(code == 0, $"echoscu (called AE {called}) exited {code}: {stdout}{stderr}\n{listener.Process.Describe()}");
        }

        listener.StopAndAssertClean();
    }

    [Fact]
    public void PlaoEcho_ToStorescp_Succeeds()
    {
        string scratch = Peers.ScratchDirectory("net-echo-storescp");
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "out"), "-aet", "STORESCP");
        var (code, stdout, stderr) = NetworkPeers.Plao(30, "echo", "127.0.0.1", scp.Port.ToString(CultureInfo.InvariantCulture),
            "--calling", "PLAOTEST", "--called", "STORESCP", "--timeout", "10");
        Assert.True(code == 0, $"plao echo exited {code}: {stdout}{stderr}\n{scp.Process.Describe()}");
        Assert.True(stdout.Split('\n').Any(l => l.Contains("success", StringComparison.OrdinalIgnoreCase)), "plao echo printed no line containing 'success': " + stdout);
    }

    [Fact]
    public void PlaoEcho_NothingListening_FailsQuicklyWithMessageOnStderr()
    {
        int port = PeerProcess.FreeTcpPort();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, stdout, stderr) = NetworkPeers.Plao(15, "echo", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "--timeout", "5");
        Assert.True(code != 0, $"plao echo to a closed port exited 0: {stdout}");
        Assert.True(stderr.Trim().Length > 0, $"plao echo to a closed port failed (exit {code}) without a message on stderr; stdout: {stdout}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"plao echo to a closed port took {clock.Elapsed.TotalSeconds:F1} s");
    }
}
