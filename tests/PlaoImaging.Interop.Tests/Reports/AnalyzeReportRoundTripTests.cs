using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Interop.Tests.Network;
using PlaoImaging.Reporting.Sr;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Reports;

/// <summary>
/// The real binary with the shipped model on every sample study: <c>plao analyze --json --sr</c>, then each report
/// read back by <c>plao report --json</c> equals the part of the JSON result a report carries, and dciodvfy finds no
/// error in any report.
/// </summary>
[Trait("Category", "slow")]
public sealed class AnalyzeReportRoundTripTests
{
    [Fact]
    public void EverySampleStudy_ReportReadBack_EqualsTheCarriedResult()
    {
        string scratch = Peers.ScratchDirectory("reports-analyze-sr");
        string json = Path.Combine(scratch, "results.json");
        string reports = Path.Combine(scratch, "sr");
        var analyse = NetworkPeers.Plao(600, "analyze", Path.Combine(Peers.RepositoryRoot, "sample-data"), "--json", json, "--sr", reports, "--provider", "cpu", "--quiet");
        Assert.True(analyse.Code == 0, $"plao analyze exited {analyse.Code}: {analyse.Stderr}");
        var results = System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement[]>(File.ReadAllText(json))!
            .Select(e => StudyResultJson.Deserialize(e.GetRawText())).ToList();

        var srFiles = Directory.GetFiles(reports, "*.dcm")
            .Select(f => (Path: f, DicomFile.Open(f, new DicomReadOptions { StopBeforePixelData = true }).Dataset))
            .Where(f => f.Dataset.GetStringOrDefault(DicomTags.Modality) == "SR")
            .ToList();
        var expected = results.Where(r => VertebralReport.MeasuredImages(r).Count > 0).ToList();
        Assert.Equal(expected.Count, srFiles.Count);
        Assert.Contains(results, r => r.Status == StudyStatus.NoMeasurableSeries);

        foreach (var (path, dataset) in srFiles)
        {
            var read = NetworkPeers.Plao(60, "report", path, "--json");
            Assert.True(read.Code == 0, read.Stderr);
            var result = expected.Single(r => r.StudyInstanceUid == dataset.GetString(DicomTags.StudyInstanceUID));
            Assert.Equal(
                StudyResultJson.Serialize(VertebralReportReader.Carried(result, dataset.TextEncoding)),
                read.Stdout.TrimEnd('\n'));

            var (_, stdout, stderr) = Peers.Run("dciodvfy", ["-new", path]);
            var errors = (stdout + stderr).Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count == 0, $"{path}:\n{string.Join('\n', errors)}");
        }
    }
}
