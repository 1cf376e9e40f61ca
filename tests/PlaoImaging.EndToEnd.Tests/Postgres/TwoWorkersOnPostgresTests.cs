using System.Globalization;
using System.Text.Json.Nodes;
using PlaoImaging.EndToEnd.Tests.Worker;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Postgres;

/// <summary>
/// The scale-out set-up for real: two worker processes on one PostgreSQL cluster (results database and Hangfire),
/// one shared storage root and outbox, one DCMTK storescp as the PACS. Both start at the same moment (the schema is
/// created once, by whichever gets there first, without errors in either), studies arrive at both SCPs — one study
/// split across the two — and each study is analysed once, its report and presentation state arrive once at the
/// destination, and either worker's API lists every study.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class TwoWorkersOnPostgresTests
{
    private static readonly string[] SingleImageStudies =
        ["01-cr-lumbar-mono1-jpegll", "02-dx-thoracolumbar-explicit", "03-dx-thoracic-plao-run", "04-cr-normal-implicit"];

    [Fact]
    public async Task TwoWorkersOnOnePostgreSql_StudiesSentToBoth_AreAnalysedAndExportedOnce()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        string storescu = Peers.Require("storescu");
        using var cluster = PostgresCluster.Start("two-workers");
        string shared = Peers.ScratchDirectory("pg-two-workers-shared");
        using var pacs = StorescpPeer.Start(Path.Combine(shared, "pacs"));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = cluster.ConnectionString,
            ["Dicom:Scp:StorageRoot"] = Path.Combine(shared, "dicom"),
            ["Worker:OutboxFolder"] = Path.Combine(shared, "outbox"),
            // Long enough that the two halves of the split study, sent to the two workers at once, form one generation.
            ["Assembly:QuietPeriod"] = "00:00:03",
            ["Export:Destinations:0:Name"] = "pacs",
            ["Export:Destinations:0:Host"] = "127.0.0.1",
            ["Export:Destinations:0:Port"] = pacs.Port.ToString(CultureInfo.InvariantCulture),
            ["Export:Destinations:0:CalledAETitle"] = "PACS",
            ["Export:RetryDelays:0"] = "00:00:01",
        };

        // Both at once: the migrations and Hangfire's schema race unless the start-up serialises them.
        var starting = new[] { WorkerProcess.StartAsync("pg-worker-a", settings, cancellationToken), WorkerProcess.StartAsync("pg-worker-b", settings, cancellationToken) };
        WorkerProcess[] workers;
        try
        {
            workers = await Task.WhenAll(starting);
        }
        catch
        {
            // Whatever failed, stop whatever started.
            foreach (var t in starting.Where(t => t.IsCompletedSuccessfully))
            {
                (await t).Dispose();
            }

            throw;
        }

        using var a = workers[0];
        using var b = workers[1];
        int migrations = Directory.GetFiles(Path.Combine(Peers.RepositoryRoot, "src", "PlaoImaging.Worker", "Persistence", "Migrations", "PostgreSql"), "*_*.cs")
            .Count(f => !f.EndsWith(".Designer.cs", StringComparison.Ordinal));
        Assert.Equal(migrations, cluster.Scalar("SELECT count(*) FROM \"__EFMigrationsHistory\""));
        Assert.True(cluster.Scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'hangfire' AND table_name = 'job'") == 1, "no Hangfire job table");
        foreach (var worker in new[] { a, b })
        {
            string output = string.Join('\n', worker.Process!.Lines) + worker.Process.Errors;
            Assert.False(output.Contains("fail: Hangfire", StringComparison.Ordinal), "Hangfire's schema set-up failed at start:\n" + worker.Process.Describe(80));
        }

        // The split study first on both associations, so that its two instances arrive together.
        string samples = Path.Combine(Peers.RepositoryRoot, "sample-data");
        string split = Path.Combine(samples, "05-chest-pa-skip-plus-lateral");
        var sendA = Task.Run(() => Send(storescu, a.DicomPort, Path.Combine(split, "chest-pa.dcm"), Path.Combine(samples, SingleImageStudies[0], "lateral.dcm"), Path.Combine(samples, SingleImageStudies[1], "lateral.dcm")), cancellationToken);
        var sendB = Task.Run(() => Send(storescu, b.DicomPort, Path.Combine(split, "lateral.dcm"), Path.Combine(samples, SingleImageStudies[2], "lateral.dcm"), Path.Combine(samples, SingleImageStudies[3], "lateral.dcm")), cancellationToken);
        await Task.WhenAll(sendA, sendB);

        static bool Settled(JsonArray studies) => studies.Count == 5 && studies.All(s => (string?)s!["state"] is "Analysed" or "NoResult" or "Failed");
        var fromA = await a.WaitForStudiesAsync(Settled, TimeSpan.FromSeconds(120), cancellationToken);
        var fromB = await b.WaitForStudiesAsync(Settled, TimeSpan.FromSeconds(30), cancellationToken);
        Assert.All(fromA, s => Assert.Equal("Analysed", (string?)s!["state"]));
        Assert.Equal(Uids(fromA), Uids(fromB));
        var splitStudy = fromA.Single(s => (string?)s!["studyInstanceUid"] == StudyUid(Path.Combine(split, "lateral.dcm")));
        Assert.Equal(2, (int)splitStudy!["inputs"]!);

        // One analysis per study; the analyses' generation is the study's last one.
        Assert.Equal(5, cluster.Scalar("SELECT count(*) FROM analyses"));
        Assert.Equal(5, cluster.Scalar("SELECT count(*) FROM analyses a JOIN studies s ON s.\"Id\" = a.\"StudyId\" AND s.\"Generation\" = a.\"Generation\" AND s.\"LatestAnalysisId\" = a.\"Id\""));
        // How many analyses ran is not asserted: when both assemblers see a study due at once, the one that loses the
        // claim deletes the job it queued, but a job fetched in that moment still runs, and its analysis is then
        // discarded at recording (the unique key above); only what is recorded and sent must be once.

        // Each study's SR and presentation state reach the PACS once, whichever worker analysed or exports it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (cluster.Scalar("SELECT count(*) FROM exports WHERE \"State\" = 'Sent'") < 5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, cancellationToken);
        }

        var exports = cluster.Query("SELECT \"State\" || ' ' || \"Attempts\" || ' ' || coalesce(\"LastError\", '') FROM exports ORDER BY \"Id\"");
        Assert.True(exports.Count == 5 && exports.All(e => e.StartsWith("Sent 1 ", StringComparison.Ordinal)), "exports: " + string.Join("; ", exports));
        var received = Directory.GetFiles(pacs.OutDirectory).Select(Path.GetFileName).ToList();
        Assert.Equal(5, received.Count(n => n!.StartsWith("SR", StringComparison.Ordinal)));
        Assert.Equal(5, received.Count(n => n!.StartsWith("PS", StringComparison.Ordinal)));
        Assert.Equal(10, received.Count);
    }

    private static void Send(string storescu, int port, params string[] files) => WorkerTestKit.StorescuOk(storescu, port, files, timeoutSeconds: 60);

    private static string StudyUid(string file) =>
        PlaoImaging.Dicom.DicomFile.Open(file, new PlaoImaging.Dicom.DicomReadOptions { StopBeforePixelData = true }).Dataset.GetString(PlaoImaging.Dicom.DicomTags.StudyInstanceUID);

    private static List<string> Uids(JsonArray studies) => [.. studies.Select(s => (string)s!["studyInstanceUid"]!).Order(StringComparer.Ordinal)];
}
