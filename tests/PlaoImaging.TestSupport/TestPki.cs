namespace PlaoImaging.Tests.Shared;

/// <summary>
/// A throwaway PKI made with the openssl command in a scratch folder, PEM files only, keys unencrypted (so DCMTK never
/// asks for a password), RSA 2048, valid for a few days: an authority; a server certificate it signed for the subject
/// alternative names given (serverAuth); a client certificate it signed (CN plao-client, clientAuth); and a second
/// authority that signed neither, for the untrusted case.
/// </summary>
public sealed class TestPki
{
    private TestPki(string folder) => Folder = folder;

    public string Folder { get; }

    public string Authority => Path.Combine(Folder, "ca.crt");

    public string OtherAuthority => Path.Combine(Folder, "other-ca.crt");

    public string ServerCertificate => Path.Combine(Folder, "server.crt");

    public string ServerKey => Path.Combine(Folder, "server.key");

    public string ClientCertificate => Path.Combine(Folder, "client.crt");

    public string ClientKey => Path.Combine(Folder, "client.key");

    /// <summary>Makes the files in a new scratch folder named after <paramref name="name"/>.</summary>
    /// <param name="name">The scratch folder's name.</param>
    /// <param name="serverNames">The server certificate's subject alternative names, as openssl writes them: <c>DNS:pacs.test</c>, <c>IP:127.0.0.1</c>.</param>
    public static TestPki Create(string name, params string[] serverNames)
    {
        ArgumentOutOfRangeException.ThrowIfZero(serverNames.Length);
        Peers.Require("openssl");
        var pki = new TestPki(Peers.ScratchDirectory(name));
        MakeAuthority(pki.Folder, "ca", "/CN=PlaoImaging test authority");
        MakeAuthority(pki.Folder, "other-ca", "/CN=Another authority");
        Signed(pki, "server", "/CN=plao-server", $"extendedKeyUsage=serverAuth\nsubjectAltName={string.Join(',', serverNames)}\n");
        Signed(pki, "client", "/CN=plao-client", "extendedKeyUsage=clientAuth\n");
        return pki;
    }

    private static void MakeAuthority(string folder, string name, string subject) =>
        Peers.RunOk("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(folder, name + ".key"),
            "-out", Path.Combine(folder, name + ".crt"), "-days", "3", "-subj", subject,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");

    private static void Signed(TestPki pki, string name, string subject, string extensions)
    {
        string f = pki.Folder;
        string request = Path.Combine(f, name + ".csr");
        string extensionFile = Path.Combine(f, name + ".ext");
        File.WriteAllText(extensionFile, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n" + extensions);
        Peers.RunOk("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(f, name + ".key"), "-out", request, "-subj", subject);
        Peers.RunOk("openssl", "x509", "-req", "-in", request, "-CA", pki.Authority, "-CAkey", Path.Combine(f, "ca.key"), "-CAcreateserial",
            "-CAserial", Path.Combine(f, "ca.srl"), "-out", Path.Combine(f, name + ".crt"), "-days", "3", "-extfile", extensionFile);
    }
}
