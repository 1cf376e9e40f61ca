using PlaoImaging.Tests.Shared;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The worker tests' PKI (<see cref="TestPki"/>): the server certificate names <see cref="ServerName"/> only, not the
/// loopback address the tests connect to, so the destination's server-name setting is what makes the name match.
/// </summary>
internal static class TlsTestCertificates
{
    public const string ServerName = "pacs.test";

    public static TestPki Create(string name) => TestPki.Create(name, $"DNS:{ServerName}");
}
