using System.Net;
using System.Security.Cryptography.X509Certificates;
using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Dicom.Hosting;

/// <summary>Turns validated <see cref="DicomScpSettings"/> into the network library's <see cref="DicomServerOptions"/>.</summary>
internal static class DicomScpServerOptions
{
    public static DicomServerOptions Create(DicomScpSettings settings, Func<DicomAssociationInfo, IDicomStoreHandler>? handlerFactory, TimeProvider timeProvider, Func<string?>? unavailable = null)
    {
        var addresses = settings.AcceptedCallingAddresses
            .Select(a => DicomScpSettingsValidator.TryParseNetwork(a, out var network) ? network : throw new ArgumentException($"'{a}' is not an IP network", nameof(settings)))
            .ToList();
        DicomTlsServerOptions? tls = null;
        if (settings.Tls is { } tlsSettings)
        {
            tls = new DicomTlsServerOptions(LoadCertificate(tlsSettings))
            {
                ClientCertificateAuthorities = string.IsNullOrEmpty(tlsSettings.ClientCertificateAuthoritiesPath)
                    ? null
                    : DicomTls.LoadAuthorities(tlsSettings.ClientCertificateAuthoritiesPath),
            };
        }

        return new DicomServerOptions
        {
            AETitle = settings.AETitle,
            Address = IPAddress.Parse(settings.BindAddress),
            Port = settings.Port,
            StorageDirectory = Path.GetFullPath(settings.StorageRoot),
            MaxAssociations = settings.MaxAssociations,
            CalledAETitles = settings.RequireCalledAETitle ? new HashSet<string>(StringComparer.Ordinal) { settings.AETitle } : new HashSet<string>(),
            Peers = [.. settings.AcceptedCallingAETitles.Select(t => new DicomPeer(t) { Addresses = addresses })],
            SopClasses = settings.AcceptedSopClasses.Count == 0 ? null : settings.AcceptedSopClasses.ToHashSet(StringComparer.Ordinal),
            SyncToDisk = settings.SyncToDisk,
            ArtimTimeout = settings.ArtimTimeout,
            PduTimeout = settings.PduTimeout,
            Tls = tls,
            StoreHandlerFactory = handlerFactory,
            TimeProvider = timeProvider,
            Unavailable = unavailable,
        };
    }

    /// <summary>The server certificate: PKCS#12 by extension (.pfx, .p12), otherwise PEM certificate plus PEM key.</summary>
    public static X509Certificate2 LoadCertificate(DicomScpTlsSettings tls)
    {
        string extension = Path.GetExtension(tls.CertificatePath);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(tls.CertificatePath, tls.Password);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new ArgumentException($"'{tls.CertificatePath}' holds no private key", nameof(tls));
            }

            return certificate;
        }

        return DicomTls.LoadCertificate(tls.CertificatePath, string.IsNullOrEmpty(tls.KeyPath) ? tls.CertificatePath : tls.KeyPath);
    }
}
