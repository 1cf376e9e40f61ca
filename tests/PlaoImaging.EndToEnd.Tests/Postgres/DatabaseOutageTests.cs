using System.Net;
using PlaoImaging.EndToEnd.Tests.Worker;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Postgres;

/// <summary>
/// The results database goes away under a running worker (PostgreSQL stopped at once, as a crashed database host):
/// readiness fails naming the database, new associations are rejected as transient (temporary congestion) so that the
/// sender keeps its instances, the process stays alive; when the database is back, readiness returns, the sender's
/// retry is accepted, and every study — those acknowledged before the outage and those sent after it — is analysed
/// and reported once. The job servers say they started afresh when their storage answered again.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class DatabaseOutageTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task DatabaseStopped_AssociationsRejectedAsTransient_AndAfterItReturnsEveryStudyIsAnalysedOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        string storescu = Peers.Require("storescu");
        using var cluster = PostgresCluster.Start("outage");
        string scratch = Peers.ScratchDirectory("pg-outage");
        string inputs = Directory.CreateDirectory(Path.Combine(scratch, "inputs")).FullName;
        string source = WorkerTestKit.SampleFiles("03-dx-thoracic-plao-run")[0];
        var before = Enumerable.Range(0, 3).Select(i => WorkerTestKit.CopyAsNewStudy(source, inputs, $"OUTAGE-A{i}")).ToList();
        var after = Enumerable.Range(0, 2).Select(i => WorkerTestKit.CopyAsNewStudy(source, inputs, $"OUTAGE-B{i}")).ToList();

        using var pacs = StorescpPeer.Start(Path.Combine(scratch, "pacs"));
        var settings = new Dictionary<string, string>(WorkerTestKit.Destination("pacs", pacs.Port, "PACS"), StringComparer.Ordinal)
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = cluster.ConnectionString,
            ["Assembly:QuietPeriod"] = "00:00:01",
            ["Export:RetryDelays:0"] = "00:00:01",
            ["Jobs:StorageProbeInterval"] = "00:00:00.5",
        };
        using var worker = await WorkerProcess.StartAsync("pg-outage", settings, ct);

        var (code, output) = WorkerTestKit.Storescu(storescu, worker.DicomPort, before);
        Assert.True(code == 0, "before the outage: " + output);
        await Poll.UntilAsync(() => cluster.Scalar("SELECT count(*) FROM exports WHERE \"State\" = 'Sent'") == 3, TimeSpan.FromMinutes(2), "the first three studies reported",
            () => Describe(cluster, worker), Interval, ct);

        cluster.Stop();
        string ready = await WaitForReadyAsync(worker, HttpStatusCode.ServiceUnavailable, ct);
        Assert.Contains("database", ready, StringComparison.OrdinalIgnoreCase);
        using (var live = await worker.Api.GetAsync("health/live", ct))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        // The probe runs every 2 s: by the time readiness fails, the SCP turns associations away.
        (code, output) = WorkerTestKit.Storescu(storescu, worker.DicomPort, after);
        Assert.True(code != 0, "storescu succeeded while the database was down: " + output);
        Assert.Contains("Temporary Congestion", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Rejected Transient", output, StringComparison.OrdinalIgnoreCase);
        Assert.False(worker.Process!.HasExited, "the worker exited during the outage:\n" + worker.Process.Describe(40));

        cluster.Restart();
        await WaitForReadyAsync(worker, HttpStatusCode.OK, ct);
        (code, output) = WorkerTestKit.Storescu(storescu, worker.DicomPort, after);
        Assert.True(code == 0, "after the outage: " + output);
        // The job servers start afresh once their storage answers again, instead of waiting out their back-off; the wait
        // allows for a CI machine's load.
        var back = System.Diagnostics.Stopwatch.StartNew();
        await Poll.UntilAsync(() => cluster.Scalar("SELECT count(*) FROM exports WHERE \"State\" = 'Sent'") == 5, TimeSpan.FromMinutes(5), "all five studies reported",
            () => Describe(cluster, worker), Interval, ct);
        log.WriteLine($"the two studies sent after the outage were reported {back.Elapsed.TotalSeconds:F1} s after storescu ended");

        // The servers probe their storage every 0.5 s here: the studies may still be through before a probe has seen it back.
        await Poll.UntilAsync(() => worker.Process.Lines.Any(l => l.Contains("started afresh: its storage answers again", StringComparison.Ordinal)), TimeSpan.FromMinutes(1),
            "a job server saying it started afresh after the outage",
            () => string.Join('\n', worker.Process.Lines.Where(l => l.Contains("Hangfire", StringComparison.Ordinal) || l.Contains("storage", StringComparison.Ordinal)).TakeLast(30)),
            Interval, ct);

        Assert.Equal(5, cluster.Scalar("SELECT count(*) FROM studies WHERE \"State\" = 'Analysed'"));
        Assert.Equal(5, cluster.Scalar("SELECT count(*) FROM analyses"));
        Assert.Equal(5, cluster.Scalar("SELECT count(*) FROM instances"));
        var reports = pacs.Received().Where(r => WorkerTestKit.ReportClasses.Contains(r.SopClassUid)).Select(r => r.StudyUid).ToList();
        Assert.Equal(5, reports.Count);
        Assert.Equal(5, reports.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("New DICOM associations are refused", string.Join('\n', worker.Process.Lines), StringComparison.Ordinal);
    }

    private static async Task<string> WaitForReadyAsync(WorkerProcess worker, HttpStatusCode expected, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var response = await worker.Api.GetAsync("health/ready", ct);
            string body = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == expected)
            {
                // Readiness and the SCP's gate probe separately: give the gate one more probe interval.
                await Task.Delay(TimeSpan.FromSeconds(2.5), ct);
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"/health/ready still {(int)response.StatusCode} after 60 s, expected {(int)expected}: {body}");
            await Task.Delay(500, ct);
        }
    }

    private static string Describe(PostgresCluster cluster, WorkerProcess worker) =>
        "studies: " + string.Join(", ", cluster.Query("SELECT \"State\" || ' ' || count(*) FROM studies GROUP BY \"State\"")) +
        "; exports: " + string.Join(", ", cluster.Query("SELECT \"State\" || ' ' || count(*) FROM exports GROUP BY \"State\"")) +
        "\n" + worker.Process?.Describe(60);
}
