using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The worker process configured through its settings keys (<c>Export:Destinations:0:Tls:*</c>) with a destination
/// that accepts DICOM TLS only, from a client certificate of its authority: DCMTK storescp <c>+tls</c>. A study sent to
/// the worker is analysed and its reports arrive at storescp over mutual TLS.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class ExportTlsProcessTests
{
    [Fact]
    public async Task StudyAnalysed_ReportsArriveAtATlsOnlyPacs()
    {
        var ct = TestContext.Current.CancellationToken;
        var pki = TlsTestCertificates.Create("worker-export-tls");
        string received = Path.Combine(pki.Folder, "pacs");
        using var pacs = StorescpPeer.Start(received, "+tls", pki.ServerKey, pki.ServerCertificate, "+cf", pki.Authority, "--require-peer-cert");
        var settings = WorkerTestKit.Destination("pacs", pacs.Port, "STORESCP");
        settings["Export:Destinations:0:Tls:Enabled"] = "true";
        settings["Export:Destinations:0:Tls:TrustedCertificatesPath"] = pki.Authority;
        settings["Export:Destinations:0:Tls:ClientCertificatePath"] = pki.ClientCertificate;
        settings["Export:Destinations:0:Tls:ClientKeyPath"] = pki.ClientKey;
        settings["Export:Destinations:0:Tls:ServerName"] = TlsTestCertificates.ServerName;
        using var worker = await WorkerProcess.StartAsync("worker-export-tls", settings, ct);
        string sample = WorkerTestKit.SampleFiles("02-dx-thoracolumbar-explicit")[0];
        string studyUid = DicomFile.Open(sample, new DicomReadOptions { StopBeforePixelData = true }).Dataset.GetString(DicomTags.StudyInstanceUID);

        var client = new DicomClient("127.0.0.1", worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
        Assert.Equal(DicomStoreResult.Success, Assert.Single(await client.StoreAsync([sample], null, ct)).Result);

        var exports = await WorkerTestKit.WaitForAsync(worker, "api/exports",
            e => e.AsArray().Count > 0 && e.AsArray().All(x => WorkerTestKit.State(x) is "Sent" or "Failed"), TimeSpan.FromSeconds(120), ct);
        var export = Assert.Single(exports.AsArray())!;
        Assert.True(WorkerTestKit.State(export) == "Sent", export.ToJsonString() + "\n" + pacs.Process.Describe());
        Assert.Equal(1, export["attempts"]!.GetValue<int>());
        var studies = Directory.GetFiles(received)
            .Select(f => DicomFile.Open(f, new DicomReadOptions { StopBeforePixelData = true }).Dataset.GetString(DicomTags.StudyInstanceUID)).ToList();
        Assert.NotEmpty(studies);
        Assert.All(studies, s => Assert.Equal(studyUid, s));
    }

    /// <summary>
    /// No <c>TrustedCertificatesPath</c>: the destination's certificate must chain to the system's trust store. The
    /// worker process gets a store that holds the test authority alone (OpenSSL's <c>SSL_CERT_FILE</c>, which .NET reads
    /// on Linux) and sends over TLS; a worker whose store lacks it refuses the handshake and sends nothing.
    /// </summary>
    [Fact]
    public async Task NoTrustedCertificatesPath_TheSystemStoreDecides()
    {
        var ct = TestContext.Current.CancellationToken;
        var pki = TlsTestCertificates.Create("worker-export-tls-system");
        string received = Path.Combine(pki.Folder, "pacs");
        using var pacs = StorescpPeer.Start(received, "+tls", pki.ServerKey, pki.ServerCertificate, "--ignore-peer-cert");
        var settings = WorkerTestKit.Destination("pacs", pacs.Port, "STORESCP");
        settings["Export:Destinations:0:Tls:Enabled"] = "true";
        settings["Export:Destinations:0:Tls:ServerName"] = TlsTestCertificates.ServerName;
        settings["Export:RetryDelays:0"] = "01:00:00";
        string sample = WorkerTestKit.SampleFiles("02-dx-thoracolumbar-explicit")[0];

        foreach (var (name, trusted) in new[] { ("worker-export-tls-system-trusted", true), ("worker-export-tls-system-untrusted", false) })
        {
            // An empty store (a file with no certificate) when the authority must not be trusted.
            string store = trusted ? pki.Authority : Path.Combine(pki.Folder, "empty-store.pem");
            File.WriteAllText(Path.Combine(pki.Folder, "empty-store.pem"), string.Empty);
            var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["SSL_CERT_FILE"] = store, ["SSL_CERT_DIR"] = Path.Combine(pki.Folder, "no-such-folder") };
            using var worker = await WorkerProcess.StartAsync(name, settings, null, ct, environment);
            var client = new DicomClient("127.0.0.1", worker.DicomPort, new DicomClientOptions { CalledAETitle = "PLAO" });
            Assert.Equal(DicomStoreResult.Success, Assert.Single(await client.StoreAsync([sample], null, ct)).Result);

            var exports = await WorkerTestKit.WaitForAsync(worker, "api/exports",
                e => e.AsArray().Count > 0 && e.AsArray().All(x => WorkerTestKit.State(x) is "Sent" or "Retrying" or "Failed"), TimeSpan.FromSeconds(120), ct);
            var export = Assert.Single(exports.AsArray())!;
            Assert.True(WorkerTestKit.State(export) == (trusted ? "Sent" : "Retrying"), export.ToJsonString() + "\n" + pacs.Process.Describe());
            int stored = Directory.Exists(received) ? Directory.GetFiles(received).Length : 0;
            Assert.Equal(trusted, stored > 0);
            if (!trusted)
            {
                Assert.Contains("TLS", export["lastError"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
            }

            foreach (string file in Directory.Exists(received) ? Directory.GetFiles(received) : [])
            {
                File.Delete(file);
            }
        }
    }
}
