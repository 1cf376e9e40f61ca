using System.Net;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Support;

/// <summary>
/// A <see cref="DicomServer"/> on a free loopback port with its own storage folder, short but generous timeouts, and the
/// checks the tests make of it: temp files, stored files, active associations (all polled with a bounded wait).
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly ScratchFolder folder;

    private TestServer(ScratchFolder folder, DicomServerOptions options)
    {
        this.folder = folder;
        Options = options;
        Server = new DicomServer(options);
        Server.Start();
    }

    public DicomServer Server { get; }

    public DicomServerOptions Options { get; }

    public int Port => Server.Port;

    public string Storage => Options.StorageDirectory;

    public string Incoming => Path.Combine(Storage, ".incoming");

    /// <summary>Scratch space beside the storage folder (for source files).</summary>
    public string Scratch => folder.Sub("sources");

    /// <summary>Starts a server; <paramref name="configure"/> adjusts the defaults (loopback, port 0, ARTIM 5 s, PDU timeout 10 s).</summary>
    public static TestServer Start(string name, Func<DicomServerOptions, DicomServerOptions>? configure = null)
    {
        var folder = new ScratchFolder(name);
        var options = new DicomServerOptions
        {
            AETitle = "TESTSCP",
            Address = IPAddress.Loopback,
            Port = 0,
            StorageDirectory = folder.Sub("storage"),
            ArtimTimeout = TimeSpan.FromSeconds(5),
            PduTimeout = TimeSpan.FromSeconds(10),
        };
        try
        {
            return new TestServer(folder, configure?.Invoke(options) ?? options);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Client options with bounded waits.</summary>
    public static DicomClientOptions ClientOptions(string calling = "TESTSCU", string called = "TESTSCP") => new()
    {
        CallingAETitle = calling,
        CalledAETitle = called,
        ConnectTimeout = TimeSpan.FromSeconds(20),
        ArtimTimeout = TimeSpan.FromSeconds(20),
        ResponseTimeout = TimeSpan.FromSeconds(30),
    };

    public DicomClient Client(DicomClientOptions? options = null) => new("127.0.0.1", Port, options ?? ClientOptions());

    /// <summary>C-ECHO with a fresh client; asserts success.</summary>
    public async Task AssertEchoAsync(CancellationToken cancellationToken)
    {
        var status = await Client().EchoAsync(cancellationToken);
        Assert.Equal(DimseStatus.Success, status);
    }

    public Task<RawPeer> ConnectRawAsync(CancellationToken cancellationToken) => RawPeer.ConnectAsync(Port, cancellationToken);

    /// <summary>Temp files in the incoming folder.</summary>
    public string[] PartFiles() => Directory.Exists(Incoming) ? Directory.GetFiles(Incoming, "*.part") : [];

    /// <summary>Files stored (anything outside the incoming folder).</summary>
    public string[] StoredFiles() => [.. Directory.GetFiles(Storage, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(Incoming + Path.DirectorySeparatorChar, StringComparison.Ordinal))];

    /// <summary>Waits (bounded) until no association is being served and no temp file is left; asserts both.</summary>
    public async Task AssertIdleAsync(CancellationToken cancellationToken, int seconds = 30)
    {
        bool idle = await Eventually.TrueAsync(() => Server.ActiveAssociations == 0 && PartFiles().Length == 0, TimeSpan.FromSeconds(seconds), cancellationToken);
        Assert.True(idle, $"after {seconds} s: {Server.ActiveAssociations} associations active, temp files: {string.Join(", ", PartFiles().Select(Path.GetFileName))}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Bounded: a server that cannot stop fails the test instead of hanging the run.
            await Server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            folder.Dispose();
        }
    }
}

/// <summary>Polling with a bound: for conditions that become true on the server's own schedule.</summary>
internal static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (condition())
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(20, cancellationToken);
        }
    }
}
