using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// A throw-away PKI made with openssl once per run: a CA, a server certificate (CN plao-server, SAN IP 127.0.0.1 and
/// DNS localhost, serverAuth) and a client certificate (CN plao-client, clientAuth), both signed by the CA; RSA 2048,
/// unencrypted PEM keys (so DCMTK never prompts for a password).
/// </summary>
internal sealed class TlsMaterial
{
    private static readonly Lazy<TlsMaterial> Made = new(Make, LazyThreadSafetyMode.ExecutionAndPublication);

    private TlsMaterial(string directory) => Directory = directory;

    public static TlsMaterial Instance => Made.Value;

    public string Directory { get; }

    public string CaCertificate => Path.Combine(Directory, "ca.crt");

    public string ServerCertificate => Path.Combine(Directory, "server.crt");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public string ClientCertificate => Path.Combine(Directory, "client.crt");

    public string ClientKey => Path.Combine(Directory, "client.key");

    private static TlsMaterial Make()
    {
        Peers.Require("openssl");
        string dir = Peers.ScratchDirectory("network-tls");
        void Openssl(params string[] args)
        {
            var (code, _, stderr) = Peers.Run("openssl", args, workingDirectory: dir, timeoutSeconds: 60);
            Assert.True(code == 0, $"openssl {string.Join(' ', args)} exited {code}: {stderr}");
        }

        Openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "3", "-subj", "/CN=PlaoImaging Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        File.WriteAllText(Path.Combine(dir, "server.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n");
        File.WriteAllText(Path.Combine(dir, "client.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n");
        foreach (var name in new[] { "server", "client" })
        {
            Openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=plao-" + name);
            Openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-CAserial", "ca.srl",
                "-out", name + ".crt", "-days", "3", "-extfile", name + ".ext");
        }

        return new TlsMaterial(dir);
    }
}
