using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// The worker with DICOM TLS on its SCP (client certificates required, from the test CA) and HTTPS on its web port:
/// DCMTK's storescu over TLS with a client certificate stores a radiograph, the study is analysed, and its result is
/// read over HTTPS with a signed-in account; without a client certificate, or without TLS, nothing is stored, and the
/// API over HTTPS refuses an anonymous request.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class WorkerTlsEndToEndTests
{
    [Fact]
    public async Task StoreOverDicomTls_AnalysedAndReadOverHttps_PlainOrUncertifiedSendersStoreNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        Peers.Require("storescu");
        var tls = TlsMaterial.Instance;
        string scratch = Peers.ScratchDirectory("worker-tls");
        var https = LoopbackCertificate.Create(scratch);
        using var worker = await WorkerProcess.StartAsync("worker-tls", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Dicom:Scp:Tls:CertificatePath"] = tls.ServerCertificate,
            ["Dicom:Scp:Tls:KeyPath"] = tls.ServerKey,
            ["Dicom:Scp:Tls:ClientCertificateAuthoritiesPath"] = tls.Authority,
            ["Kestrel:Certificates:Default:Path"] = https.Path,
            ["Kestrel:Certificates:Default:Password"] = https.Password,
            ["Assembly:QuietPeriod"] = "00:00:01",
        }, ct);
        string file = Path.Combine(Peers.RepositoryRoot, "sample-data", "02-dx-thoracolumbar-explicit", "lateral.dcm");
        string port = worker.DicomPort.ToString(CultureInfo.InvariantCulture);

        // Without TLS, and over TLS without a client certificate: refused before anything is stored.
        var plain = NetworkPeers.Dcmtk("storescu", 60, "-to", "10", "-ta", "10", "-aec", "PLAO", "127.0.0.1", port, file);
        Assert.NotEqual(0, plain.Code);
        var anonymousTls = NetworkPeers.Dcmtk("storescu", 60, "+tla", "+cf", tls.Authority, "-to", "10", "-ta", "10", "-aec", "PLAO", "127.0.0.1", port, file);
        Assert.NotEqual(0, anonymousTls.Code);

        var sent = NetworkPeers.Dcmtk("storescu", 60, "+tls", tls.ClientKey, tls.ClientCertificate, "+cf", tls.Authority, "-to", "10", "-ta", "10", "-aec", "PLAO", "127.0.0.1", port, file);
        Assert.True(sent.Code == 0, $"storescu over TLS exited {sent.Code}: {sent.Stdout}{sent.Stderr}");

        using var handler = new HttpClientHandler
        {
            // The test's own self-signed certificate, and only it.
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && string.Equals(certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), https.Sha256, StringComparison.OrdinalIgnoreCase),
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{worker.HttpsPort}/"), Timeout = TimeSpan.FromSeconds(60) };
        using (var anonymous = await client.GetAsync("api/studies", ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        string password = (await File.ReadAllTextAsync(Path.Combine(worker.DataFolder, "secrets", "admin-password"), ct)).Trim();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + password)));
        JsonArray studies = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync("api/studies", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            studies = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["items"]!.AsArray();
            if (studies.Count == 1 && (string?)studies[0]!["state"] is "Analysed" or "NoResult" or "Failed")
            {
                break;
            }

            await Task.Delay(500, ct);
        }

        // Exactly the one study sent with a certificate: the refused senders stored nothing.
        var study = Assert.Single(studies);
        Assert.Equal("Analysed", (string?)study!["state"]);
        Assert.Equal(1, (int)study["inputs"]!);
    }
}
