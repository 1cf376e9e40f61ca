using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Hosting.Tests;

/// <summary>
/// The hosted SCP judged by DCMTK: storescu sends the sample radiograph and the sample MR study (explicit VR little
/// endian and JPEG lossless, each group in the syntax it is held in, so nothing is converted on the way); when
/// storescu returns success every instance is on disk under the storage root in the syntax it was sent in, with a
/// dataset equal to the original's; echoscu verifies; a calling AE outside the allow-list is rejected.
/// </summary>
[Trait("Category", "peer")]
public sealed class DcmtkPeerTests
{
    [Fact]
    public async Task Storescu_SampleRadiographAndMrStudy_StoredUnchangedBeforeSuccess()
    {
        Peers.Require("storescu");
        var handler = new RecordingHandler();
        var settings = ScpHost.LoopbackSettings("hosting-storescu", out string root);
        using var host = ScpHost.Build(settings, s => s.AddSingleton<IDicomStoreHandler>(handler));
        await host.StartAsync(TestContext.Current.CancellationToken);
        int port = ScpHost.EndPoint(host).Port;
        string samples = Path.Combine(Peers.RepositoryRoot, "sample-data");
        var files = new[] { Path.Combine(samples, "02-dx-thoracolumbar-explicit", "lateral.dcm") }
            .Concat(Directory.GetFiles(Path.Combine(samples, "07-mr-sagittal-acute"), "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            .ToList();
        var originals = files.ToDictionary(f => f, f => DicomFile.Open(f));

        foreach (var group in files.GroupBy(f => originals[f].TransferSyntax))
        {
            // storescu proposes uncompressed syntaxes by default; -xs adds JPEG lossless (first-order prediction) first.
            string[] proposal = group.Key == DicomTransferSyntax.ExplicitVRLittleEndian ? ["-xe"] : ["-xs"];
            var (code, stdout, stderr) = Peers.Run(
                "storescu",
                [.. proposal, "-aet", "STORESCU", "-aec", "PLAO", "-to", "10", "-ta", "10", "-ts", "30", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), .. group],
                timeoutSeconds: 120);
            Assert.True(code == 0, $"storescu ({group.Key}) exited {code}:\n{stdout}\n{stderr}");
        }

        // storescu has had every response: the files must be in place now, before the host stops.
        var comparer = new DicomDatasetComparer();
        var failures = new List<string>();
        foreach (var (path, original) in originals)
        {
            string sop = original.Dataset.GetString(DicomTags.SOPInstanceUID);
            string stored = Path.Combine(root, original.Dataset.GetString(DicomTags.StudyInstanceUID), original.Dataset.GetString(DicomTags.SeriesInstanceUID), sop + ".dcm");
            if (!File.Exists(stored))
            {
                failures.Add($"{path}: not stored at {stored}");
                continue;
            }

            var received = DicomFile.Open(stored);
            if (received.TransferSyntax != original.TransferSyntax)
            {
                failures.Add($"{path}: sent in {original.TransferSyntax}, stored in {received.TransferSyntax}");
            }
            else if (!comparer.Equals(original.Dataset, received.Dataset))
            {
                failures.Add($"{path}: the stored dataset differs from the sent one");
            }
        }

        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.True(failures.Count == 0, $"{failures.Count} of {files.Count} instances wrong:\n" + string.Join('\n', failures));
        Assert.Equal(files.Count, handler.Received.Count);
        Assert.All(handler.Received, r => Assert.Equal("STORESCU", r.CallingAETitle));
    }

    [Fact]
    public async Task Echoscu_HostedScp_Succeeds()
    {
        Peers.Require("echoscu");
        using var host = ScpHost.Build(ScpHost.LoopbackSettings("hosting-echoscu", out _));
        await host.StartAsync(TestContext.Current.CancellationToken);
        string port = ScpHost.EndPoint(host).Port.ToString(CultureInfo.InvariantCulture);

        var (code, stdout, stderr) = Peers.Run("echoscu", ["-aet", "ECHOSCU", "-aec", "PLAO", "-to", "10", "-ta", "10", "127.0.0.1", port], timeoutSeconds: 60);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.True(code == 0, $"echoscu exited {code}:\n{stdout}\n{stderr}");
    }

    [Fact]
    public async Task Echoscu_CallingTitleNotInAllowList_Rejected()
    {
        Peers.Require("echoscu");
        var settings = ScpHost.LoopbackSettings("hosting-echoscu-allow", out _);
        settings["Dicom:Scp:AcceptedCallingAETitles:0"] = "PACS";
        using var host = ScpHost.Build(settings);
        await host.StartAsync(TestContext.Current.CancellationToken);
        string port = ScpHost.EndPoint(host).Port.ToString(CultureInfo.InvariantCulture);

        var rejected = Peers.Run("echoscu", ["-aet", "INTRUDER", "-aec", "PLAO", "-to", "10", "-ta", "10", "127.0.0.1", port], timeoutSeconds: 60);
        var accepted = Peers.Run("echoscu", ["-aet", "PACS", "-aec", "PLAO", "-to", "10", "-ta", "10", "127.0.0.1", port], timeoutSeconds: 60);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.True(rejected.ExitCode != 0, $"echoscu as INTRUDER was accepted:\n{rejected.Stdout}\n{rejected.Stderr}");
        Assert.Contains("Association Rejected", rejected.Stdout + rejected.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Calling AE Title Not Recognized", rejected.Stdout + rejected.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.True(accepted.ExitCode == 0, $"echoscu as PACS exited {accepted.ExitCode}:\n{accepted.Stdout}\n{accepted.Stderr}");
    }
}
