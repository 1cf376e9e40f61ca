using System.Globalization;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>The built worker with one wrong setting: the process ends non-zero before it serves anything, and its output names the key.</summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class FailFastTests
{
    public static TheoryData<string, string, string> WrongSettings() => new()
    {
        { "Storage:Provider", "Oracle", "Storage:Provider is 'Oracle'" },
        { "Export:Destinations:0:Port", "0", "Export:Destinations:0:Port is 0" },
        { "Analysis:Model", "/nonexistent/model.json", "Analysis:Model '/nonexistent/model.json' does not exist" },
        { "Auth:Users:0:PasswordHash", "hunter2", "Auth:Users:0:PasswordHash is not a pbkdf2-sha256 hash" },
    };

    [Theory]
    [MemberData(nameof(WrongSettings))]
    public void Start_WrongSetting_ExitsNonZeroNamingTheKey(string key, string value, string expected)
    {
        string folder = Peers.ScratchDirectory("worker-fail-fast");
        int httpPort = PeerProcess.FreeTcpPort();
        int dicomPort = PeerProcess.FreeTcpPort();
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
            ["Dicom:Scp:Port"] = dicomPort.ToString(CultureInfo.InvariantCulture),
            ["Dicom:Scp:BindAddress"] = "127.0.0.1",
            ["Analysis:Provider"] = "cpu",
            ["Export:Destinations:0:Name"] = "pacs",
            ["Export:Destinations:0:Host"] = "127.0.0.1",
            ["Auth:Users:0:Name"] = "ops",
            ["Auth:Users:0:PasswordHash"] = "pbkdf2-sha256$10000$c2FsdHNhbHQ=$MDEyMzQ1Njc4OWFiY2RlZg==",
            ["Auth:Users:0:Roles:0"] = "admin",
        };
        settings[key] = value;

        using var worker = PeerProcess.Start(Peers.DotnetHost, [WorkerProcess.Assembly, .. settings.Select(kv => $"--{kv.Key}={kv.Value}")], folder);
        bool exited = worker.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.True(exited, $"the worker still runs with {key}={value}:\n{worker.Describe(40)}");
        Assert.NotEqual(0, worker.ExitCode);
        string output = string.Join('\n', worker.Lines) + "\n" + worker.Errors;
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.False(PeerProcess.WaitForTcpPort(dicomPort, TimeSpan.FromMilliseconds(200)), "the SCP port answers after a failed start");
    }
}
