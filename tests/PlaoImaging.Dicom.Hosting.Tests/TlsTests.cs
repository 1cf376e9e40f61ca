using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Hosting.Tests;

/// <summary>TLS from settings: PEM pairs and PKCS#12 files load at start, a certificate that does not load stops the start naming the key.</summary>
[Trait("Category", "unit")]
public sealed class TlsTests
{
    [Fact]
    public async Task Echo_PemCertificateAndKey_AnswersOverTls()
    {
        string folder = Peers.ScratchDirectory("hosting-tls-pem");
        using var certificate = SelfSigned();
        string certPath = Path.Combine(folder, "scp.pem");
        string keyPath = Path.Combine(folder, "scp.key");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem(), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(keyPath, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem(), TestContext.Current.CancellationToken);
        var settings = ScpHost.LoopbackSettings("hosting-tls-pem", out _);
        settings["Dicom:Scp:Tls:CertificatePath"] = certPath;
        settings["Dicom:Scp:Tls:KeyPath"] = keyPath;

        var status = await EchoOverTlsAsync(settings);

        Assert.True(status.IsSuccess);
    }

    [Fact]
    public async Task Echo_Pkcs12WithPassword_AnswersOverTls()
    {
        string folder = Peers.ScratchDirectory("hosting-tls-pfx");
        using var certificate = SelfSigned();
        string pfx = Path.Combine(folder, "scp.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "s3cret"), TestContext.Current.CancellationToken);
        var settings = ScpHost.LoopbackSettings("hosting-tls-pfx", out _);
        settings["Dicom:Scp:Tls:CertificatePath"] = pfx;
        settings["Dicom:Scp:Tls:Password"] = "s3cret";

        var status = await EchoOverTlsAsync(settings);

        Assert.True(status.IsSuccess);
    }

    [Fact]
    public async Task StartAsync_Pkcs12WrongPassword_ThrowsNamingTheCertificateKey()
    {
        string folder = Peers.ScratchDirectory("hosting-tls-badpw");
        using var certificate = SelfSigned();
        string pfx = Path.Combine(folder, "scp.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "s3cret"), TestContext.Current.CancellationToken);
        var settings = ScpHost.LoopbackSettings("hosting-tls-badpw", out _);
        settings["Dicom:Scp:Tls:CertificatePath"] = pfx;
        settings["Dicom:Scp:Tls:Password"] = "wrong";
        using var host = ScpHost.Build(settings);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"Dicom:Scp:Tls:CertificatePath: '{pfx}' cannot be loaded", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_PemKeyMissingAndNotAPem_ThrowsNamingEachKey()
    {
        string folder = Peers.ScratchDirectory("hosting-tls-bad");
        string certPath = Path.Combine(folder, "scp.pem");
        await File.WriteAllTextAsync(certPath, "not a certificate", TestContext.Current.CancellationToken);
        var settings = ScpHost.LoopbackSettings("hosting-tls-bad", out _);
        settings["Dicom:Scp:Tls:CertificatePath"] = certPath;
        settings["Dicom:Scp:Tls:KeyPath"] = Path.Combine(folder, "absent.key");
        settings["Dicom:Scp:Tls:ClientCertificateAuthoritiesPath"] = Path.Combine(folder, "absent-ca.pem");
        using var host = ScpHost.Build(settings);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Dicom:Scp:Tls:KeyPath: '", e.Message, StringComparison.Ordinal);
        Assert.Contains("absent.key' does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("Dicom:Scp:Tls:ClientCertificateAuthoritiesPath: '", e.Message, StringComparison.Ordinal);

        settings["Dicom:Scp:Tls:KeyPath"] = null;
        settings.Remove("Dicom:Scp:Tls:ClientCertificateAuthoritiesPath");
        using var second = ScpHost.Build(settings);
        var notPem = await Assert.ThrowsAsync<OptionsValidationException>(() => second.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains($"Dicom:Scp:Tls:CertificatePath: '{certPath}' cannot be loaded as a certificate with its private key", notPem.Message, StringComparison.Ordinal);
    }

    private static async Task<DimseStatus> EchoOverTlsAsync(Dictionary<string, string?> settings)
    {
        using var host = ScpHost.Build(settings);
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var options = new DicomClientOptions { Tls = new DicomTlsClientOptions { AllowUntrustedServer = true, TargetHost = "localhost" } };
            return await new DicomClient("127.0.0.1", ScpHost.EndPoint(host).Port, options).EchoAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}
