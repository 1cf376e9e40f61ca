using PlaoImaging.Tests.Shared;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>The network tests' PKI (<see cref="TestPki"/>), made once per run; the server certificate names 127.0.0.1 and localhost.</summary>
internal static class TlsMaterial
{
    private static readonly Lazy<TestPki> Made = new(() => TestPki.Create("network-tls", "IP:127.0.0.1", "DNS:localhost"), LazyThreadSafetyMode.ExecutionAndPublication);

    public static TestPki Instance => Made.Value;
}
