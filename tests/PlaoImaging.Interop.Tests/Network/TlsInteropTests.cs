using System.Globalization;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// DICOM over TLS between the real plao binary and DCMTK (built with OpenSSL: +tls KEY CERT, +cf CA, +tla without a
/// certificate), with a CA, server and client certificates made by openssl for the run (see <see cref="TlsMaterial"/>).
/// </summary>
[Trait("Category", "slow")]
public sealed class TlsInteropTests
{
    [Fact]
    public void DcmtkTlsClientsWithCertificate_ToPlaoListenRequiringOne_EchoAndStoreSucceed()
    {
        Peers.Require("echoscu");
        Peers.Require("storescu");
        var tls = TlsMaterial.Instance;
        string scratch = Peers.ScratchDirectory("net-tls-listen");
        using var listener = StartTlsListener(scratch, tls);

        var (code, stdout, stderr) = NetworkPeers.Dcmtk("echoscu", 30, "+tls", tls.ClientKey, tls.ClientCertificate, "+cf", tls.Authority, "-to", "10", "-ta", "10",
            "127.0.0.1", listener.Port.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0, $"echoscu over TLS exited {code}: {stdout}{stderr}\n{listener.Process.Describe()}");

        var files = new[] { NetworkSources.Get("ex-u16"), NetworkSources.Get("jpeg-sv1-u16"), NetworkSources.Get("rle-rgb") };
        NetworkPeers.Storescu(scratch, listener.Port, files, "+tls", tls.ClientKey, tls.ClientCertificate, "+cf", tls.Authority);
        listener.WaitForStored(files.Length, TimeSpan.FromSeconds(30));
        listener.AssertReceivedUnchanged(files);
        listener.StopAndAssertClean();
    }

    [Fact]
    public void EchoscuWithoutClientCertificate_ToPlaoListenRequiringOne_IsRefused()
    {
        Peers.Require("echoscu");
        var tls = TlsMaterial.Instance;
        string scratch = Peers.ScratchDirectory("net-tls-refuse");
        using var listener = StartTlsListener(scratch, tls);
        string port = listener.Port.ToString(CultureInfo.InvariantCulture);

        // TLS without a client certificate (+tla) while plao listen has --tls-ca: refused.
        var (code, stdout, stderr) = NetworkPeers.Dcmtk("echoscu", 30, "+tla", "+cf", tls.Authority, "-to", "10", "-ta", "10", "127.0.0.1", port);
        Assert.True(code != 0, $"echoscu without a client certificate succeeded against plao listen --tls-ca: {stdout}{stderr}");

        // Plain TCP against the TLS port: refused too.
        (code, stdout, stderr) = NetworkPeers.Dcmtk("echoscu", 30, "-to", "10", "-ta", "10", "-ts", "10", "127.0.0.1", port);
        Assert.True(code != 0, $"echoscu without TLS succeeded against plao listen --tls: {stdout}{stderr}");

        // The listener survives both and still serves a proper client.
        Assert.False(listener.Process.HasExited, "plao listen ended after refusing a client: " + listener.Process.Describe());
        (code, stdout, stderr) = NetworkPeers.Dcmtk("echoscu", 30, "+tls", tls.ClientKey, tls.ClientCertificate, "+cf", tls.Authority, "-to", "10", "-ta", "10", "127.0.0.1", port);
        Assert.True(code == 0, $"echoscu with a client certificate failed after the refused ones (exit {code}): {stdout}{stderr}\n{listener.Process.Describe()}");
        listener.StopAndAssertClean();
    }

    [Fact]
    public void PlaoSendAndEcho_Tls_ToStorescpTls_SucceedOnlyWithTrust()
    {
        var tls = TlsMaterial.Instance;
        string scratch = Peers.ScratchDirectory("net-tls-send");
        // -vc: verify a client certificate when one is presented, accept clients without one.
        using var scp = StorescpPeer.Start(Path.Combine(scratch, "out"), "+tls", tls.ServerKey, tls.ServerCertificate, "+cf", tls.Authority, "-vc", "+xa", "+B");
        string port = scp.Port.ToString(CultureInfo.InvariantCulture);

        var files = new[] { NetworkSources.Get("ex-u16"), NetworkSources.Get("jls-u16"), NetworkSources.Get("rle-rgb") };
        var (code, stdout, stderr) = NetworkPeers.Plao(60, ["send", "127.0.0.1", port, .. files, "--tls", "--tls-ca", tls.Authority, "--timeout", "10"]);
        Assert.True(code == 0, $"plao send --tls --tls-ca exited {code}:\n{stdout}\n{stderr}\n{scp.Process.Describe()}");
        foreach (var file in files)
        {
            string? received = scp.Received(DcmtkDump.Of(file, printAll: false).SopInstanceUid!);
            Assert.True(received is not null, $"{Path.GetFileName(file)} did not arrive over TLS:\n{stdout}\n{scp.Process.Describe()}");
            DcmtkDump.AssertSameInstance(file, received!);
        }

        (code, stdout, stderr) = NetworkPeers.Plao(30, "echo", "127.0.0.1", port, "--tls", "--tls-cert", tls.ClientCertificate, "--tls-key", tls.ClientKey,
            "--tls-ca", tls.Authority, "--timeout", "10");
        Assert.True(code == 0 && stdout.Contains("success", StringComparison.OrdinalIgnoreCase),
            $"plao echo with a client certificate exited {code}: {stdout}{stderr}\n{scp.Process.Describe()}");

        (code, stdout, stderr) = NetworkPeers.Plao(30, "echo", "127.0.0.1", port, "--tls", "--tls-insecure", "--timeout", "10");
        Assert.True(code == 0, $"plao echo --tls --tls-insecure exited {code}: {stdout}{stderr}");

        // Without --tls-ca or --tls-insecure the test CA is not trusted: the server certificate must be rejected.
        (code, stdout, stderr) = NetworkPeers.Plao(30, "echo", "127.0.0.1", port, "--tls", "--timeout", "10");
        Assert.True(code != 0, $"plao echo --tls accepted a server certificate from an untrusted CA: {stdout}{stderr}");
        Assert.True(stderr.Trim().Length > 0, "plao echo --tls failed without a message on stderr");
    }

    private static PlaoListener StartTlsListener(string scratch, TestPki tls) =>
        PlaoListener.Start(Path.Combine(scratch, "out"), ["--tls", "--tls-cert", tls.ServerCertificate, "--tls-key", tls.ServerKey, "--tls-ca", tls.Authority]);
}
