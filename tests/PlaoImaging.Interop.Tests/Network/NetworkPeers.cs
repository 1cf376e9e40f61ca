using System.Globalization;
using System.Text.RegularExpressions;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>The real <c>plao</c> binary (beside the tests) and DCMTK's network tools, as the network interop tests run them.</summary>
internal static class NetworkPeers
{
    /// <summary>plao.dll beside the tests.</summary>
    public static string PlaoDll
    {
        get
        {
            string plao = Path.Combine(AppContext.BaseDirectory, "plao.dll");
            Assert.True(File.Exists(plao), $"plao.dll is not beside the tests ({plao}): the project reference to PlaoImaging.Cli is missing");
            return plao;
        }
    }

    /// <summary>Runs <c>plao ARGS</c> to the end (killed past the limit, which fails the test); returns exit code, stdout and stderr.</summary>
    public static (int Code, string Stdout, string Stderr) Plao(int timeoutSeconds, params string[] args)
    {
        try
        {
            return Peers.RunProcess(Peers.DotnetHost, [PlaoDll, .. args], timeoutSeconds: timeoutSeconds);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"plao {string.Join(' ', args)} did not finish in {timeoutSeconds} s (killed)");
            throw;
        }
    }

    /// <summary>Runs a DCMTK tool to the end; returns exit code, stdout and stderr.</summary>
    public static (int Code, string Stdout, string Stderr) Dcmtk(string tool, int timeoutSeconds, params string[] args)
    {
        try
        {
            return Peers.Run(tool, args, timeoutSeconds: timeoutSeconds);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{tool} {string.Join(' ', args)} did not finish in {timeoutSeconds} s (killed)");
            throw;
        }
    }

    /// <summary>Runs storescu with one association that proposes exactly each file's (SOP class, transfer syntax), so nothing is converted on the way; fails the test unless every file was sent.</summary>
    public static void Storescu(string scratch, int port, IReadOnlyList<string> files, params string[] options)
    {
        var dumps = files.Select(f => DcmtkDump.Of(f, printAll: false)).ToList();
        string profile = DcmtkDump.WriteStorescuProfile(Path.Combine(scratch, "storescu-" + Guid.NewGuid().ToString("N")[..8] + ".cfg"), dumps);
        var args = new List<string>(options) { "-xf", profile, "Plao", "-nh", "-to", "10", "-ts", "30", "-ta", "10", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture) };
        args.AddRange(files);
        var (code, stdout, stderr) = Dcmtk("storescu", 120, [.. args]);
        Assert.True(code == 0, $"storescu exited {code}:\n{stdout}\n{stderr}");
    }

    /// <summary>The path plao listen stores an instance at: OUT/StudyInstanceUID/SeriesInstanceUID/SOPInstanceUID.dcm.</summary>
    public static string ExpectedPath(string outDirectory, DcmtkDump original) =>
        Path.Combine(outDirectory, Need(original.StudyInstanceUid, original, "StudyInstanceUID"), Need(original.SeriesInstanceUid, original, "SeriesInstanceUID"), Need(original.SopInstanceUid, original, "SOPInstanceUID") + ".dcm");

    private static string Need(string? value, DcmtkDump dump, string what) =>
        value ?? throw new InvalidOperationException($"{dump.File} has no top-level {what}");
}

/// <summary>A running <c>plao listen</c> on a free loopback port (port 0), killed on Dispose.</summary>
internal sealed partial class PlaoListener : IDisposable
{
    private PlaoListener(PeerProcess process, string outDirectory, string address, int port, string aet)
    {
        Process = process;
        OutDirectory = outDirectory;
        Address = address;
        Port = port;
        Aet = aet;
    }

    public PeerProcess Process { get; }

    public string OutDirectory { get; }

    /// <summary>The address from the "listening on" line.</summary>
    public string Address { get; }

    public int Port { get; }

    public string Aet { get; }

