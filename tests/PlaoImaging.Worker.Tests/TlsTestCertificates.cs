using PlaoImaging.Tests.Shared;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// A throwaway PKI made with the openssl command in a scratch folder, PEM files only: an authority, a server
/// certificate it signed for the name <see cref="ServerName"/> (not the loopback address the test connects to, so the
/// server-name setting is what makes the name match), a client certificate it signed, and a second authority that
/// signed neither.
/// </summary>
internal sealed class TlsTestCertificates
{
    public const string ServerName = "pacs.test";

    private TlsTestCertificates(string folder) => Folder = folder;

    public string Folder { get; }

    public string Authority => Path.Combine(Folder, "ca.crt");

    public string OtherAuthority => Path.Combine(Folder, "other-ca.crt");

    public string ServerCertificate => Path.Combine(Folder, "server.crt");

    public string ServerKey => Path.Combine(Folder, "server.key");

    public string ClientCertificate => Path.Combine(Folder, "client.crt");

    public string ClientKey => Path.Combine(Folder, "client.key");

    public static TlsTestCertificates Create(string name)
    {
        var pki = new TlsTestCertificates(Peers.ScratchDirectory(name));
        string f = pki.Folder;
        SelfSigned(Path.Combine(f, "ca.key"), pki.Authority, "/CN=Test PACS authority");
        SelfSigned(Path.Combine(f, "other-ca.key"), pki.OtherAuthority, "/CN=Another authority");
        Signed(pki, "server", $"/CN={ServerName}", $"subjectAltName=DNS:{ServerName}\nextendedKeyUsage=serverAuth\n");
        Signed(pki, "client", "/CN=plao-worker", "extendedKeyUsage=clientAuth\n");
        return pki;
    }

    private static void SelfSigned(string key, string certificate, string subject) =>
        Peers.RunOk("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2", "-subj", subject);

    private static void Signed(TlsTestCertificates pki, string name, string subject, string extensions)
    {
        string f = pki.Folder;
        string request = Path.Combine(f, name + ".csr");
        string extensionFile = Path.Combine(f, name + ".ext");
        File.WriteAllText(extensionFile, extensions);
        Peers.RunOk("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(f, name + ".key"), "-out", request, "-subj", subject);
        Peers.RunOk("openssl", "x509", "-req", "-in", request, "-CA", pki.Authority, "-CAkey", Path.Combine(f, "ca.key"), "-CAcreateserial",
            "-out", Path.Combine(f, name + ".crt"), "-days", "2", "-extfile", extensionFile);
    }
}
