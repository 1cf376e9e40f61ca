using System.Globalization;
using PlaoImaging.Dicom;
using PlaoImaging.Interop.Tests.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Reports;

/// <summary>
/// Every object <c>plao analyze --sr --gsps --sc</c> writes for the sample studies — reports, presentation states and
/// secondary captures — read by three peers: dciodvfy finds no error, pydicom reads each file (and decodes each
/// capture's pixels), and Orthanc accepts each one over C-STORE and indexes it with its modality and SOP class.
/// </summary>
[Trait("Category", "slow")]
[Trait("Category", "peer")]
public sealed class AnalyzeOverlayObjectsTests
{
    private static readonly Dictionary<string, string> SopClassOf = new(StringComparer.Ordinal)
    {
        ["SR"] = "1.2.840.10008.5.1.4.1.1.88.34",
        ["PR"] = "1.2.840.10008.5.1.4.1.1.11.1",
        ["OT"] = "1.2.840.10008.5.1.4.1.1.7",
    };

    [Fact]
    public async Task EveryWrittenObject_IsValidReadByPydicomAndStoredByOrthanc()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Peers.ScratchDirectory("reports-all-objects");
        string output = Path.Combine(scratch, "out");
        var analyse = NetworkPeers.Plao(600, "analyze", Path.Combine(Peers.RepositoryRoot, "sample-data"), "--sr", output, "--gsps", "--sc", "--provider", "cpu", "--quiet");
        Assert.True(analyse.Code == 0, $"plao analyze exited {analyse.Code}: {analyse.Stderr}");
        var files = Directory.GetFiles(output, "*.dcm").Order(StringComparer.Ordinal).ToList();
        var byModality = files
            .Select(f => (Path: f, DicomFile.Open(f, new DicomReadOptions { StopBeforePixelData = true }).Dataset))
            .GroupBy(f => f.Dataset.GetStringOrDefault(DicomTags.SOPClassUID) switch
            {
                "1.2.840.10008.5.1.4.1.1.88.34" => "SR",
                "1.2.840.10008.5.1.4.1.1.11.1" => "PR",
                "1.2.840.10008.5.1.4.1.1.7" => "OT",
                var other => other ?? "none",
            })
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Assert.Equal(["OT", "PR", "SR"], byModality.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(byModality["PR"].Count, byModality["OT"].Count);
        Assert.True(byModality["PR"].Count > byModality["SR"].Count, "one presentation state per analysed image, one report per study");

        foreach (string file in files)
        {
            var (_, stdout, stderr) = Peers.Run("dciodvfy", ["-new", file]);
            var errors = (stdout + stderr).Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count == 0, $"{file}:\n{string.Join('\n', errors)}");
        }

        string script = Path.Combine(scratch, "read.py");
        File.WriteAllText(script, """
            import sys
            import pydicom
            for path in sys.argv[1:]:
                ds = pydicom.dcmread(path)
                line = f"{ds.SOPClassUID} {ds.Modality} {ds.PatientName}"
                if "PixelData" in ds:
                    a = ds.pixel_array
                    line += f" pixels {a.shape}"
                print(line)
            """);
        var python = Peers.RunProcess("/usr/bin/python3", [script, .. files], timeoutSeconds: 300);
        Assert.True(python.ExitCode == 0, python.Stderr);
        var lines = python.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(files.Count, lines.Length);
        Assert.Equal(byModality["OT"].Count, lines.Count(l => l.Contains(" pixels (", StringComparison.Ordinal)));

        _ = OrthancPeer.Executable;
        using var orthanc = await OrthancPeer.StartAsync(scratch, new Dictionary<string, (string, int)>(), ct);
        var send = NetworkPeers.Plao(300, "send", "127.0.0.1", orthanc.DicomPort.ToString(CultureInfo.InvariantCulture), output, "--called", OrthancPeer.Aet, "--timeout", "30");
        Assert.True(send.Code == 0, $"plao send exited {send.Code}: {send.Stdout}{send.Stderr}\n{orthanc.Process.Describe(15)}");
        foreach (var (kind, group) in byModality)
        {
            foreach (var (path, dataset) in group)
            {
                string? id = await orthanc.LookupInstanceAsync(dataset.GetString(DicomTags.SOPInstanceUID), ct);
                Assert.True(id is not null, $"Orthanc did not index {Path.GetFileName(path)} ({kind})");
                var tags = await orthanc.GetJsonAsync($"instances/{id}/simplified-tags", ct);
                Assert.Equal(SopClassOf[kind], tags["SOPClassUID"]?.GetValue<string>());
                Assert.Equal(dataset.GetString(DicomTags.StudyInstanceUID), tags["StudyInstanceUID"]?.GetValue<string>());
            }
        }
    }
}
