using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PlaoImaging.Tests.Shared;

/// <summary>
/// A long-running peer (a server under test or a reference server such as storescp or Orthanc) started by a test:
/// stdout and stderr are read asynchronously and kept, every wait is bounded, and the process is killed on Dispose
/// (and, as a last resort, when the test host exits), so no test can leave a process behind.
/// </summary>
public sealed class PeerProcess : IDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Alive = new();

    /// <summary>Ports <see cref="FreeTcpPort"/> has handed out in this process.</summary>
    private static readonly ConcurrentDictionary<int, byte> HandedOutPorts = new();

    private static int exitHookInstalled;

    private readonly Process process;
    private readonly List<string> stdout = [];
    private readonly StringBuilder stderr = new();
    private readonly object gate = new();
    private bool stdoutClosed;
    private bool disposed;

    private PeerProcess(Process process, string description)
    {
        this.process = process;
        Description = description;
    }

    /// <summary>The command line, for messages.</summary>
    public string Description { get; }

    /// <summary>The process id.</summary>
    public int Id => process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited
    {
        get
        {
            try
            {
                return process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>The exit code, or null while it runs.</summary>
    public int? ExitCode => HasExited ? process.ExitCode : null;

    /// <summary>The stdout lines read so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (gate)
            {
                return [.. stdout];
            }
        }
    }

    /// <summary>The stderr text read so far.</summary>
    public string Errors
    {
        get
        {
            lock (gate)
            {
                return stderr.ToString();
            }
        }
    }

    /// <summary>Starts a process with stdin closed and both output streams captured.</summary>
    public static PeerProcess Start(string executable, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        InstallExitHook();
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var peer = new PeerProcess(process, Path.GetFileName(executable) + " " + string.Join(' ', info.ArgumentList));
        process.OutputDataReceived += (_, e) => peer.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => peer.OnStderr(e.Data);
        process.Start();
        Alive[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process is already gone; its output says why.
        }

        return peer;
    }

    /// <summary>Waits for the first stdout line (from index <paramref name="from"/> on) that matches; null when the time is up or the process ended first.</summary>
    public string? WaitForLine(Func<string, bool> match, TimeSpan timeout, int from = 0)
    {
        var deadline = Stopwatch.StartNew();
        lock (gate)
        {
            while (true)
            {
                for (int i = from; i < stdout.Count; i++)
                {
                    if (match(stdout[i]))
                    {
                        return stdout[i];
                    }
                }

                from = Math.Max(from, stdout.Count);
                var left = timeout - deadline.Elapsed;
                if (stdoutClosed || left <= TimeSpan.Zero)
                {
                    return null;
                }

                Monitor.Wait(gate, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> stdout lines match; returns the matching lines seen (fewer when the time is up or the process ended).</summary>
    public IReadOnlyList<string> WaitForLines(Func<string, bool> match, int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        lock (gate)
        {
            while (true)
            {
                var found = stdout.Where(match).ToList();
                var left = timeout - deadline.Elapsed;
                if (found.Count >= count || stdoutClosed || left <= TimeSpan.Zero)
                {
                    return found;
                }

                Monitor.Wait(gate, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    /// <summary>Sends SIGTERM and waits (bounded) for the process to end; true when it ended in time.</summary>
    public bool Terminate(TimeSpan timeout)
    {
        if (HasExited)
        {
            return true;
        }

        Peers.RunProcess("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)], timeoutSeconds: 10);
        return WaitForExit(timeout);
    }

    /// <summary>Waits (bounded) for the process to end and its stdout to be read to the end.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        if (!process.WaitForExit(timeout))
        {
            return false;
        }

        lock (gate)
        {
            while (!stdoutClosed && clock.Elapsed < timeout + TimeSpan.FromSeconds(5))
            {
                Monitor.Wait(gate, TimeSpan.FromMilliseconds(100));
            }
        }

        return true;
    }

    /// <summary>A value of /proc/PID/status in kB (e.g. VmHWM, the peak resident set size), or null when unreadable.</summary>
    public long? ProcStatusKb(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Id}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    var parts = line[(field.Length + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>The command, its state and the tail of both streams, for assertion messages.</summary>
    public string Describe(int tailLines = 40)
    {
        string state = HasExited ? $"exited {process.ExitCode}" : "running";
        var lines = Lines;
        var errors = Errors.Split('\n');
        return $"[{Description}] ({state})\n--- stdout (last {tailLines} lines) ---\n" + string.Join('\n', lines.Skip(Math.Max(0, lines.Count - tailLines)))
            + $"\n--- stderr (last {tailLines} lines) ---\n" + string.Join('\n', errors.Skip(Math.Max(0, errors.Length - tailLines)));
    }

    /// <summary>Kills the process (and its children) when it still runs.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        try
        {
            if (!HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        finally
        {
            Alive.TryRemove(new KeyValuePair<int, Process>(process.Id, process));
            process.Dispose();
        }
    }

    /// <summary>
    /// A TCP port on the loopback interface that was free a moment ago and that this test process has not handed out
    /// before. The kernel may offer a port again as soon as it is released: a test that took two ports before binding
    /// either (a worker's port and a destination that stays down) was once given the same one twice.
    /// </summary>
    public static int FreeTcpPort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (HandedOutPorts.TryAdd(port, 0))
            {
                return port;
            }
        }
    }

    /// <summary>Waits (bounded) until a TCP connection to the loopback port succeeds; false when the time is up.</summary>
    public static bool WaitForTcpPort(int port, TimeSpan timeout, Func<bool>? giveUp = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (giveUp?.Invoke() == true)
            {
                return false;
            }

            try
            {
                using var client = new TcpClient();
                if (client.ConnectAsync(IPAddress.Loopback, port).Wait(TimeSpan.FromSeconds(1)) && client.Connected)
                {
                    return true;
                }
            }
            catch (AggregateException)
            {
            }
            catch (SocketException)
            {
            }

            Thread.Sleep(50);
        }

        return false;
    }

    private static void InstallExitHook()
    {
        if (Interlocked.Exchange(ref exitHookInstalled, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                foreach (var p in Alive.Values)
                {
                    try
                    {
                        p.Kill(entireProcessTree: true);
                    }
                    catch (InvalidOperationException)
                    {
                    }
                    catch (System.ComponentModel.Win32Exception)
                    {
                    }
                }
            };
        }
    }

    private void OnStdout(string? line)
    {
        lock (gate)
        {
            if (line is null)
            {
                stdoutClosed = true;
            }
            else
            {
                stdout.Add(line);
            }

            Monitor.PulseAll(gate);
        }
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            stderr.Append(line).Append('\n');
        }
    }
}
