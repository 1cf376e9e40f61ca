using System.Collections.Concurrent;
using System.Net.Sockets;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.EndToEnd.Tests.Worker;

/// <summary>
/// SIGKILL at three moments of a run of 50 single-radiograph studies (after the first acknowledgements, while a study
/// is analysed, while a report is exported), a restart each time, and a resend of what was never acknowledged: every
/// acknowledged instance is indexed, every study analysed once by the model and its SR delivered once.
/// </summary>
[Trait("Category", "peer")]
[Trait("Category", "slow")]
public sealed class WorkerCrashTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private const int StudyCount = 50;

    [Fact]
    public async Task KilledThreeTimesDuringARun_NothingAcknowledgedIsLost_AndEachStudyIsAnalysedAndReportedOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = TestContext.Current.TestOutputHelper;
        string scratch = Peers.ScratchDirectory("worker-crash");
        string inputs = Directory.CreateDirectory(Path.Combine(scratch, "inputs")).FullName;
        string[] sources = [WorkerTestKit.SampleFiles("02-dx-thoracolumbar-explicit")[0], WorkerTestKit.SampleFiles("04-cr-normal-implicit")[0]];
        var files = Enumerable.Range(0, StudyCount).Select(i => WorkerTestKit.CopyAsNewStudy(sources[i % 2], inputs, $"CRASH{i % 25:00}")).ToList();
        var studyOf = files.ToDictionary(f => f, f => WorkerTestKit.Identify(f).StudyUid, StringComparer.Ordinal);

        using var pacs = StorescpPeer.Start(Path.Combine(scratch, "pacs"));
        var crashSettings = WorkerTestKit.Destination("pacs", pacs.Port, "STORESCP");
        crashSettings["Jobs:RealtimeWorkers"] = "2"; // the shipped default: jobs queued again after a kill may run side by side
        using var worker = await WorkerProcess.StartAsync("worker-crash", crashSettings, ct);
        string modelSha256 = (await worker.GetJsonAsync("api/model", ct))["sha256"]!.GetValue<string>();
        int seed = Random.Shared.Next();
        var random = new Random(seed);
        log?.WriteLine($"seed {seed}");

        var acknowledged = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var sender = Task.Run(() => SendAsync(worker.DicomPort, files, acknowledged, ct), ct);

        // 1. After the first few acknowledgements, while instances still arrive.
        int few = random.Next(3, 8);
        await Poll.UntilAsync(() => acknowledged.Count >= few, TimeSpan.FromMinutes(1), "the first acknowledgements", () => Describe(worker), Interval, ct);
        await KillAndRestartAsync(worker, $"after {acknowledged.Count} acknowledgements", log, ct);

        // 2. While a study is being analysed.
        await Poll.UntilAsync(async () => (await worker.StudiesAsync(ct)).Any(s => WorkerTestKit.State(s) == "Analysing"), TimeSpan.FromMinutes(2), "a study being analysed",
            () => Describe(worker), Interval, ct);
        await Task.Delay(random.Next(0, 400), ct);
        await KillAndRestartAsync(worker, "mid-analysis", log, ct);

        // 3. While a report is exported: an SR has just arrived, its presentation state follows on the same association.
        int reportsBefore = Reports(pacs);
        await Poll.UntilAsync(() => Reports(pacs) > reportsBefore, TimeSpan.FromMinutes(2), "an SR at the destination", () => Describe(worker), TimeSpan.FromMilliseconds(10), ct);
        await KillAndRestartAsync(worker, "mid-export", log, ct);

        await sender;
        for (int round = 0; round < 5 && acknowledged.Count < files.Count; round++)
        {
            log?.WriteLine($"resending {files.Count - acknowledged.Count} unacknowledged instances");
            await SendAsync(worker.DicomPort, files, acknowledged, ct);
        }

        Assert.Equal(files.Count, acknowledged.Count);
        var studies = await WorkerTestKit.WaitUntilSettledAsync(worker, StudyCount, TimeSpan.FromMinutes(4), ct);

        // Every acknowledged instance is in the index (each study has its one input), every study analysed once by the model.
        var byUid = studies.ToDictionary(s => s!["studyInstanceUid"]!.GetValue<string>(), s => s!, StringComparer.Ordinal);
        var failures = new List<string>();
        foreach (string file in acknowledged.Keys)
        {
            if (!byUid.TryGetValue(studyOf[file], out var study))
            {
                failures.Add($"{Path.GetFileName(file)}: acknowledged, its study is not in the index");
                continue;
            }

            if (study["inputs"]!.GetValue<int>() != 1 || WorkerTestKit.State(study) != "Analysed")
            {
                failures.Add($"{study["studyInstanceUid"]}: {study["inputs"]} inputs, state {WorkerTestKit.State(study)} ({study["reason"]})");
            }

            var analyses = (await worker.GetJsonAsync($"api/studies/{study["id"]}", ct))["analyses"]!.AsArray();
            int byModel = analyses.Count(a => a!["modelSha256"]!.GetValue<string>() == modelSha256);
            if (analyses.Count != 1 || byModel != 1)
            {
                failures.Add($"{study["studyInstanceUid"]}: {analyses.Count} analyses, {byModel} by the model");
            }
        }

        // The destination holds exactly one SR and one presentation state per study (a re-sent identical object has the
        // same SOP Instance UID and overwrites its own file, so distinct UIDs count what was produced more than once).
        var received = pacs.Received();
        foreach (var (kind, classes) in new[] { ("SR", WorkerTestKit.ReportClasses), ("GSPS", new HashSet<string>(StringComparer.Ordinal) { WorkerTestKit.GspsClass }) })
        {
            var perStudy = received.Where(r => classes.Contains(r.SopClassUid)).GroupBy(r => r.StudyUid, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(r => r.SopInstanceUid).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
            foreach (string uid in studyOf.Values)
            {
                if (perStudy.GetValueOrDefault(uid) != 1)
                {
                    failures.Add($"{uid}: {perStudy.GetValueOrDefault(uid)} distinct {kind} objects at the destination");
                }
            }
        }

        Assert.Equal(StudyCount, byUid.Count);
        Assert.DoesNotContain(studies, s => WorkerTestKit.State(s) is "Receiving" or "Queued" or "Analysing");
        Assert.True(failures.Count == 0, $"{failures.Count} problems:\n{string.Join('\n', failures)}\n{worker.Process?.Describe(60)}");

        // Passed: the 50 copies (some 75 MB) are of no further use; on a failure they stay beside the destination's files.
        Directory.Delete(inputs, recursive: true);
    }

    // storescp names a file by its SOP class and SOP Instance UID: SRc.<uid> for a Comprehensive SR, PS.<uid> for a GSPS.
    private static int Reports(StorescpPeer pacs) => Directory.GetFiles(pacs.OutDirectory, "SR*").Length;

    private static async Task KillAndRestartAsync(WorkerProcess worker, string moment, ITestOutputHelper? log, CancellationToken ct)
    {
        worker.Kill();
        log?.WriteLine($"killed {moment}");
        await worker.RestartAsync(ct);
    }

    /// <summary>Sends each file not yet acknowledged on an association of its own; records the ones answered Success.</summary>
    private static async Task SendAsync(int port, IReadOnlyList<string> files, ConcurrentDictionary<string, bool> acknowledged, CancellationToken ct)
    {
        foreach (string file in files.Where(f => !acknowledged.ContainsKey(f)))
        {
            var client = new DicomClient("127.0.0.1", port, new DicomClientOptions { CalledAETitle = "PLAO", ConnectTimeout = TimeSpan.FromSeconds(5), ResponseTimeout = TimeSpan.FromSeconds(30) });
            try
            {
                var outcome = Assert.Single(await client.StoreAsync([file], null, ct));
                if (outcome.Result == DicomStoreResult.Success)
                {
                    acknowledged[file] = true;
                    continue;
                }
            }
            catch (Exception e) when (e is DicomException or IOException or SocketException or TimeoutException)
            {
            }

            // The worker is down or restarting: the next file a moment later, this one in the resend.
            await Task.Delay(500, ct);
        }
    }

    private static string Describe(WorkerProcess worker) => worker.Process?.Describe(80) ?? "the worker has no process";
}
