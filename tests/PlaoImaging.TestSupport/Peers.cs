using System.Diagnostics;
using Xunit;

namespace PlaoImaging.Tests.Shared;

/// <summary>Finds the repository and the shared corpus, and runs the real peer tools (DCMTK, GDCM, dicom3tools, pydicom).</summary>
public static class Peers
{
    private static readonly Lazy<string> Root = new(() =>
    {
        if (Environment.GetEnvironmentVariable("PLAO_REPO_ROOT") is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "PlaoImaging.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("PlaoImaging.sln not found above the test binaries or the working directory; set PLAO_REPO_ROOT");
    });

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>True in CI, where a missing peer is a failure instead of a skip.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The shared DICOM corpus beside the checkout; fails in CI and skips loudly elsewhere when absent.</summary>
    public static string RequireCorpus()
    {
        var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "dicom-corpus"));
        if (!Directory.Exists(path))
        {
            Unavailable($"the shared DICOM corpus is not at {path}");
        }

        return path;
    }

    /// <summary>The full path of a peer tool; fails in CI and skips loudly elsewhere when it is not installed.</summary>
    public static string Require(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Unavailable($"peer tool '{tool}' is not installed (./build.sh test installs it)");
        return string.Empty;
    }

    /// <summary>Runs a tool with a time limit; returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string tool, IEnumerable<string> arguments, string? workingDirectory = null, int timeoutSeconds = 120) =>
        RunProcess(Require(tool), arguments, workingDirectory, timeoutSeconds);

    /// <summary>The dotnet host that runs the tests, to start our own binaries (e.g. plao.dll) with.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } configured && File.Exists(configured)
            ? configured
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

    /// <summary>Runs an executable with a time limit (killing it past the limit); returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunProcess(string executable, IEnumerable<string> arguments, string? workingDirectory = null, int timeoutSeconds = 120)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(executable)} did not finish in {timeoutSeconds} s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a tool and fails the test when it exits non-zero.</summary>
    public static string RunOk(string tool, params string[] arguments)
    {
        var (code, stdout, stderr) = Run(tool, arguments);
        Assert.True(code == 0, $"{tool} {string.Join(' ', arguments)} exited {code}: {stderr}");
        return stdout;
    }

    /// <summary>A fresh scratch folder under the test output.</summary>
    public static string ScratchDirectory(string name)
    {
        var path = Path.Combine(RepositoryRoot, "artifacts", "scratch", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A peer this test needs is missing: fails in CI, skips loudly elsewhere (the project's rule for every peer).</summary>
    public static void Unavailable(string reason)
    {
        if (InCi)
        {
            Assert.Fail("REQUIRED PEER MISSING IN CI: " + reason);
        }

        Console.Error.WriteLine("SKIPPED (peer missing): " + reason);
        Assert.Skip("PEER MISSING: " + reason);
    }
}