    /// <summary>Starts <c>plao listen --port 0 --out DIR OPTIONS</c> and waits (bounded) for its "listening on IP:PORT as AE" line.</summary>
    public static PlaoListener Start(string outDirectory, IEnumerable<string>? options = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = PeerProcess.Start(Peers.DotnetHost, [NetworkPeers.PlaoDll, "listen", "--port", "0", "--out", outDirectory, .. options ?? []], environment: environment);
        try
        {
            string? line = process.WaitForLine(l => l.StartsWith("listening on ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            if (line is null)
            {
                process.WaitForExit(TimeSpan.FromSeconds(2));
                Assert.Fail("plao listen printed no 'listening on' line (waited up to 30 s): " + process.Describe());
            }

            Assert.True(process.Lines[0] == line, $"'listening on' is not plao listen's first stdout line: {process.Describe()}");
            var match = ListeningLine().Match(line!);
            Assert.True(match.Success, $"cannot parse '{line}' as 'listening on <ip>:<port> as <AE>'");
            int port = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
            Assert.True(port > 0, $"plao listen reported port {port} for --port 0");
            return new PlaoListener(process, outDirectory, match.Groups["ip"].Value, port, match.Groups["ae"].Value);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Waits (bounded) for <paramref name="count"/> "stored PATH" lines and returns the paths; fails the test when fewer come.</summary>
    public IReadOnlyList<string> WaitForStored(int count, TimeSpan timeout)
    {
        var lines = Process.WaitForLines(IsStoredLine, count, timeout);
        Assert.True(lines.Count >= count, $"plao listen reported {lines.Count} of {count} stored instances in {timeout.TotalSeconds} s: {Process.Describe()}");
        return [.. lines.Select(l => l["stored ".Length..].Trim())];
    }

    /// <summary>The "stored PATH" paths reported so far.</summary>
    public IReadOnlyList<string> Stored => [.. Process.Lines.Where(IsStoredLine).Select(l => l["stored ".Length..].Trim())];

    /// <summary>Sends SIGTERM; asserts the listener ends within 10 s and left nothing in OUT/.incoming.</summary>
    public void StopAndAssertClean()
    {
        Assert.True(Process.Terminate(TimeSpan.FromSeconds(10)), "plao listen did not stop within 10 s of SIGTERM: " + Process.Describe());
        var incoming = Path.Combine(OutDirectory, ".incoming");
        var left = Directory.Exists(incoming) ? Directory.GetFileSystemEntries(incoming, "*", SearchOption.AllDirectories) : [];
        Assert.True(left.Length == 0, $"plao listen left {left.Length} temp files in {incoming}: {string.Join(", ", left.Take(5))}");
    }

    /// <summary>Asserts that every original arrived at OUT/Study/Series/SOP.dcm, was reported by a "stored" line, and equals the original (DCMTK's view, same transfer syntax).</summary>
    public void AssertReceivedUnchanged(IReadOnlyList<string> originals)
    {
        var reported = new HashSet<string>(Stored.Select(Path.GetFullPath), StringComparer.Ordinal);
        var failures = new List<string>();
        foreach (var original in originals)
        {
            var dump = DcmtkDump.Of(original);
            string expected = NetworkPeers.ExpectedPath(OutDirectory, dump);
            if (!File.Exists(expected))
            {
                failures.Add($"{original}: not stored at {expected}");
                continue;
            }

            if (!reported.Contains(Path.GetFullPath(expected)))
            {
                failures.Add($"{original}: stored at {expected}, but no 'stored {expected}' line");
            }

            var received = DcmtkDump.Of(expected);
            if (received.TransferSyntax != dump.TransferSyntax)
            {
                failures.Add($"{original}: sent in {dump.TransferSyntax}, stored in {received.TransferSyntax}");
            }

            if (DcmtkDump.FirstDifference(dump, received) is { } difference)
            {
                failures.Add($"{original}: {difference}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {originals.Count} instances wrong:\n" + string.Join('\n', failures));
    }

    public void Dispose() => Process.Dispose();

    private static bool IsStoredLine(string line) => line.StartsWith("stored ", StringComparison.Ordinal);

    [GeneratedRegex(@"^listening on (?<ip>\S+):(?<port>\d+) as (?<ae>\S+)")]
    private static partial Regex ListeningLine();
}
