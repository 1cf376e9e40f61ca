using System.Security.Cryptography.X509Certificates;

namespace PlaoImaging.Dicom.Network;

/// <summary>TLS helpers (PS3.15 B.1, the TLS secure transport connection profile): certificates from PEM and chain checks against our own trusted authorities.</summary>
public static class DicomTls
{
    /// <summary>A certificate with its private key from PEM files (the key in PKCS#8 or PKCS#1 PEM).</summary>
    public static X509Certificate2 LoadCertificate(string certificatePemPath, string keyPemPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePemPath, keyPemPath);

        // SslStream on Linux wants a certificate whose key is not ephemeral.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Every certificate of a PEM bundle (trusted authorities).</summary>
    public static X509Certificate2Collection LoadAuthorities(string pemPath)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(pemPath);
        return collection;
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (and only to them: the system store is not used).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authorities);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
