using System.Diagnostics;
using PlaoImaging.EndToEnd.Tests.Worker;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Postgres;

/// <summary>
/// The scale-out set-up by roles: two ingest nodes (<c>Worker:Roles=ingest,web</c>) and three analysis workers
/// (<c>analysis,export</c>) on one PostgreSQL cluster, one shared storage path, DCMTK storescp as the PACS. 300
/// single-radiograph studies are sent to the two SCPs at once; while they are analysed one analysis worker is killed
/// with SIGKILL and a fourth one is started. Every study is analysed once (one recorded analysis, state Analysed), its
/// SR and presentation state reach the PACS once, and nothing is left pending: the killed worker's jobs are taken over
/// by the others once its invisibility timeout has passed.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class ScaleOutOnPostgresTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private const int StudyCount = 300;

    [Fact]
    public async Task TwoIngestNodesAndThreeAnalysisWorkers_OneKilledAndOneAdded_EveryStudyAnalysedAndReportedOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = TestContext.Current.TestOutputHelper;
        string storescu = Peers.Require("storescu");
        using var cluster = PostgresCluster.Start("scale-out");
        string shared = Peers.ScratchDirectory("pg-scale-out");
        string inputs = Directory.CreateDirectory(Path.Combine(shared, "inputs")).FullName;

        // The two smaller samples (about 0.7 MB each, JPEG lossless and explicit little endian), each copy a new study.
        string[] sources = [WorkerTestKit.SampleFiles("01-cr-lumbar-mono1-jpegll")[0], WorkerTestKit.SampleFiles("03-dx-thoracic-plao-run")[0]];
        var files = Enumerable.Range(0, StudyCount).Select(i => WorkerTestKit.CopyAsNewStudy(sources[i % 2], inputs, $"SCALE{i:000}")).ToList();
        var studyUids = files.Select(f => WorkerTestKit.Identify(f).StudyUid).ToHashSet(StringComparer.Ordinal);

        using var pacs = StorescpPeer.Start(Path.Combine(shared, "pacs"));
        var common = new Dictionary<string, string>(WorkerTestKit.Destination("pacs", pacs.Port, "PACS"), StringComparer.Ordinal)
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = cluster.ConnectionString,
            ["Dicom:Scp:StorageRoot"] = Path.Combine(shared, "dicom"),
            ["Worker:OutboxFolder"] = Path.Combine(shared, "outbox"),
            ["Assembly:QuietPeriod"] = "00:00:02",
            ["Export:RetryDelays:0"] = "00:00:01",
            // A dead node's jobs go to the others after 15 s (live nodes extend theirs every 3 s).
            ["Jobs:InvisibilityTimeout"] = "00:00:15",
        };
        var ingestSettings = new Dictionary<string, string>(common, StringComparer.Ordinal) { ["Worker:Roles"] = "ingest,web" };
        var analysisSettings = new Dictionary<string, string>(common, StringComparer.Ordinal) { ["Worker:Roles"] = "analysis,export" };

        var nodes = new List<WorkerProcess>();
        try
        {
            // One at a time: five .NET processes starting at once on two cores only test the start-up's patience.
            foreach (var (name, settings) in new[] { ("ingest-a", ingestSettings), ("ingest-b", ingestSettings), ("analysis-1", analysisSettings), ("analysis-2", analysisSettings), ("analysis-3", analysisSettings) })
            {
                nodes.Add(await WorkerProcess.StartAsync("pg-scale-" + name, settings, ct));
            }

            var (ingestA, ingestB, victim) = (nodes[0], nodes[1], nodes[2]);

            // What each role serves: the ingest nodes have an SCP and the API; the analysis workers neither.
            using (var client = new System.Net.Sockets.TcpClient())
            {
                await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(async () => await client.ConnectAsync("127.0.0.1", victim.DicomPort, ct));
            }

            using (var response = await victim.Api.GetAsync("api/studies", ct))
            {
                Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
            }

            // The ingest nodes read the manifest only; the analysis workers load the model.
            Assert.Contains("manifest only", await (await ingestA.Api.GetAsync("health/ready", ct)).Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            Assert.DoesNotContain("manifest only", await (await victim.Api.GetAsync("health/ready", ct)).Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

            // Half the studies to each SCP, at the same time.
            var half = files.Count / 2;
            var sendA = Task.Run(() => WorkerTestKit.StorescuOk(storescu, ingestA.DicomPort, files.Take(half)), ct);
            var sendB = Task.Run(() => WorkerTestKit.StorescuOk(storescu, ingestB.DicomPort, files.Skip(half)), ct);

            // While the studies are being analysed: one analysis worker killed, another one added.
            await Poll.UntilAsync(() => cluster.Scalar("SELECT count(*) FROM analyses") >= 30, TimeSpan.FromMinutes(4), "30 analyses", () => Describe(cluster), Interval, ct);
            long atKill = cluster.Scalar("SELECT count(*) FROM analyses");
            victim.Kill();
            log?.WriteLine($"analysis-1 killed after {atKill} analyses");
            nodes.Add(await WorkerProcess.StartAsync("pg-scale-analysis-4", analysisSettings, ct));
            log?.WriteLine($"analysis-4 ready at {cluster.Scalar("SELECT count(*) FROM analyses")} analyses");
            await Task.WhenAll(sendA, sendB);

            var started = Stopwatch.StartNew();
            await Poll.UntilAsync(
                () => cluster.Scalar("SELECT count(*) FROM studies WHERE \"State\" IN ('Analysed', 'NoResult', 'Failed')") == StudyCount
                    && cluster.Scalar("SELECT count(*) FROM exports WHERE \"State\" = 'Sent'") == StudyCount,
                TimeSpan.FromMinutes(8), "every study analysed and exported", () => Describe(cluster), Interval, ct);
            log?.WriteLine($"settled {started.Elapsed.TotalSeconds:F0} s after the sends ended");
            Assert.True(atKill < StudyCount, $"the worker was killed after the run ({atKill} analyses)");

            // Every study is in the index, analysed by the model once, its one analysis the study's latest.
            Assert.Equal(StudyCount, cluster.Scalar("SELECT count(*) FROM studies"));
            Assert.Equal(StudyCount, cluster.Scalar("SELECT count(*) FROM studies WHERE \"State\" = 'Analysed'"));
            Assert.Equal(StudyCount, cluster.Scalar("SELECT count(*) FROM instances"));
            Assert.Equal(StudyCount, cluster.Scalar("SELECT count(*) FROM analyses"));
            Assert.Equal(StudyCount, cluster.Scalar("SELECT count(*) FROM analyses a JOIN studies s ON s.\"LatestAnalysisId\" = a.\"Id\""));
            Assert.Equal(0, cluster.Scalar("SELECT count(*) FROM studies WHERE \"State\" IN ('Receiving', 'Queued', 'Analysing')"));
            var exports = cluster.Query("SELECT \"State\" FROM exports");
            Assert.True(exports.Count == StudyCount && exports.All(e => e == "Sent"), $"{exports.Count} exports: " + string.Join(", ", exports.GroupBy(e => e).Select(g => $"{g.Key} {g.Count()}")));

            // The PACS holds one SR and one presentation state per study (a re-sent object has the same UID and replaces its own file).
            var received = pacs.Received();
            var failures = new List<string>();
            foreach (var (kind, classes) in new[] { ("SR", WorkerTestKit.ReportClasses), ("GSPS", new HashSet<string>(StringComparer.Ordinal) { WorkerTestKit.GspsClass }) })
            {
                var perStudy = received.Where(r => classes.Contains(r.SopClassUid)).GroupBy(r => r.StudyUid, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Select(r => r.SopInstanceUid).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
                failures.AddRange(studyUids.Where(uid => perStudy.GetValueOrDefault(uid) != 1).Select(uid => $"{uid}: {perStudy.GetValueOrDefault(uid)} distinct {kind} objects"));
                failures.AddRange(perStudy.Keys.Where(uid => !studyUids.Contains(uid)).Select(uid => $"{uid}: a {kind} for a study never sent"));
            }

            Assert.True(failures.Count == 0, $"{failures.Count} problems:\n{string.Join('\n', failures.Take(20))}");
            Directory.Delete(inputs, recursive: true);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    private static string Describe(PostgresCluster cluster) =>
        "studies " + string.Join(", ", cluster.Query("SELECT \"State\" || ' ' || count(*) FROM studies GROUP BY \"State\"")) +
        "; exports " + string.Join(", ", cluster.Query("SELECT \"State\" || ' ' || count(*) FROM exports GROUP BY \"State\"")) +
        "; last errors: " + string.Join(" | ", cluster.Query("SELECT \"LastError\" FROM exports WHERE \"LastError\" IS NOT NULL LIMIT 3")) +
        "; unfinished: " + string.Join(" | ", cluster.Query("SELECT \"Id\" || ' ' || \"State\" || ' gen ' || \"Generation\" || ' ' || coalesce(\"Reason\", '') FROM studies WHERE \"State\" NOT IN ('Analysed', 'NoResult', 'Failed') LIMIT 5")) +
        "; Hangfire jobs " + string.Join(", ", cluster.Query("SELECT coalesce(statename, 'none') || ' ' || count(*) FROM hangfire.job GROUP BY statename"));
}
