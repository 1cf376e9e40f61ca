using System.Globalization;
using Xunit;

namespace PlaoImaging.Tests.Shared;

/// <summary>A running DCMTK storescp on a loopback port, writing what it receives into one folder; killed on Dispose.</summary>
public sealed class StorescpPeer : IDisposable
{
    private StorescpPeer(PeerProcess process, int port, string outDirectory)
    {
        Process = process;
        Port = port;
        OutDirectory = outDirectory;
    }

    public PeerProcess Process { get; }

    public int Port { get; }

    public string OutDirectory { get; }

    /// <summary>Starts <c>storescp OPTIONS -od DIR PORT</c> on a free port and waits until it accepts connections (another port on a clash).</summary>
    public static StorescpPeer Start(string outDirectory, params string[] options) => StartOnPort(outDirectory, 0, options);

    /// <summary>As <see cref="Start"/> on the given port (0: a free one; a given port is not changed on a clash).</summary>
    public static StorescpPeer StartOnPort(string outDirectory, int port, params string[] options)
    {
        string storescp = Peers.Require("storescp");
        Directory.CreateDirectory(outDirectory);
        string failures = string.Empty;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            int p = port == 0 ? PeerProcess.FreeTcpPort() : port;
            var process = PeerProcess.Start(storescp, [.. options, "-od", outDirectory, p.ToString(CultureInfo.InvariantCulture)]);
            // The probe can reach another test's short-lived listener that held the port a moment ago, while storescp
            // itself fails to bind it and exits: it counts only if storescp is still running a little later.
            if (PeerProcess.WaitForTcpPort(p, TimeSpan.FromSeconds(15), () => process.HasExited) && !ExitsWithin(process, TimeSpan.FromMilliseconds(300)))
            {
                return new StorescpPeer(process, p, outDirectory);
            }

            failures += process.Describe() + "\n";
            process.Dispose();
        }

        Assert.Fail("storescp did not start: " + failures);
        throw new InvalidOperationException();
    }

    private static bool ExitsWithin(PeerProcess process, TimeSpan grace)
    {
        Thread.Sleep(grace);
        return process.HasExited;
    }

    /// <summary>The file storescp wrote for an instance (its default names are "MODALITYPREFIX.SOPInstanceUID"), or null.</summary>
    public string? Received(string sopInstanceUid) =>
        Directory.GetFiles(OutDirectory).FirstOrDefault(f =>
        {
            string name = Path.GetFileName(f);
            return name[(name.IndexOf('.', StringComparison.Ordinal) + 1)..] == sopInstanceUid;
        });

    public void Dispose() => Process.Dispose();
}
