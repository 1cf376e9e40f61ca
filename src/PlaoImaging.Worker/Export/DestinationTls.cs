using System.Security.Cryptography.X509Certificates;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Worker.Configuration;

namespace PlaoImaging.Worker.Export;

/// <summary>
/// A destination's TLS as one association uses it: the trusted authorities and the client certificate read from their
/// files for this association (a certificate renewed on disk is used by the next association, without a restart) and
/// released with it (<see cref="DestinationAssociations"/> keeps an association open a few seconds between exports). The files were checked at start (<see cref="WorkerSettingsValidator"/>); one that went missing
/// since fails this attempt, which is recorded and retried like any other failure to send.
/// </summary>
internal sealed class DestinationTls : IDisposable
{
    private readonly X509Certificate2Collection? authorities;
    private readonly X509Certificate2? clientCertificate;

    private DestinationTls(X509Certificate2Collection? authorities, X509Certificate2? clientCertificate, string? serverName)
    {
        this.authorities = authorities;
        this.clientCertificate = clientCertificate;
        Options = new DicomTlsClientOptions
        {
            TrustedAuthorities = authorities,
            ClientCertificate = clientCertificate,
            TargetHost = string.IsNullOrWhiteSpace(serverName) ? null : serverName.Trim(),
        };
    }

    public DicomTlsClientOptions Options { get; }

    /// <summary>The TLS of <paramref name="settings"/>; null when TLS is not enabled (plain TCP).</summary>
    public static DestinationTls? Open(DestinationTlsSettings? settings)
    {
        if (settings is not { Enabled: true })
        {
            return null;
        }

        X509Certificate2Collection? authorities = null;
        try
        {
            authorities = string.IsNullOrWhiteSpace(settings.TrustedCertificatesPath) ? null : DicomTls.LoadAuthorities(settings.TrustedCertificatesPath);
            var client = string.IsNullOrWhiteSpace(settings.ClientCertificatePath)
                ? null
                : DicomTls.LoadCertificate(settings.ClientCertificatePath, settings.ClientKeyFile!);
            return new DestinationTls(authorities, client, settings.ServerName);
        }
        catch
        {
            Release(authorities);
            throw;
        }
    }

    public void Dispose()
    {
        Release(authorities);
        clientCertificate?.Dispose();
    }

    private static void Release(X509Certificate2Collection? certificates)
    {
        foreach (var certificate in certificates ?? [])
        {
            certificate.Dispose();
        }
    }
}
